// A listing's files are looked at (lstat) a batch at a time by a thread of their own, with the
// synchronous call. Through libuv's pool each file cost this thread about 16 µs of CPU (a request,
// a wake-up and a callback each) for a call of 6 µs: most of what listing a folder of a million
// files cost. And a file system that hangs (a NAS mount gone away) holds that one thread, not the
// pool that every other file and DNS call of the process waits on.
import { Worker } from 'node:worker_threads';

export interface FileStat {
  isFile: boolean;
  size: number;
  mtimeMs: number;
  nlink: number;
}

/** Numbers per path in an answer: is it a file (-1: nothing to list, gone or unreadable), size, mtime, links. */
const FIELDS = 4;

// The thread's code: plain JavaScript, so that the thread need not load a TypeScript stripper (a
// thread costs some 12 MiB as it is).
const THREAD = `
const { lstatSync } = require('node:fs');
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, paths }) => {
  const out = new Float64Array(paths.length * ${FIELDS});
  for (let i = 0; i < paths.length; i++) {
    let st;
    try {
      st = lstatSync(paths[i], { throwIfNoEntry: false });
    } catch {}
    out.set(st ? [st.isFile() ? 1 : 0, st.size, st.mtimeMs, st.nlink] : [-1, 0, 0, 0], i * ${FIELDS});
  }
  parentPort.postMessage({ id, stats: out }, [out.buffer]);
});`;

/** The thread goes after this long without a batch. */
const IDLE_MS = 10_000;

/** The thread, and the batches it was given and has not answered. */
class StatThread {
  readonly worker = new Worker(THREAD, { eval: true });
  private readonly waiting = new Map<number, { resolve(stats: Float64Array): void; reject(err: Error): void }>();
  private nextId = 0;
  private idle: NodeJS.Timeout | undefined;
  /** Called once it takes no more batches. */
  private readonly done: () => void;

  constructor(done: () => void) {
    this.done = done;
    this.worker.on('message', ({ id, stats }: { id: number; stats: Float64Array }) => {
      const p = this.waiting.get(id);
      this.waiting.delete(id);
      p?.resolve(stats);
      if (this.waiting.size) return;
      // Nothing asked: the process need not wait for the thread, and an idle one goes.
      this.worker.unref();
      this.idle = setTimeout(() => this.end(), IDLE_MS).unref();
    });
    this.worker.on('error', (err) => this.end(err));
    this.worker.on('exit', () => this.end(new Error('the thread that looks at files stopped')));
  }

  ask(paths: string[]): Promise<Float64Array> {
    clearTimeout(this.idle);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, paths });
    });
  }

  /** No more batches go to it; those it holds fail with `err`. */
  private end(err?: Error): void {
    this.done();
    for (const p of this.waiting.values()) p.reject(err ?? new Error('the thread that looks at files stopped'));
    this.waiting.clear();
    void this.worker.terminate();
  }
}

let thread: StatThread | undefined;

/** The lstat of each path (undefined where there is none to be had), in order. */
export async function lstatAll(paths: string[]): Promise<Array<FileStat | undefined>> {
  const t = (thread ??= new StatThread(() => {
    if (thread === t) thread = undefined;
  }));
  const stats = await t.ask(paths);
  return paths.map((_, i) => {
    const at = i * FIELDS;
    return stats[at] < 0
      ? undefined
      : { isFile: stats[at] === 1, size: stats[at + 1], mtimeMs: stats[at + 2], nlink: stats[at + 3] };
  });
}
