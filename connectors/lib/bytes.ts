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

/**
 * Equal buffers of `size` bytes, at most `max` made, reused from part to part: memory stays at
 * `max` × `size` whatever the file's size, and no garbage piles up per part.
 */
export class BufferPool {
  readonly size: number;
  private readonly max: number;
  private made = 0;
  private free: Buffer[] = [];
  /** The memory of the buffers handed out: a give of anything else (or a second give) is ignored. */
  private out = new Set<ArrayBufferLike>();
  private waiting: { resolve: (b: Buffer) => void; reject: (err: unknown) => void }[] = [];

  constructor(size: number, max: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`A pool's buffers need a size, not ${size}.`);
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`A pool needs at least one buffer, not ${max}.`);
    this.size = size;
    this.max = max;
  }

  /** A free buffer, a new one while fewer than `max` are made, else the next one given back. */
  take(signal?: AbortSignal): Promise<Buffer> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    let b = this.free.pop();
    if (!b && this.made < this.max) {
      this.made++;
      // allocUnsafeSlow: an ArrayBuffer of its own (not a slice of Node's shared pool), so the
      // memory of any piece of it names the buffer it came from.
      b = Buffer.allocUnsafeSlow(this.size);
    }
    if (b) {
      this.out.add(b.buffer);
      return Promise.resolve(b);
    }
    return new Promise<Buffer>((resolve, reject) => {
      const waiter = {
        resolve: (got: Buffer) => {
          signal?.removeEventListener('abort', onAbort);
          this.out.add(got.buffer);
          resolve(got);
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Returns the pooled buffer `piece` is part of (a subarray is fine); anything else is ignored. */
  give(piece: Buffer): void {
    const memory = piece.buffer;
    if (!this.out.delete(memory)) return; // a source chunk passed through as it was, or given twice
    const whole = Buffer.from(memory, 0, this.size);
    const next = this.waiting.shift();
    if (next) next.resolve(whole);
    else this.free.push(whole);
  }
}

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
