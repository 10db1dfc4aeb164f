// The connectors' bytes (connectors/lib/bytes.ts): the buffer pool, the stream cut into parts, the
// reader that pulls only what is asked, and the skip to an offset. Each is held to the bytes it gives.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { describe, expect, test } from '@jest/globals';
import {
  BufferBudget,
  BufferPool,
  ByteReader,
  chunks,
  READ_INTO,
  sizeClass,
  skipBytes,
} from '../../connectors/lib/bytes.ts';

/** `data` cut at the given sizes, cycling through them (0 makes an empty chunk). */
function cut(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** Every piece of `chunks`, copied (the pool reuses their memory) and given back. */
async function pieces(source: Buffer[], size: number, pool: BufferPool): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const piece of chunks(from(source), size, pool)) {
    out.push(Buffer.from(piece));
    pool.give(piece);
  }
  return out;
}

/** Whether a promise is still pending after everything queued so far has run. */
async function pending(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setImmediate(r));
  return !settled;
}

describe('chunks', () => {
  const data = crypto.randomBytes(10_000);

  test('pieces of exactly the size from chunks of odd sizes, the last shorter', async () => {
    for (const sizes of [[1], [3, 0, 7], [999], [1024, 5], [10_000]]) {
      const got = await pieces(cut(data, sizes), 1024, new BufferPool(1024, 2));
      expect(got.map((p) => p.length)).toEqual([...Array(9).fill(1024), 10_000 - 9 * 1024]);
      expect(Buffer.concat(got).equals(data)).toBe(true);
    }
  });

  test('an empty stream gives no piece, not an empty one', async () => {
    expect(await pieces([], 16, new BufferPool(16, 1))).toEqual([]);
    expect(await pieces([Buffer.alloc(0), Buffer.alloc(0)], 16, new BufferPool(16, 1))).toEqual([]);
  });

  test('an exact multiple ends with a full piece', async () => {
    const whole = data.subarray(0, 4096);
    const got = await pieces(cut(whole, [100, 37]), 1024, new BufferPool(1024, 1));
    expect(got.map((p) => p.length)).toEqual([1024, 1024, 1024, 1024]);
    expect(Buffer.concat(got).equals(whole)).toBe(true);
  });

  test('a source chunk that is exactly one piece passes uncopied, others are copied into the pool', async () => {
    const a = data.subarray(0, 64);
    const pool = new BufferPool(64, 1);
    const it = chunks(from([a, data.subarray(64, 100)]), 64, pool);
    const first = (await it.next()).value as Buffer;
    expect(first).toBe(a);
    const second = (await it.next()).value as Buffer;
    expect(second.buffer).not.toBe(data.buffer);
    expect(second.equals(data.subarray(64, 100))).toBe(true);
    expect((await it.next()).done).toBe(true);
  });

  test('a Uint8Array source (of any realm) is read through a view', async () => {
    const u8 = new Uint8Array(data.buffer, data.byteOffset + 10, 300);
    const got: Buffer[] = [];
    const pool = new BufferPool(128, 1);
    for await (const piece of chunks(from([u8]), 128, pool)) {
      got.push(Buffer.from(piece));
      pool.give(piece);
    }
    expect(Buffer.concat(got).equals(data.subarray(10, 310))).toBe(true);
  });

  test('reading waits for a buffer while every one is out, and goes on when one is given back', async () => {
    const pool = new BufferPool(8, 2);
    const it = chunks(from(cut(data.subarray(0, 40), [3])), 8, pool);
    const one = (await it.next()).value as Buffer;
    const two = (await it.next()).value as Buffer;
    const three = it.next();
    expect(await pending(three)).toBe(true);
    const copyOfOne = Buffer.from(one);
    pool.give(one);
    const got = (await three).value as Buffer;
    expect(got.buffer).toBe(one.buffer); // the same memory, reused
    expect(copyOfOne.equals(data.subarray(0, 8))).toBe(true);
    expect(two.equals(data.subarray(8, 16))).toBe(true);
    expect(got.equals(data.subarray(16, 24))).toBe(true);
  });

  test('a source that fails gives the half-filled buffer back to the pool', async () => {
    const pool = new BufferPool(8, 1);
    async function* failing() {
      yield data.subarray(0, 4);
      throw new Error('connection reset');
    }
    await expect(chunks(failing(), 8, pool).next()).rejects.toThrow('connection reset');
    expect(await pending(pool.take())).toBe(false);
  });
});

