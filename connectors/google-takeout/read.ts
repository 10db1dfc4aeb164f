// Reading archive parts where they lie, through the storage cloud's source: ranged reads of a zip
// (one request per entry: its local header and data come in one response), or a .tgz front to back.
// Every byte received is counted, so tests and benchmarks can hold the ingest to what it copies.
import { PassThrough, type Readable } from 'node:stream';
import type { Source } from '../types.ts';
import type { EntryRef } from './catalogue.ts';
import { entryFrom, openEntry, type ZipEntry } from './zip.ts';

/** Bytes this process has read from storage clouds for Takeout parts (instrumentation for tests and benchmarks). */
export const readStats = { bytes: 0, requests: 0 };

export interface PartFile {
  sourceId: string;
  size: number;
}

/** The part's bytes from `offset` (`length` of them when given: a bounded range request), counted as they arrive. */
export async function streamPart(
  storage: Source,
  part: PartFile,
  offset: number,
  signal?: AbortSignal,
  length?: number,
): Promise<Readable> {
  readStats.requests++;
  const body = await storage.open({ id: part.sourceId, size: part.size }, { offset, length, signal });
  body.on('data', (chunk: Buffer) => {
    readStats.bytes += chunk.length;
  });
  return body;
}

/** `length` bytes at `offset` of the part (the zip reader's end records and directory). */
export async function readPartAt(
  storage: Source,
  part: PartFile,
  offset: number,
  length: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  // Read to the body's end (head is asked for a byte more than comes): a body left at its last byte
  // is destroyed unfinished, and an HTTP connection with it. So every read of a part's JSON files
  // opened a connection of its own (on s3rver: 300 reads, 300 connections; now one).
  return (await head(await streamPart(storage, part, offset, signal, length), length + 1)).subarray(0, length);
}

/**
 * Room asked for beyond the central directory's name length for a local header's extra field
 * (Takeout's are a few dozen bytes; a larger one costs a second request, not a failure).
 */
const LOCAL_EXTRA_ROOM = 1024;
/** The most of an entry's stored bytes readZipEntry holds at once (a JSON file is at most 1 MiB). */
const WHOLE_MAX = 2 * 1024 * 1024;

/** The end (exclusive) of the one request that reads a zip entry whole, local header and all. */
const entryEnd = (ref: EntryRef) =>
  ref.localHeaderOffset! + 30 + Buffer.byteLength(ref.name) + LOCAL_EXTRA_ROOM + ref.compressedSize!;

/** The directory's record of an entry, as the zip reader takes it. */
const zipEntryOf = (ref: EntryRef): ZipEntry => ({
  name: ref.name,
  size: ref.size,
  crc32: ref.crc32,
  method: ref.method!,
  compressedSize: ref.compressedSize!,
  localHeaderOffset: ref.localHeaderOffset!,
  modifiedAt: new Date(ref.modifiedAt),
  isDirectory: false,
});

/**
 * A small zip entry's content whole (a JSON file), size and CRC-32 checked, from the same single
 * request as openZipEntry, without a stream per entry; a local extra field larger than that request
 * allows for is read as openZipEntry reads it.
 */
export async function readZipEntry(storage: Source, part: PartFile, ref: EntryRef, signal?: AbortSignal) {
  const start = ref.localHeaderOffset!;
  // Held whole only when small: a crafted entry may store a JSON file's few KB in gigabytes (empty
  // deflate blocks); that one streams, with the stream's bounded memory.
  const bytes =
    ref.compressedSize! <= WHOLE_MAX
      ? await readPartAt(storage, part, start, Math.min(entryEnd(ref), part.size) - start, signal)
      : undefined;
  return (
    (bytes && entryFrom(zipEntryOf(ref), bytes)) ?? head(await openZipEntry(storage, part, ref, signal), ref.size + 1)
  );
}

/**
 * One zip entry's content (size and CRC-32 checked as it streams), read with a single bounded
 * request from its local header to its last byte: the zip reader asks for the header, then for the
 * data after it, and both are served from the one response.
 */
export async function openZipEntry(
  storage: Source,
  part: PartFile,
  ref: EntryRef,
  signal?: AbortSignal,
): Promise<Readable> {
  const start = ref.localHeaderOffset!;
  let end = entryEnd(ref); // exclusive
  let body: Readable | undefined;
  let iterator: AsyncIterator<Buffer> | undefined;
  let next = start; // archive offset of the next byte the response gives
  /** The next chunk, opening a (further) bounded request when the current one is spent. */
  const pull = async (): Promise<Buffer | undefined> => {
    for (;;) {
      if (!iterator) {
        if (next >= Math.min(end, part.size)) return undefined;
        body = await streamPart(storage, part, next, signal, Math.min(end, part.size) - next);
        iterator = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      }
      const r = await iterator.next();
      if (!r.done) {
        next += r.value.length;
        return r.value;
      }
      iterator = undefined;
    }
  };
  let buffered = Buffer.alloc(0);
  let position = start; // archive offset of buffered[0]
  const fill = async (until: number) => {
    while (position + buffered.length < until) {
      const chunk = await pull();
      if (!chunk) break;
      buffered = Buffer.concat([buffered, chunk]);
    }
  };
  try {
    return await openEntry(
      zipEntryOf(ref),
      async (offset, length) => {
        await fill(offset + length);
        return buffered.subarray(offset - position, offset - position + length);
      },
      async (offset) => {
        // The data starts after the header's name and extra field: drop what lies before it, then
        // hand out what is buffered followed by the rest, up to the entry's last byte.
        end = offset + ref.compressedSize!;
        await fill(offset);
        const rest = buffered.subarray(Math.min(buffered.length, offset - position));
        position = offset;
        buffered = Buffer.alloc(0);
        const out = new PassThrough({ highWaterMark: 64 * 1024 });
        out.on('close', () => body?.destroy());
        void (async () => {
          try {
            if (rest.length && !out.write(rest)) await new Promise((r) => out.once('drain', r));
            for (;;) {
              const chunk = await pull();
              if (!chunk || out.destroyed) break;
              if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
            }
            out.end();
          } catch (err) {
            out.destroy(err as Error);
          }
        })();
        return out;
      },
      signal,
    );
  } catch (err) {
    body?.destroy();
    throw err;
  }
}

/** The first `length` bytes of a stream (or all of it, when shorter); the stream is closed after. */
export async function head(stream: Readable, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= length) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, length);
}

/** Drops the first `n` bytes of a stream: resuming a copy inside a compressed entry. */
export function skip(stream: Readable, n: number): Readable {
  if (n <= 0) return stream;
  let left = n;
  const out = new PassThrough({ highWaterMark: 64 * 1024 });
  stream.on('error', (err) => out.destroy(err));
  out.on('close', () => stream.destroy());
  stream.on('data', (chunk: Buffer) => {
    if (left >= chunk.length) {
      left -= chunk.length;
      return;
    }
    const rest = chunk.subarray(left);
    left = 0;
    if (!out.write(rest)) stream.pause();
  });
  out.on('drain', () => stream.resume());
  stream.on('end', () => out.end());
  return out;
}
