// Dropbox's content_hash against a computation written straight from its definition
// (https://www.dropbox.com/developers/reference/content-hash): SHA-256 of the concatenated
// SHA-256s of each 4 MiB block. The published example (milky-way-nasa.jpg) is not at hand offline.
import crypto from 'node:crypto';
import { expect, test } from '@jest/globals';
import { BLOCK, contentHash, DropboxContentHasher, Sha256 } from '../../connectors/dropbox/content-hash.ts';

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
    expect(contentHash(data)).toBe(reference(data));
  }
});

test('streaming in odd-sized pieces gives the one-shot hash', () => {
  for (const size of sizes) {
    const data = big.subarray(0, size);
    const h = new DropboxContentHasher();
    const pieces = [1, 7, 65_537, 3 * MiB + 5, 999_999];
    for (let off = 0, i = 0; off < data.length; i++) {
      const n = pieces[i % pieces.length];
      h.update(data.subarray(off, off + n));
      off += n;
    }
    expect(h.length).toBe(size);
    expect(h.digest()).toBe(reference(data));
  }
});

test('updateChunk gives each chunk its own hash and the whole its hash, aligned or not', () => {
  const h = new DropboxContentHasher();
  const chunks = [big.subarray(0, 8 * MiB), big.subarray(8 * MiB, 9 * MiB - 3)];
  for (const c of chunks) expect(h.updateChunk(c)).toBe(reference(c));
  expect(h.digest()).toBe(reference(big.subarray(0, 9 * MiB - 3)));

  // Off a block boundary (after a resume at an odd offset), the chunk is hashed apart.
  const odd = new DropboxContentHasher();
  odd.update(big.subarray(0, 10));
  expect(odd.updateChunk(big.subarray(10, 5 * MiB))).toBe(reference(big.subarray(10, 5 * MiB)));
  expect(odd.digest()).toBe(reference(big.subarray(0, 5 * MiB)));
});

test('a state saved on a block boundary goes on where it stopped, through JSON', () => {
  const h = new DropboxContentHasher();
  h.updateChunk(big.subarray(0, 8 * MiB));
  const saved = JSON.parse(JSON.stringify(h.state()));
  const resumed = DropboxContentHasher.from(saved);
  expect(resumed.length).toBe(8 * MiB);
  resumed.update(big.subarray(8 * MiB));
  expect(resumed.digest()).toBe(reference(big));

  const mid = new DropboxContentHasher().update(big.subarray(0, 5));
  expect(() => mid.state()).toThrow(/4 MiB boundary/);
  expect(() => DropboxContentHasher.from({ ...saved, length: saved.length + 1 })).toThrow(/Invalid/);
});

test('the saveable SHA-256 agrees with Node’s, whole and resumed mid-block', () => {
  expect(new Sha256().update(Buffer.from('abc')).digest().toString('hex')).toBe(
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
  for (const n of [0, 1, 31, 32, 55, 56, 63, 64, 65, 119, 120, 200, 1000, 4096 + 17]) {
    const data = crypto.randomBytes(n);
    expect(new Sha256().update(data).digest().toString('hex')).toBe(sha256(data).toString('hex'));
    const cut = Math.floor(n / 3);
    const first = new Sha256().update(data.subarray(0, cut));
    const again = Sha256.from(JSON.parse(JSON.stringify(first.state()))).update(data.subarray(cut));
    expect(again.digest().toString('hex')).toBe(sha256(data).toString('hex'));
  }
});