/**
 * A source that reads into the buffers it is given (as a local file does), at most `most` bytes a
 * read; it counts its reads, says whether it was destroyed, and fails the test if read as a stream.
 */
function readsInto(data: Buffer, most = Number.POSITIVE_INFINITY, failAt?: number) {
  let at = 0;
  const source = {
    reads: [] as number[],
    destroyed: false,
    destroy: () => void (source.destroyed = true),
    // biome-ignore lint/correctness/useYield: a stream never to be read
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      throw new Error('read as a stream');
    },
    [READ_INTO]: async (into: Buffer) => {
      if (failAt !== undefined && at >= failAt) throw new Error('I/O error');
      const n = Math.min(into.length, most, data.length - at);
      data.copy(into, 0, at, at + n);
      at += n;
      source.reads.push(n);
      return n;
    },
  };
  return source;
}

describe('chunks of a source that reads into the pool’s buffers (a local file)', () => {
  const data = crypto.randomBytes(10_000);

  test('each piece is read into a pool buffer in one read, then one byte ahead; then the source closes', async () => {
    const source = readsInto(data);
    const pool = new BufferPool(4096, 2);
    const got: Buffer[] = [];
    const memory = new Set<ArrayBufferLike>();
    for await (const piece of chunks(source, 4096, pool)) {
      memory.add(piece.buffer);
      got.push(Buffer.from(piece));
      pool.give(piece);
    }
    expect(Buffer.concat(got).equals(data)).toBe(true);
    expect(got.map((p) => p.length)).toEqual([4096, 4096, 1808]);
    expect(memory.size).toBe(1); // the pool's one buffer, reused: no chunk of the source's own
    // Each full piece in one read, then the one byte that says another follows (it starts it).
    expect(source.reads).toEqual([4096, 1, 4095, 1, 1807, 0]);
    expect(source.destroyed).toBe(true);
  });

  test('a file of exactly one piece ends without a second buffer (its upload holds one)', async () => {
    const whole = data.subarray(0, 4096);
    const source = readsInto(whole);
    const pool = new BufferPool(4096, 1);
    const it = chunks(source, 4096, pool);
    const piece = (await it.next()).value as Buffer;
    expect(piece.equals(whole)).toBe(true);
    // Not given back yet: the end is known without taking the pool's only buffer.
    expect(await it.next()).toEqual({ done: true, value: undefined });
    expect(source.reads).toEqual([4096, 0]);
    expect(source.destroyed).toBe(true);
  });

  test('short reads fill a piece all the same; an empty source gives no piece', async () => {
    const got: Buffer[] = [];
    const pool = new BufferPool(1000, 1);
    for await (const piece of chunks(readsInto(data, 333), 1000, pool)) {
      got.push(Buffer.from(piece));
      pool.give(piece);
    }
    expect(got.map((p) => p.length)).toEqual(Array(10).fill(1000));
    expect(Buffer.concat(got).equals(data)).toBe(true);
    const empty = readsInto(Buffer.alloc(0));
    const none = new BufferPool(16, 1);
    for await (const _ of chunks(empty, 16, none)) throw new Error('a piece of an empty source');
    expect(empty.destroyed).toBe(true);
    expect(await pending(none.take())).toBe(false); // its buffer went back
  });

  test('a failed read, or a caller that stops early, gives the buffer back and closes the source', async () => {
    const failing = readsInto(data, 100, 300);
    const pool = new BufferPool(1000, 1);
    await expect(chunks(failing, 1000, pool).next()).rejects.toThrow('I/O error');
    expect(failing.destroyed).toBe(true);
    expect(await pending(pool.take().then((b) => pool.give(b)))).toBe(false);

    const stopped = readsInto(data);
    const it = chunks(stopped, 1000, pool);
    pool.give((await it.next()).value as Buffer);
    await it.return(undefined);
    expect(stopped.destroyed).toBe(true);
    expect(await pending(pool.take())).toBe(false);
  });
});

