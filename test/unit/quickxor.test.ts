// quickXorHash: Microsoft's published values, a literal bit-by-bit reading of the algorithm, and
// hashing in pieces (crossing the 160-byte block and the ring's wrap-around) or across a saved state.
import crypto from 'node:crypto';
import { expect, test } from '@jest/globals';
import { QuickXorHash, quickXorHash } from '../../connectors/onedrive/quickxor.ts';

/** The algorithm as Microsoft describes it, one byte at a time into a 160-bit ring (slow, obviously right). */
function reference(data: Uint8Array): string {
  const mask = (1n << 160n) - 1n;
  let ring = 0n;
  for (let i = 0; i < data.length; i++) {
    const shift = BigInt((i * 11) % 160);
    const v = BigInt(data[i]) << shift; // up to bit 167: the bits past 159 wrap to the start
    ring ^= (v & mask) | (v >> 160n);
  }
  ring ^= BigInt(data.length) << 96n; // 64-bit length into the last 8 of the 20 little-endian bytes
  const out = Buffer.alloc(20);
  for (let k = 0; k < 20; k++) out[k] = Number((ring >> BigInt(8 * k)) & 0xffn);
  return out.toString('base64');
}

test('published values', () => {
  expect(quickXorHash(Buffer.alloc(0))).toBe('AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
  // The value Microsoft's documentation gives for "hello world".
  expect(quickXorHash(Buffer.from('hello world'))).toBe('aCgDG9jwBhDc4Q1yawMZAAAAAAA=');
  expect(reference(Buffer.from('hello world'))).toBe('aCgDG9jwBhDc4Q1yawMZAAAAAAA=');
});

test('agrees with the bit-by-bit reading of the algorithm', () => {
  for (const size of [1, 2, 19, 20, 21, 159, 160, 161, 319, 320, 321, 1000, 4099]) {
    const data = crypto.randomBytes(size);
    expect(quickXorHash(data)).toBe(reference(data));
    // Unaligned views take the bytewise path.
    const shifted = Buffer.concat([Buffer.alloc(1), data]).subarray(1);
    expect(quickXorHash(shifted)).toBe(reference(data));
  }
  // All bits set: every spill into the next byte and around the ring is exercised.
  const ones = Buffer.alloc(481, 0xff);
  expect(quickXorHash(ones)).toBe(reference(ones));
});

test('hashing in pieces equals hashing in one piece', () => {
  const sizes = [0, 1, 19, 20, 21, 159, 160, 161, 1024 * 1024 + 3];
  for (const size of sizes) {
    const data = crypto.randomBytes(size);
    const whole = quickXorHash(data);
    for (const piece of [1, 7, 19, 20, 21, 159, 160, 161, 65_537]) {
      if (piece > Math.max(size, 1) * 2 && piece > 21) continue;
      const h = new QuickXorHash();
      for (let i = 0; i < size; i += piece) h.update(data.subarray(i, i + piece));
      expect(h.digest()).toBe(whole);
    }
    // Irregular pieces, starting at odd offsets.
    const h = new QuickXorHash();
    for (let i = 0, k = 0; i < size; k++) {
      const n = [3, 158, 1, 161, 4096, 17][k % 6];
      h.update(data.subarray(i, i + n));
      i += n;
    }
    expect(h.digest()).toBe(whole);
  }
});

test('a saved state resumes where it stopped, and a copy leaves the original untouched', () => {
  const data = crypto.randomBytes(10_000);
  for (const cut of [0, 1, 159, 160, 161, 3333, 10_000]) {
    const first = new QuickXorHash().update(data.subarray(0, cut));
    const saved = JSON.parse(JSON.stringify(first.save()));
    const copy = first.copy().update(Buffer.from('other'));
    expect(copy.digest()).not.toBe(first.digest());
    expect(QuickXorHash.restore(saved).update(data.subarray(cut)).digest()).toBe(quickXorHash(data));
  }
  expect(() => QuickXorHash.restore({ acc: 'AAAA', length: 3 })).toThrow();
});
