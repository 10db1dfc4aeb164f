// rclone's crypt format: known answers from rclone's own tests (backend/crypt/cipher_test.go, whose
// cipher has all-zero keys when the password is empty), round trips, resuming and damaged data.
import { randomBytes } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { beforeAll, describe, expect, test } from '@jest/globals';
import {
  BLOCK_DATA,
  BLOCK_SIZE,
  blockNonce,
  blockOffset,
  type CryptError,
  decryptStream,
  encryptedSize,
  encryptStream,
  HEADER_SIZE,
  newNonce,
  parseHeader,
  plainSize,
} from '../../connectors/crypt/blocks.ts';
import { type CryptKeys, deriveKeys } from '../../connectors/crypt/keys.ts';
import { decryptPath, encryptPath, encryptSegment } from '../../connectors/crypt/names.ts';

const ZERO: CryptKeys = { data: Buffer.alloc(32), name: Buffer.alloc(32), tweak: Buffer.alloc(16) };
const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const kind = (k: CryptError['kind']) => (e: CryptError) => e.name === 'CryptError' && e.kind === k;

/** What the stream emits for the chunks (every chunk it emits, even those a destroyed stream would drop
 *  from its buffer), and the error it ends with, if any. */
function run(t: Transform, chunks: Buffer[]): Promise<{ out: Buffer; error: CryptError | null }> {
  const got: Buffer[] = [];
  return new Promise((resolve) => {
    t.on('data', (c: Buffer) => got.push(c));
    t.on('end', () => resolve({ out: Buffer.concat(got), error: null }));
    t.on('error', (error: CryptError) => resolve({ out: Buffer.concat(got), error }));
    Readable.from(chunks).pipe(t);
  });
}

async function through(t: Transform, data: Buffer, chunk = 100_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunk) chunks.push(data.subarray(at, at + chunk));
  const { out, error } = await run(t, chunks);
  if (error) throw error;
  return out;
}

describe('keys', () => {
  test('scrypt gives the keys rclone derives (TestKey)', async () => {
    const potato = await deriveKeys('potato');
    expect(potato.data).toEqualBytes(hex('7455c71ab17c865b8471f47b79acb07eb31d5678b80c7e2eaf4fc8066a9ee468'));
    expect(potato.name).toEqualBytes(hex('765da27ab15d77f95796711f7b93ad63bbb484072e7180a8d17a9bbec14270d0'));
    expect(potato.tweak).toEqualBytes(hex('c18d5932f55b2828c5e1e87215520310'));
    const salted = await deriveKeys('potato', 'sausage');
    expect(salted.data).toEqualBytes(hex('8e9b6b99f8690467a071f9cb92d0aa787f8ff178bec96f999fd5206e644a1b50'));
    expect(salted.name).toEqualBytes(hex('3ea95ef681782dc9d9955d225bfd442c6f5d6897b029015c6f462e2a9dae2ce3'));
    expect(salted.tweak).toEqualBytes(hex('f17fd7141d65274f363fc2a04dd2148a'));
    // An empty salt is no salt: rclone's default one.
    expect((await deriveKeys('potato', '')).data).toEqualBytes(potato.data);
  });

  test('an empty password is refused', async () => {
    await expect(deriveKeys('')).rejects.toSatisfy(kind('password'));
  });
});