describe('BufferPool', () => {
  test('makes at most max buffers; a take waits until one is given back', async () => {
    const pool = new BufferPool(16, 2);
    const a = await pool.take();
    const b = await pool.take();
    expect(a.length).toBe(16);
    expect(a.buffer).not.toBe(b.buffer);
    const c = pool.take();
    expect(await pending(c)).toBe(true);
    pool.give(b.subarray(0, 5)); // a piece of a pooled buffer returns the whole of it
    const got = await c;
    expect(got.buffer).toBe(b.buffer);
    expect(got.length).toBe(16);
  });

  test('a foreign buffer, or one given twice, is ignored', async () => {
    const pool = new BufferPool(16, 1);
    const a = await pool.take();
    pool.give(Buffer.alloc(16));
    pool.give(crypto.randomBytes(16));
    const waiting = pool.take();
    expect(await pending(waiting)).toBe(true);
    pool.give(a);
    const b = await waiting;
    expect(b.buffer).toBe(a.buffer);
    pool.give(b);
    pool.give(b); // a second give must not put one buffer twice on the free list
    expect((await pool.take()).buffer).toBe(a.buffer);
    expect(await pending(pool.take())).toBe(true);
  });

  test('an abort while waiting rejects with its reason and takes no buffer', async () => {
    const pool = new BufferPool(16, 1);
    const a = await pool.take();
    const ctl = new AbortController();
    const waiting = pool.take(ctl.signal);
    expect(await pending(waiting)).toBe(true);
    ctl.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    pool.give(a);
    // The buffer went to the free list, not to the taker that left.
    const b = await pool.take();
    expect(b.buffer).toBe(a.buffer);
    // Already aborted: no wait at all.
    await expect(pool.take(ctl.signal)).rejects.toThrow('stopped');
  });
});

