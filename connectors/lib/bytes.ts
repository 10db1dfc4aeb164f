// Bytes of streams for every connector: a pool of equal buffers reused from part to part, the stream
// cut into parts of one size, a reader that pulls only as much as asked, and a skip to an offset.
// Memory stays bounded whatever the file's size: nothing here reads ahead of what its caller takes.
import { Transform } from 'node:stream';

/** A chunk of a source as a Buffer: a view of the same memory, never a copy (a string is encoded). */
function asBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (Buffer.isBuffer(chunk)) return chunk;
  // A Uint8Array (of this realm or another one, as inside Jest): a Buffer over its memory.
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** The reason an aborted signal gives, as an error to throw. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * What every upload of this process may hold in part buffers at once, whatever the number of runs
 * and lanes: a few parts of large files, or many small files whole. Uploads past it wait for a
 * buffer to come back, so memory stays bounded and throughput is shared rather than lost. 48 MiB
 * holds one large file's parts in flight (five of 8 MiB) with room for photos, or 32 lanes' files of
 * 1 MiB: the transfer and Takeout benchmarks ran as fast as with 64, and the Takeout one peaked at
 * 237-253 MiB of RSS rather than 255-273.
 */
export const UPLOAD_MEMORY = 48 * MiB;

/**
 * The buffer sizes handed out: a power of two up to 8 MiB (S3's part), whole MiB above (larger parts
 * are whole MiB). Few sizes, so that a buffer given back fits the next file, a photo of 3 MiB or of
 * 6 MiB, or a video's part, and is used again: each new buffer costs its pages faulted in, and one
 * let go stays in the allocator's heap (Takeout benchmark, with whole MiB from 1 MiB up: peak RSS
 * 276-301 MiB; like this: 255-273 MiB, at the same speed).
 */
export function sizeClass(size: number): number {
  if (size > 8 * MiB) return Math.ceil(size / MiB) * MiB;
  return Math.max(64 * KiB, 2 ** Math.ceil(Math.log2(size)));
}

/**
 * The process's part buffers, shared by every upload. A buffer given back is kept for the next
 * take of its size; a take that would pass the limit first lets kept buffers of other sizes go,
 * then waits its turn (first come, first served, so a large part is not starved by small ones).
 * A buffer larger than the whole limit (a part of a multi-terabyte file) is made when nothing
 * else is held.
 */