describe('names', () => {
  // TestEncryptSegmentBase32: each length of a segment up to two AES blocks.
  const segments: [string, string][] = [
    ['1', 'p0e52nreeaj0a5ea7s64m4j72s'],
    ['12', 'l42g6771hnv3an9cgc8cr2n1ng'],
    ['123', 'qgm4avr35m5loi1th53ato71v0'],
    ['1234', '8ivr2e9plj3c3esisjpdisikos'],
    ['12345', 'rh9vu63q3o29eqmj4bg6gg7s44'],
    ['123456', 'bn717l3alepn75b2fb2ejmi4b4'],
    ['1234567', 'n6bo9jmb1qe3b1ogtj5qkf19k8'],
    ['12345678', 'u9t24j7uaq94dh5q53m3s4t9ok'],
    ['123456789', '37hn305g6j12d1g0kkrl7ekbs4'],
    ['1234567890', 'ot8d91eplaglb62k2b1trm2qv0'],
    ['12345678901', 'h168vvrgb53qnrtvvmb378qrcs'],
    ['123456789012', 's3hsdf9e29ithrqbjqu01t8q2s'],
    ['1234567890123', 'cf3jimlv1q2oc553mv7s3mh3eo'],
    ['12345678901234', 'moq0uqdlqrblrc5pa5u5c7hq9g'],
    ['123456789012345', 'eeam3li4rnommi3a762h5n7meg'],
    ['1234567890123456', 'mijbj0frqf6ms7frcr6bd9h0env53jv96pjaaoirk7forcgpt70g'],
  ];

  test.each(segments)('%s encrypts as rclone does, and back (either case)', (plain, cipher) => {
    expect(encryptPath(ZERO, plain, 'standard', true)).toBe(cipher);
    expect(decryptPath(ZERO, cipher, 'standard', true)).toBe(plain);
    expect(decryptPath(ZERO, cipher.toUpperCase(), 'standard', true)).toBe(plain);
  });

  test('paths: every segment, folders too; version stamps stay outside the cipher', () => {
    const paths: [string, string][] = [
      ['1/12', 'p0e52nreeaj0a5ea7s64m4j72s/l42g6771hnv3an9cgc8cr2n1ng'],
      ['1/12/123', 'p0e52nreeaj0a5ea7s64m4j72s/l42g6771hnv3an9cgc8cr2n1ng/qgm4avr35m5loi1th53ato71v0'],
      ['1-v2001-02-03-040506-123', 'p0e52nreeaj0a5ea7s64m4j72s-v2001-02-03-040506-123'],
      ['1/12-v2001-02-03-040506-123', 'p0e52nreeaj0a5ea7s64m4j72s/l42g6771hnv3an9cgc8cr2n1ng-v2001-02-03-040506-123'],
    ];
    for (const [plain, cipher] of paths) {
      for (const isFile of [true, false]) {
        expect(encryptPath(ZERO, plain, 'standard', isFile)).toBe(cipher);
        expect(decryptPath(ZERO, cipher, 'standard', isFile)).toBe(plain);
      }
    }
    // A stamp before an extension comes back before it.
    const stamped = 'a b/photo-v2024-02-29-235959-999.jpg';
    expect(encryptPath(ZERO, stamped, 'standard', true)).toMatch(/^[0-9a-v]+\/[0-9a-v]+-v2024-02-29-235959-999$/);
    expect(decryptPath(ZERO, encryptPath(ZERO, stamped, 'standard', true), 'standard', true)).toBe(stamped);
    // Not a date (February 30th): an ordinary name.
    expect(encryptPath(ZERO, 'x-v2023-02-30-000000-000', 'standard', true)).toMatch(/^[0-9a-v]+$/);
  });

  test('off: files get .bin, folders stay plain (TestNonStandardEncryptFileName and Decrypt)', () => {
    expect(encryptPath(ZERO, '1/12/123', 'off', true)).toBe('1/12/123.bin');
    expect(encryptPath(ZERO, '1/12', 'off', false)).toBe('1/12');
    expect(decryptPath(ZERO, '1/12/123.bin', 'off', true)).toBe('1/12/123');
    expect(decryptPath(ZERO, '1/12', 'off', false)).toBe('1/12');
    const stamped = '1/12/123-v1970-01-01-010101-123-v2001-02-03-040506-123.txt';
    expect(decryptPath(ZERO, `${stamped}.bin`, 'off', true)).toBe(stamped);
    for (const bad of ['1/12/123.bix', '.bin', 'a/.bin', '-v2001-02-03-040506-123.bin']) {
      expect(() => decryptPath(ZERO, bad, 'off', true)).toThrowSatisfying(kind('name'));
    }
  });

  test('names rclone did not write fail with a name error (TestDecryptSegmentBase32)', () => {
    const b32 = (s: string) => encryptPath(ZERO, 'x', 'off', false) && base32(Buffer.from(s));
    const bad = [
      '64=',
      '!',
      'a'.repeat(3328), // decodes to more than EME's 2048 bytes
      b32('a'),
      b32('123456789abcdef'), // not a multiple of 16 bytes
      b32('123456789abcdef0'), // padding byte '0' = 48, longer than a block
      'p0e52nreeaj0a5ea7s64m4j72s/l42g6771hnv3an9cgc8cr2n1/qgm4avr35m5loi1th53ato71v0',
      'p0e52nreeaj0a5ea7s64m4j72t', // trailing bits not zero: not how rclone writes it
      'p0e52nreeaj0a5ea7s64m4j72\u212a', // the Kelvin sign lowercases to k: not base32hex
    ];
    for (const name of bad) expect(() => decryptPath(ZERO, name, 'standard', true)).toThrowSatisfying(kind('name'));
  });

  test('a crafted name cannot decrypt to a path outside its folder', () => {
    for (const unsafe of ['..', '.', 'a\0b']) {
      const cipher = encryptPath(ZERO, `dir/${unsafe}`, 'standard', false);
      expect(() => decryptPath(ZERO, cipher, 'standard', false)).toThrowSatisfying(kind('name'));
    }
    expect(() => decryptPath(ZERO, 'a/../b.bin', 'off', true)).toThrowSatisfying(kind('name'));
    // One segment that decrypts to two: the file would land in another folder than the one it is listed in.
    const smuggled = encryptSegment(ZERO, 'inner/../../x');
    expect(smuggled).toMatch(/^[0-9a-v]+$/);
    expect(() => decryptPath(ZERO, `dir/${smuggled}`, 'standard', true)).toThrowSatisfying(kind('name'));
  });

  test('a name too long for EME is refused, the longest one works', () => {
    expect(() => encryptPath(ZERO, 'é'.repeat(1024), 'standard', true)).toThrowSatisfying(kind('name'));
    const longest = 'a'.repeat(2047);
    expect(decryptPath(ZERO, encryptPath(ZERO, longest, 'standard', true), 'standard', true)).toBe(longest);
  });

  describe('with a password', () => {
    let keys: CryptKeys;
    let other: CryptKeys;
    beforeAll(async () => {
      [keys, other] = await Promise.all([deriveKeys('correct horse'), deriveKeys('wrong horse')]);
    });

    test('unicode, spaces and dots round-trip; a wrong password fails', () => {
      const path = 'Photos 2024/Été à Paris/IMG_0001 (copy).JPG';
      const cipher = encryptPath(keys, path, 'standard', true);
      expect(cipher.split('/')).toHaveLength(3);
      expect(cipher).toMatch(/^[0-9a-v/]+$/);
      expect(decryptPath(keys, cipher, 'standard', true)).toBe(path);
      expect(() => decryptPath(other, cipher, 'standard', true)).toThrowSatisfying(kind('name'));
    });
  });
});