describe('BufferBudget: one limit for every upload of the process', () => {
  const KiB = 1024;

  test('buffers come in size classes, so one given back fits the next file of about its size', () => {
    expect(sizeClass(1)).toBe(64 * KiB);
    expect(sizeClass(1000 * KiB)).toBe(1024 * KiB);
    expect(sizeClass(1024 * KiB + 1)).toBe(2048 * KiB);
    // Photos of 3 and 6 MiB and a video's 8 MiB part: two sizes, not three.
    expect(sizeClass(3 * 1024 * KiB)).toBe(4 * 1024 * KiB);
    expect(sizeClass(6 * 1024 * KiB)).toBe(8 * 1024 * KiB);
    expect(sizeClass(8 * 1024 * KiB)).toBe(8 * 1024 * KiB);
    // Past S3's usual part, whole MiB: a part of 10 MiB does not hold 16.
    expect(sizeClass(9 * 1024 * KiB + 1)).toBe(10 * 1024 * KiB);
  });

  test('uploads past the limit wait; a closed upload hands its buffers, the same memory, to the next', async () => {
    const budget = new BufferBudget(2 * 64 * KiB);
    const first = new BufferPool(1000, 4, budget);
    const a = await first.take();
    const b = await first.take();
    expect(budget.bytesHeld).toBe(2 * 64 * KiB);
    const second = new BufferPool(1000, 4, budget);
    const waiting = second.take();
    expect(await pending(waiting)).toBe(true);
    first.give(a);
    // Given back to its own upload, not to the budget: still waiting.
    expect(await pending(waiting)).toBe(true);
    first.give(b);
    first.close();
    const got = await waiting;
    expect([a.buffer, b.buffer]).toContain(got.buffer);
    expect(budget.bytesHeld).toBe(2 * 64 * KiB);
  });

  test('an upload waiting on the budget takes its own buffer as it comes back (no upload waits for ever)', async () => {
    const budget = new BufferBudget(64 * KiB);
    const pool = new BufferPool(100, 3, budget);
    const a = await pool.take();
    const next = pool.take();
    expect(await pending(next)).toBe(true);
    pool.give(a);
    expect((await next).buffer).toBe(a.buffer);
    pool.close();
    // The draw it no longer needed was called off: the budget serves others at once.
    expect(await pending(new BufferPool(100, 1, budget).take())).toBe(false);
  });

  test('a buffer still out when its upload ends is let go, never handed to another upload', async () => {
    const budget = new BufferBudget(64 * KiB);
    const pool = new BufferPool(100, 1, budget);
    const a = await pool.take();
    pool.close();
    expect(budget.bytesHeld).toBe(0);
    const b = await new BufferPool(100, 1, budget).take();
    expect(b.buffer).not.toBe(a.buffer);
    pool.give(a); // late: ignored
    expect(budget.bytesHeld).toBe(64 * KiB);
  });

  test('a kept buffer serves a size up to half its own, the smallest that fits first', async () => {
    const MiB = 1024 * KiB;
    const budget = new BufferBudget(32 * MiB);
    /** One upload of `size` bytes: the memory of the buffer it was given (given back once it ends). */
    const upload = async (size: number) => {
      const pool = new BufferPool(size, 1, budget);
      const piece = await pool.take();
      expect(piece.length).toBe(size);
      pool.give(piece);
      pool.close();
      return piece.buffer;
    };
    const four = await upload(4 * MiB);
    const eight = await upload(6 * MiB); // 4 MiB cannot hold it: a buffer of its own, of 8 MiB
    expect(budget.bytesHeld).toBe(12 * MiB);
    // A photo of 3 MiB takes the 4 MiB buffer, not the 8; one of 5 MiB the 8: photos share buffers
    // rather than each size making its own (its pages faulted in anew).
    expect(await upload(3 * MiB)).toBe(four);
    expect(await upload(5 * MiB)).toBe(eight);
    // Half of a kept buffer's size still fits it, the smallest first.
    expect(await upload(2 * MiB)).toBe(four);
    expect(budget.bytesHeld).toBe(12 * MiB);
    // Under half of the smallest kept: a buffer of its own size, not 4 MiB held for 1.
    const one = await upload(MiB);
    expect([four, eight]).not.toContain(one);
    expect(budget.bytesHeld).toBe(13 * MiB);
  });

  test('kept buffers of another size make room for a new size; a part over the limit is made alone', async () => {
    const budget = new BufferBudget(128 * KiB);
    const small = new BufferPool(100, 2, budget);
    small.give(await small.take());
    const [x, y] = [await small.take(), await small.take()];
    small.give(x);
    small.give(y);
    small.close(); // both kept for reuse
    expect(budget.bytesHeld).toBe(128 * KiB);
    const large = new BufferPool(100 * KiB, 1, budget);
    expect((await large.take()).length).toBe(100 * KiB);
    expect(budget.bytesHeld).toBe(128 * KiB);
    large.close();
    const huge = new BufferPool(1024 * KiB, 1, budget);
    expect((await huge.take()).length).toBe(1024 * KiB);
    const after = new BufferPool(100, 1, budget).take();
    expect(await pending(after)).toBe(true);
    huge.close();
    expect(await pending(after)).toBe(false);
  });
});

