// Rows written in any order and read back in the order of their keys, then places: an external
// sort. A catalogue build groups a library's million entries by folder, by size and CRC-32, by
// month; holding them as objects took 1.6 GB. Here a few MB of rows are held at a time: each batch
// is sorted and written to a file of the build's own, and reading merges the files. A small
// library never reaches the disk.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface Row {
  key: string;
  n: number;
  value: unknown;
}

/** JSON text held before a batch is sorted and written out. */
const BATCH_BYTES = 8 * 1024 * 1024;

/** Text written to a run file at a time. */
const WRITE_CHARS = 64 * 1024;

/** Key order is only ever used to bring equal keys together, so UTF-16 order serves. */
const order = (a: { key: string; n: number }, b: { key: string; n: number }) =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : a.n - b.n;

type Line = { key: string; n: number; text: string };

export interface SortedRows {
  push(row: Row): Promise<void>;
  /** Every row pushed, in order; may be read more than once. */
  read(): AsyncGenerator<Row>;
  /** Forgets the rows and frees their disk: the build is done with them. */
  drop(): Promise<void>;
}

/**
 * Where a build keeps its sorted rows: a folder of its own (in `parent`), made when a batch is
 * first written out, and gone when the build ends, however it ends.
 */
export async function withScratch<T>(
  fn: (sorted: () => SortedRows) => Promise<T>,
  { batchBytes = BATCH_BYTES, parent = os.tmpdir() } = {},
): Promise<T> {
  let dir: string | undefined;
  let files = 0;
  const folder = async () => (dir ??= await fs.mkdtemp(path.join(parent, 'ferry-takeout-build-')));
  const sorted = (): SortedRows => {
    const runs: string[] = [];
    let batch: Line[] = [];
    let bytes = 0;
    let sortedBatch = false;
    const spill = async () => {
      batch.sort(order);
      const file = path.join(await folder(), `${++files}.ndjson`);
      // Written a few lines at a time: the batch's text whole, and its bytes, would double what a spill holds.
      const out = await fs.open(file, 'w');
      try {
        let text = '';
        for (const l of batch) {
          // A line: the key as JSON, its place, the value's JSON (JSON text holds no raw tab or newline).
          text += `${JSON.stringify(l.key)}\t${l.n}\t${l.text}\n`;
          if (text.length >= WRITE_CHARS) {
            await out.write(text);
            text = '';
          }
        }
        if (text) await out.write(text);
      } finally {
        await out.close();
      }
      runs.push(file);
      [batch, bytes] = [[], 0];
    };
    return {
      async push(row) {
        const text = JSON.stringify(row.value) ?? 'null';
        batch.push({ key: row.key, n: row.n, text });
        sortedBatch = false;
        bytes += text.length + row.key.length;
        if (bytes >= batchBytes) await spill();
      },
      async *read() {
        // Rows that went to disk already: the rest follow, rather than stay in memory while read.
        if (runs.length && batch.length) await spill();
        if (!sortedBatch) batch.sort(order);
        sortedBatch = true;
        const sources = [
          ...runs.map(readRun),
          (async function* () {
            yield* batch;
          })(),
        ];
        for await (const l of merge(sources)) yield { key: l.key, n: l.n, value: JSON.parse(l.text) };
      },
      async drop() {
        for (const file of runs.splice(0)) await fs.rm(file, { force: true });
        [batch, bytes] = [[], 0];
      },
    };
  };
  try {
    return await fn(sorted);
  } finally {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Bytes read from a run file at a time. A million media's rows are a hundred runs and more, all read
 * at once by the merge: each holds about two such reads (the stream's, and the one being split).
 */
const READ_BYTES = 16 * 1024;

/** A run file's lines, in order. */
async function* readRun(file: string): AsyncGenerator<Line> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: READ_BYTES })) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const [a, b] = [line.indexOf('\t'), line.indexOf('\t', line.indexOf('\t') + 1)];
      yield { key: JSON.parse(line.slice(0, a)), n: Number(line.slice(a + 1, b)), text: line.slice(b + 1) };
    }
  }
}

/** Sorted sources merged into one order: the least head of all, a binary heap of the sources. */
async function* merge(sources: AsyncGenerator<Line>[]): AsyncGenerator<Line> {
  const heap: Array<{ line: Line; source: AsyncGenerator<Line> }> = [];
  const less = (i: number, j: number) => order(heap[i].line, heap[j].line) < 0;
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j], heap[i]]);
  const up = (i: number) => {
    for (let p = (i - 1) >> 1; i > 0 && less(i, p); i = p, p = (i - 1) >> 1) swap(i, p);
  };
  const down = (i: number) => {
    for (;;) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let least = i;
      if (l < heap.length && less(l, least)) least = l;
      if (r < heap.length && less(r, least)) least = r;
      if (least === i) return;
      swap(i, least);
      i = least;
    }
  };
  for (const source of sources) {
    const next = await source.next();
    if (!next.done) {
      heap.push({ line: next.value, source });
      up(heap.length - 1);
    }
  }
  try {
    while (heap.length) {
      const top = heap[0];
      yield top.line;
      const next = await top.source.next();
      if (!next.done) top.line = next.value;
      else {
        heap[0] = heap.at(-1)!;
        heap.pop();
      }
      if (heap.length) down(0);
    }
  } finally {
    // Read to the end or not (a build that failed), no file stays open.
    for (const { source } of heap) await source.return(undefined);
  }
}