/** base32hex lowercase without padding, for the error cases above. */
function base32(bytes: Buffer): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[Number.parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}

describe('sizes', () => {
  test('as rclone computes them (TestEncryptedSize), and back', () => {
    const cases: [number, number][] = [
      [0, 32],
      [1, 32 + 16 + 1],
      [65536, 32 + 16 + 65536],
      [65537, 32 + 16 + 65536 + 16 + 1],
      [1 << 20, 32 + 16 * (16 + 65536)],
      [(1 << 20) + 65535, 32 + 16 * (16 + 65536) + 16 + 65535],
      [2 ** 30, 32 + 16384 * (16 + 65536)],
      [2 ** 40 + 1, 32 + 16777216 * (16 + 65536) + 16 + 1],
    ];
    for (const [plain, cipher] of cases) {
      expect(encryptedSize(plain)).toBe(cipher);
      expect(plainSize(cipher)).toBe(plain);
    }
  });

  test('sizes no encryption gives fail (TestDecryptedSize)', () => {
    for (const size of [0, 1, 7, 32 + 1, 32 + 16, 32 + 16 + 65536 + 1, 32 + 16 + 65536 + 16, -1, 1.5, Number.NaN]) {
      expect(() => plainSize(size)).toThrowSatisfying(kind('size'));
    }
  });

  test('block offsets', () => {
    expect([HEADER_SIZE, BLOCK_DATA, BLOCK_SIZE]).toEqual([32, 65536, 65552]);
    expect(blockOffset(0)).toBe(32);
    expect(blockOffset(3)).toBe(32 + 3 * 65552);
  });
});