describe('ByteReader', () => {
  const data = crypto.randomBytes(5000);

  test('take gives views of at most max bytes, then null', async () => {
    const source = cut(data, [700, 1, 300]);
    const reader = new ByteReader(from(source));
    const first = await reader.take(100);
    expect(first?.length).toBe(100);
    expect(first?.buffer).toBe(data.buffer); // a view of the source's chunk, not a copy
    const got = [first!];
    for (let b = await reader.take(333); b; b = await reader.take(333)) {
      expect(b.length).toBeGreaterThanOrEqual(1);
      expect(b.length).toBeLessThanOrEqual(333);
      got.push(b);
    }
    expect(Buffer.concat(got).equals(data)).toBe(true);
    expect(reader.consumed).toBe(5000);
    expect(await reader.take(1)).toBeNull();
    expect(await reader.atEnd()).toBe(true);
  });

  test('fill copies across chunks into part of a buffer and stops at the end', async () => {
    const reader = new ByteReader(from(cut(data, [13, 0, 977])));
    const buf = Buffer.alloc(4000);
    expect(await reader.fill(buf, 10, 3010)).toBe(3010);
    expect(buf.subarray(10, 3010).equals(data.subarray(0, 3000))).toBe(true);
    expect(await reader.fill(buf, 0, 4000)).toBe(2000);
    expect(buf.subarray(0, 2000).equals(data.subarray(3000))).toBe(true);
    expect(reader.consumed).toBe(5000);
  });

  test('skip across chunks, then what follows is read from there', async () => {
    const reader = new ByteReader(from(cut(data, [10, 20, 4000])));
    expect(await reader.skip(25)).toBe(25);
    expect(reader.consumed).toBe(25);
    expect((await reader.take(5))?.equals(data.subarray(25, 30))).toBe(true);
    expect(await reader.skip(10_000)).toBe(4970);
    expect(await reader.skip(1)).toBe(0);
    expect(reader.consumed).toBe(5000);
  });

  test('atEnd looks one chunk ahead without losing it; strings are read as UTF-8', async () => {
    const reader = new ByteReader(from(['', 'hé', 'llo']));
    expect(await reader.atEnd()).toBe(false);
    const buf = Buffer.alloc(6);
    expect(await reader.fill(buf, 0, 6)).toBe(6);
    expect(buf.toString()).toBe('héllo');
    expect(await reader.atEnd()).toBe(true);
    expect(await new ByteReader(from([])).atEnd()).toBe(true);
  });

  test('pulls only as much of the source as asked', async () => {
    let read = 0;
    async function* counted() {
      for (const c of cut(data, [100])) {
        read++;
        yield c;
      }
    }
    const reader = new ByteReader(counted());
    await reader.take(50);
    await reader.take(50);
    expect(read).toBe(1);
    await reader.skip(150); // the second chunk, then half of the third
    expect(read).toBe(3);
    expect(reader.consumed).toBe(250);
  });

  test('onChunk sees every chunk as it is read, and what it throws take throws', async () => {
    const seen: number[] = [];
    const reader = new ByteReader(from(cut(data, [1000])), (c) => {
      seen.push(c.length);
      if (seen.length === 3) throw new Error('too much');
    });
    expect(await reader.skip(2000)).toBe(2000);
    expect(seen).toEqual([1000, 1000]);
    await expect(reader.take(1)).rejects.toThrow('too much');
  });
});

describe('skipBytes', () => {
  const data = crypto.randomBytes(3000);
  const skipped = async (source: Buffer[], n: number) => {
    const chunks: Buffer[] = [];
    await pipeline(Readable.from(source), skipBytes(n), async (s: AsyncIterable<Buffer>) => {
      for await (const c of s) chunks.push(c);
    });
    return Buffer.concat(chunks);
  };

  test('drops the first n bytes across chunks', async () => {
    for (const n of [0, 1, 99, 100, 101, 2999, 3000, 5000]) {
      expect((await skipped(cut(data, [100, 7]), n)).equals(data.subarray(n))).toBe(true);
    }
  });

  test('in a stream, as a download from an offset reads it', async () => {
    const body = Readable.from(cut(data, [512])).pipe(skipBytes(1000));
    expect((await buffer(body)).equals(data.subarray(1000))).toBe(true);
  });
});