export class BufferBudget {
  readonly limit: number;
  /** Bytes of every buffer made and not let go: out with an upload, or kept for reuse. */
  private held = 0;
  private kept = new Map<number, Buffer[]>();
  private waiting: { size: number; resolve: (b: Buffer) => void }[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes held now (out and kept), for tests and benchmarks. */
  get bytesHeld(): number {
    return this.held;
  }

  /** A buffer of at least `size` bytes (its class), waiting while the limit is reached. */
  take(size: number, signal?: AbortSignal): Promise<Buffer> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const cls = sizeClass(size);
    if (!this.waiting.length) {
      const got = this.tryTake(cls);
      if (got) return Promise.resolve(got);
    }
    return new Promise<Buffer>((resolve, reject) => {
      const waiter = {
        size: cls,
        resolve: (b: Buffer) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(b);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(abortReason(signal!));
        this.serve(); // a large waiter leaving may let smaller ones through
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Takes a buffer back for reuse (a buffer of this budget, whole, not in use anywhere). */
  give(b: Buffer): void {
    const list = this.kept.get(b.length) ?? [];
    list.push(b);
    this.kept.set(b.length, list);
    this.serve();
  }

  /** Lets a buffer go without keeping it (it may still be read by a request being torn down). */
  forget(b: Buffer): void {
    this.held -= b.length;
    this.serve();
  }

  private tryTake(cls: number): Buffer | null {
    const reused = this.reuse(cls);
    if (reused) return reused;
    if (this.held + cls > this.limit) {
      // Kept buffers of other sizes go first: memory for what is asked now.
      for (const [size, list] of this.kept) {
        while (list.length && this.held + cls > this.limit) {
          list.pop();
          this.held -= size;
        }
        if (!list.length) this.kept.delete(size);
      }
    }
    if (this.held + cls > this.limit && this.held > 0) return null;
    this.held += cls;
    // allocUnsafeSlow: an ArrayBuffer of its own (not a slice of Node's shared pool), so the
    // memory of any piece of it names the buffer it came from.
    return Buffer.allocUnsafeSlow(cls);
  }

  /**
   * A kept buffer for `cls`: the smallest that holds it, up to twice its size. Photos of 3, 4 and
   * 5 MiB then share buffers rather than each size making its own and dropping the others': a new
   * buffer costs its pages faulted in, and the one dropped stays in the allocator's heap.
   */
  private reuse(cls: number): Buffer | undefined {
    let best = 0;
    for (const [size, list] of this.kept)
      if (list.length && size >= cls && size <= 2 * cls && (!best || size < best)) best = size;
    return best ? this.kept.get(best)!.pop() : undefined;
  }

  private serve(): void {
    while (this.waiting.length) {
      const got = this.tryTake(this.waiting[0].size);
      if (!got) return;
      this.waiting.shift()!.resolve(got);
    }
  }
}

/** The one budget of this process: every upload's part buffers come from it. */
export const uploadBuffers = new BufferBudget(UPLOAD_MEMORY);

/**
 * One upload's buffers of `size` bytes, at most `max` at once, drawn from a budget (the process's)
 * and reused from part to part. close() hands them back when the upload ends, however it ends.
 */
export class BufferPool {
  readonly size: number;
  private readonly max: number;
  private readonly budget: BufferBudget;
  private free: Buffer[] = [];
  /** Every buffer drawn (whole), and which of them are out now, by memory. */
  private drawn = new Map<ArrayBufferLike, Buffer>();
  private out = new Set<ArrayBufferLike>();
  private waiting: { resolve: (b: Buffer) => void; reject: (err: unknown) => void }[] = [];
  /** A draw from the budget under way (at most one), and how many were asked for in all. */
  private drawing: AbortController | undefined;
  private asked = 0;
  private closed = false;

  constructor(size: number, max: number, budget: BufferBudget = uploadBuffers) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`A pool's buffers need a size, not ${size}.`);
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`A pool needs at least one buffer, not ${max}.`);
    this.size = size;
    this.max = max;
    this.budget = budget;
  }

  /**
   * A free buffer, else the next one given back or drawn from the budget, whichever comes first:
   * an upload waiting on the budget also takes its own parts' buffers as they return, so uploads
   * that each hold some of the budget never wait on each other for ever.
   */
  take(signal?: AbortSignal): Promise<Buffer> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.closed) return Promise.reject(new Error('This upload is over: its buffers went back.'));
    const b = this.free.pop();
    if (b) {
      this.out.add(b.buffer);
      return Promise.resolve(b);
    }
    const got = new Promise<Buffer>((resolve, reject) => {
      const waiter = {
        resolve: (piece: Buffer) => {
          signal?.removeEventListener('abort', onAbort);
          this.out.add(piece.buffer);
          resolve(piece);
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        if (!this.waiting.length) this.drawing?.abort();
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
    this.draw();
    return got;
  }

  /** Returns the pooled buffer `piece` is part of (a subarray is fine); anything else is ignored. */
  give(piece: Buffer): void {
    const memory = piece.buffer;
    if (!this.out.delete(memory)) return; // a source chunk passed through as it was, or given twice
    this.hand(Buffer.from(memory, 0, this.size));
    if (!this.waiting.length) this.drawing?.abort(); // served by its own: the budget's is not needed
  }

  /**
   * The upload is over: its free buffers go back to the budget for other uploads, and those still
   * out are let go (a request being torn down may still read one: it is not handed to anyone else).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.drawing?.abort();
    for (const w of this.waiting.splice(0)) w.reject(new Error('This upload is over: its buffers went back.'));
    for (const [memory, whole] of this.drawn) {
      if (this.out.has(memory)) this.budget.forget(whole);
      else this.budget.give(whole);
    }
    this.free = [];
    this.out.clear();
    this.drawn.clear();
  }

  private hand(b: Buffer): void {
    const next = this.waiting.shift();
    if (next) next.resolve(b);
    else this.free.push(b);
  }

  private draw(): void {
    if (this.drawing || this.asked >= this.max || !this.waiting.length) return;
    const stop = new AbortController();
    this.drawing = stop;
    this.asked++;
    this.budget.take(this.size, stop.signal).then(
      (whole) => {
        this.drawing = undefined;
        if (this.closed) return this.budget.give(whole);
        this.drawn.set(whole.buffer, whole);
        this.hand(whole.subarray(0, this.size));
        this.draw();
      },
      () => {
        this.drawing = undefined;
        this.asked--;
        if (!this.closed) this.draw();
      },
    );
  }
}

/**
 * A source stream that can also read straight into a buffer it is given (a local file) carries its
 * read under this key: `chunks` then fills its pooled buffers with it, one read per piece, rather
 * than copying the stream's chunks into them (a 1 MiB file was sixteen reads of 64 KiB, each a new
 * buffer for the collector, then a copy). A read goes on from where the last ended, gives the bytes
 * read, and 0 at the end. The stream itself is then never read, only destroyed, which closes its file.
 */
export const READ_INTO: unique symbol = Symbol('readInto');
export type ReadInto = (into: Buffer) => Promise<number>;
export const readIntoOf = (source: unknown): ReadInto | undefined =>
  (source as { [READ_INTO]?: ReadInto } | null)?.[READ_INTO];

/**
 * The stream in pieces of exactly `size` bytes (the last shorter; none for an empty stream), in
 * buffers from `pool` (give each back once sent). A source chunk of exactly `size` that starts a
 * piece passes as it is, uncopied (a small file read in one go). The source is read only as pieces
 * are asked for, and a piece needs a free buffer: the pool bounds what is held.
 */
export async function* chunks(
  source: AsyncIterable<Uint8Array>,
  size: number,
  pool: BufferPool,
): AsyncGenerator<Buffer> {
  if (size > pool.size) throw new RangeError(`Pieces of ${size} bytes do not fit the pool's ${pool.size}.`);
  const into = readIntoOf(source);
  if (into) {
    yield* readPieces(source as AsyncIterable<Uint8Array> & { destroy?: () => void }, into, size, pool);
    return;
  }
  let buf: Buffer | null = null;
  let filled = 0;
  try {
    for await (const raw of source) {
      const chunk = asBuffer(raw);
      if (filled === 0 && chunk.length === size) {
        yield chunk;
        continue;
      }
      for (let off = 0; off < chunk.length; ) {
        buf ??= await pool.take();
        const n = Math.min(chunk.length - off, size - filled);
        chunk.copy(buf, filled, off, off + n);
        filled += n;
        off += n;
        if (filled === size) {
          // Handed over before the yield: from here the caller owns it (and gives it back).
          const piece: Buffer = buf.subarray(0, size);
          buf = null;
          filled = 0;
          yield piece;
        }
      }
    }
    if (buf) {
      const last: Buffer = buf.subarray(0, filled);
      buf = null;
      yield last;
    }
  } finally {
    // Stopped early (an error, or the caller returned): the half-filled buffer goes back.
    if (buf) pool.give(buf);
  }
}

/** chunks() of a source that reads into the pool's buffers itself (READ_INTO). */
async function* readPieces(
  source: { destroy?: () => void },
  into: ReadInto,
  size: number,
  pool: BufferPool,
): AsyncGenerator<Buffer> {
  let buf: Buffer | null = null;
  // After a full piece, one byte read ahead says whether another follows, without a buffer taken
  // for it (a small file's one piece is all its upload holds); that byte starts the next piece.
  const ahead = Buffer.alloc(1);
  let carried = false;
  try {
    for (;;) {
      buf = await pool.take();
      let filled = 0;
      if (carried) buf[filled++] = ahead[0];
      while (filled < size) {
        const n = await into(buf.subarray(filled, size));
        if (n === 0) break;
        filled += n;
      }
      carried = filled === size && (await into(ahead)) === 1;
      if (filled === 0) return;
      // Handed over before the yield: from here the caller owns it (and gives it back).
      const piece: Buffer = buf.subarray(0, filled);
      buf = null;
      yield piece;
      if (!carried) return;
    }
  } finally {
    if (buf) pool.give(buf);
    source.destroy?.();
  }
}

/**
 * Pulls bytes from a stream on demand, never more than asked: one source chunk at most is held,
 * and what is handed out is a view of it, not a copy. `onChunk` sees every chunk as it is read
 * (a parser's check on what its source inflates to); what it throws, take throws.
 */
export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array | string>;
  private readonly onChunk?: (chunk: Buffer) => void;
  private rest: Buffer | null = null;
  private ended = false;
  private handed = 0;

  constructor(source: AsyncIterable<Uint8Array | string>, onChunk?: (chunk: Buffer) => void) {
    this.it = source[Symbol.asyncIterator]();
    this.onChunk = onChunk;
  }

  /** Bytes handed out or skipped so far. */
  get consumed(): number {
    return this.handed;
  }

  /** The unread rest of the current chunk, reading the next one when none is left; null at the end. */
  private async current(): Promise<Buffer | null> {
    while (!this.rest) {
      if (this.ended) return null;
      const next = await this.it.next();
      if (next.done) {
        this.ended = true;
        return null;
      }
      const chunk = asBuffer(next.value);
      if (!chunk.length) continue; // empty chunks say nothing
      this.onChunk?.(chunk);
      this.rest = chunk;
    }
    return this.rest;
  }

  /** 1 to `max` bytes (a view of the source's chunk, no copy), or null at the end. */
  async take(max: number): Promise<Buffer | null> {
    if (!(max >= 1)) throw new RangeError(`take needs at least one byte, not ${max}.`);
    const rest = await this.current();
    if (!rest) return null;
    if (rest.length <= max) {
      this.rest = null;
      this.handed += rest.length;
      return rest;
    }
    this.rest = rest.subarray(max);
    this.handed += max;
    return rest.subarray(0, max);
  }

  /** Copies into buf[from, to) as far as the source goes; returns the new fill level (< to only at the end). */
  async fill(buf: Buffer, from: number, to: number): Promise<number> {
    let at = from;
    while (at < to) {
      const piece = await this.take(to - at);
      if (!piece) break;
      piece.copy(buf, at);
      at += piece.length;
    }
    return at;
  }

  /** Discards up to `n` bytes; returns how many there were (fewer only at the end). */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      const piece = await this.take(n - skipped);
      if (!piece) break;
      skipped += piece.length;
    }
    return skipped;
  }

  /** Whether the source has no byte left (reads at most one chunk ahead to know). */
  async atEnd(): Promise<boolean> {
    return (await this.current()) === null;
  }
}

/**
 * Drops the first `n` bytes of a stream: for sources that cannot start a download at an offset (a
 * server that ignored the Range asked for). The rest passes as views of the chunks, uncopied.
 */
export function skipBytes(n: number): Transform {
  let left = n;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (left >= chunk.length) {
        left -= chunk.length;
        return done();
      }
      const rest = left ? chunk.subarray(left) : chunk;
      left = 0;
      done(null, rest);
    },
  });
}