describe('data', () => {
  // TestEncryptData: zero keys, the nonce 01 02 … 18.
  const nonce = Buffer.from(Array.from({ length: 24 }, (_, i) => i + 1));
  const file0 = Buffer.concat([Buffer.from('RCLONE\0\0'), nonce]);
  const known: [Buffer, Buffer][] = [
    [Buffer.alloc(0), file0],
    [Buffer.from([1]), Buffer.concat([file0, hex('095b446cd6237bbcb08d09fb524ce565aa')])],
    [
      Buffer.from(Array.from({ length: 16 }, (_, i) => i + 1)),
      Buffer.concat([file0, hex('b9c4552a27100629 18960a3e608c29b9 aa8a5e1e165b6d07 5de4e9bb367fd6d4')]),
    ],
  ];

  test.each(known)('known answer %#', async (plain, cipher) => {
    expect(await through(encryptStream(ZERO, nonce), plain)).toEqualBytes(cipher);
    expect(parseHeader(cipher.subarray(0, HEADER_SIZE))).toEqualBytes(nonce);
    expect(await through(decryptStream(ZERO, nonce), cipher.subarray(HEADER_SIZE))).toEqualBytes(plain);
  });

  test('block nonces add little-endian with carry (TestNonceAdd)', () => {
    const ff = (n: number) => Buffer.concat([Buffer.alloc(n, 0xff), Buffer.alloc(24 - n)]);
    const expectNonce = (n: number, from: Buffer, to: number[]) =>
      expect(blockNonce(from, n)).toEqualBytes(Buffer.concat([Buffer.from(to), Buffer.alloc(24 - to.length)]));
    expectNonce(1, Buffer.alloc(24), [1]);
    expectNonce(0xff, ff(1), [0xfe, 1]);
    expectNonce(0xffff, ff(2), [0xfe, 0xff, 1]);
    expectNonce(0xffffffffffff, ff(6), [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 1]);
    expectNonce(1, ff(23), [...Buffer.alloc(23), 1]);
    expectNonce(1, ff(24), []); // wraps around, as rclone's does
  });

  test('header: too short or not RCLONE is not a header', () => {
    expect(() => parseHeader(Buffer.from('RCLONE\0\0'))).toThrowSatisfying(kind('header'));
    expect(() => parseHeader(Buffer.alloc(32))).toThrowSatisfying(kind('header'));
    expect(newNonce()).toHaveLength(24);
    expect(newNonce()).not.toEqualBytes(newNonce());
  });

  describe('with a password', () => {
    let keys: CryptKeys;
    let other: CryptKeys;
    // Three blocks and a bit, written in chunks that straddle the blocks.
    const plain = randomBytes(3 * BLOCK_DATA + 12345);
    // 0xff… carries into the nonce's second byte at the first block boundary.
    const fileNonce = Buffer.concat([Buffer.alloc(1, 0xff), randomBytes(23)]);
    let cipher: Buffer;
    beforeAll(async () => {
      [keys, other] = await Promise.all([deriveKeys('correct horse', 'pepper'), deriveKeys('wrong horse', 'pepper')]);
      cipher = await through(encryptStream(keys, fileNonce), plain, 1000);
    });

    test.each([0, 1, 16, 65535, 65536, 65537, 3 * 1024 * 1024 + 5])('%d bytes round-trip', async (size) => {
      const data = randomBytes(size);
      const n = newNonce();
      const enc = await through(encryptStream(keys, n), data, 50_001);
      expect(enc.length).toBe(encryptedSize(size));
      expect(plainSize(enc.length)).toBe(size);
      expect(parseHeader(enc.subarray(0, HEADER_SIZE))).toEqualBytes(n);
      // One chunk of everything, and chunks of odd sizes: the same bytes. Chunks of 100,000 bytes
      // finish a pending block, seal a whole one and leave a rest, all in one chunk.
      expect(await through(encryptStream(keys, n), data, 1 << 30)).toEqualBytes(enc);
      expect(await through(encryptStream(keys, n), data, 100_000)).toEqualBytes(enc);
      expect(await through(decryptStream(keys, n), enc.subarray(HEADER_SIZE), 7_777)).toEqualBytes(data);
    });

    test('encrypting from a middle block gives the tail of the whole, decrypting from it the tail', async () => {
      expect(cipher.length).toBe(encryptedSize(plain.length));
      for (const from of [1, 2, 3]) {
        const tail = await through(encryptStream(keys, fileNonce, from), plain.subarray(from * BLOCK_DATA), 4096);
        expect(tail).toEqualBytes(cipher.subarray(blockOffset(from)));
        const back = await through(decryptStream(keys, fileNonce, from), cipher.subarray(blockOffset(from)), 65552);
        expect(back).toEqualBytes(plain.subarray(from * BLOCK_DATA));
      }
    });

    test('a flipped bit fails its block with the offset and yields none of its plaintext', async () => {
      for (const at of [blockOffset(2) + 100, blockOffset(2) + 3, blockOffset(3) - 1]) {
        const damaged = Buffer.from(cipher);
        damaged[at] ^= 0x10;
        const chunks = [damaged.subarray(HEADER_SIZE, 100_000), damaged.subarray(100_000)];
        const { out, error } = await run(decryptStream(keys, fileNonce), chunks);
        expect(error).toSatisfy(kind('block'));
        expect(error?.offset).toBe(blockOffset(2));
        expect(error?.message).toContain(`at offset ${blockOffset(2)}`);
        expect(out).toEqualBytes(plain.subarray(0, 2 * BLOCK_DATA));
      }
    });

    test('a truncated last block fails, and so does a wrong password, from the first block', async () => {
      for (const cut of [10, 16, 17, 1000]) {
        const { out, error } = await run(decryptStream(keys, fileNonce), [
          cipher.subarray(HEADER_SIZE, blockOffset(3) + cut),
        ]);
        expect(error).toSatisfy(kind('block'));
        expect(error?.offset).toBe(blockOffset(3));
        expect(out).toEqualBytes(plain.subarray(0, 3 * BLOCK_DATA));
      }
      const { out, error } = await run(decryptStream(other, fileNonce), [cipher.subarray(HEADER_SIZE)]);
      expect(error).toSatisfy(kind('block'));
      expect(error?.offset).toBe(HEADER_SIZE);
      expect(out).toHaveLength(0);
    });
  });
});
