// Dropbox's content_hash against a computation written straight from its definition
// (https://www.dropbox.com/developers/reference/content-hash): SHA-256 of the concatenated
// SHA-256s of each 4 MiB block. The published example (milky-way-nasa.jpg) is not at hand offline.
import crypto from 'node:crypto';
import { expect, test } from '@jest/globals';
import { BLOCK, contentHash, DropboxContentHasher } from '../../connectors/dropbox/content-hash.ts';

const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest();

/** The definition, one block at a time, with nothing shared with the code under test. */
function reference(data: Buffer): string {
  const digests: Buffer[] = [];
  for (let off = 0; off < data.length; off += 4 * MiB) digests.push(sha256(data.subarray(off, off + 4 * MiB)));
  return sha256(Buffer.concat(digests)).toString('hex');
}

const sizes = [0, 1, 4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 9 * MiB];
const big = crypto.randomBytes(9 * MiB);

test('the block is 4 MiB and the empty file hashes to SHA-256 of nothing', () => {
  expect(BLOCK).toBe(4_194_304);
  expect(contentHash(Buffer.alloc(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('content_hash matches the definition at and around block boundaries', () => {
  for (const size of sizes) {
    const data = big.subarray(0, size);
    expect([size, contentHash(data)]).toEqual([size, reference(data)]);
  }
});

test('streaming in odd-sized pieces gives the one-shot hash, with either outer SHA-256', async () => {
  for (const size of sizes) {
    const data = big.subarray(0, size);
    for (const h of [new DropboxContentHasher(), await DropboxContentHasher.resumable()]) {
      const pieces = [1, 7, 65_537, 3 * MiB + 5, 999_999];
      for (let off = 0, i = 0; off < data.length; i++) {
        const n = pieces[i % pieces.length];
        h.update(data.subarray(off, off + n));
        off += n;
      }
      expect(h.length).toBe(size);
      expect([size, h.digest()]).toEqual([size, reference(data)]);
    }
  }
});

test('updateChunk gives each chunk its own hash and the whole its hash, aligned or not', async () => {
  const h = await DropboxContentHasher.resumable();
  const chunks = [big.subarray(0, 8 * MiB), big.subarray(8 * MiB, 9 * MiB - 3)];
  for (const c of chunks) expect(h.updateChunk(c)).toBe(reference(c));
  expect(h.digest()).toBe(reference(big.subarray(0, 9 * MiB - 3)));

  // Off a block boundary (after a resume at an odd offset), the chunk is hashed apart.
  const odd = new DropboxContentHasher();
  odd.update(big.subarray(0, 10));
  expect(odd.updateChunk(big.subarray(10, 5 * MiB))).toBe(reference(big.subarray(10, 5 * MiB)));
  expect(odd.digest()).toBe(reference(big.subarray(0, 5 * MiB)));
});

test('a state saved on a block boundary goes on where it stopped, through JSON', async () => {
  const h = await DropboxContentHasher.resumable();
  h.updateChunk(big.subarray(0, 8 * MiB));
  const saved = JSON.parse(JSON.stringify(h.state()));
  const resumed = await DropboxContentHasher.from(saved);
  expect(resumed?.length).toBe(8 * MiB);
  resumed!.update(big.subarray(8 * MiB));
  expect(resumed!.digest()).toBe(reference(big));

  // Only on a 4 MiB boundary, and only a hasher made to be saved.
  const mid = (await DropboxContentHasher.resumable()).update(big.subarray(0, 5));
  expect(() => mid.state()).toThrow(/4 MiB boundary/);
  expect(() => new DropboxContentHasher().state()).toThrow(/not made to be saved/);
});

test('a state that does not load is no checkpoint: null, never a hasher that would give a wrong hash', async () => {
  const h = await DropboxContentHasher.resumable();
  h.updateChunk(big.subarray(0, 4 * MiB));
  const saved = h.state();
  const damaged = Buffer.from(saved.outer, 'base64');
  for (const state of [
    null,
    'nonsense',
    { ...saved, length: saved.length + 1 }, // not on a block boundary
    { ...saved, length: -BLOCK },
    { ...saved, outer: damaged.subarray(0, damaged.length - 9).toString('base64') }, // cut short
    { ...saved, outer: 42 },
    // what the hand-written SHA-256 of earlier versions saved
    { outer: { h: '00'.repeat(32), pending: '', length: 32 }, length: BLOCK },
  ])
    expect(await DropboxContentHasher.from(state)).toBe(null);
});
