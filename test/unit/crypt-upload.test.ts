// A crypt upload of a local file (read as the local connector reads it): the ciphertext the wrapped
// destination reads is rclone's format, byte for byte what encrypting the file as a stream gives, from the
// start or from any offset it resumes at; a file that is not the size listed is refused; the file is closed.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import {
  BLOCK_DATA,
  BLOCK_SIZE,
  blockOffset,
  encryptedSize,
  encryptStream,
  HEADER_SIZE,
} from '../../connectors/crypt/blocks.ts';
import { type CryptKeys, deriveKeys } from '../../connectors/crypt/keys.ts';
import { putEncrypted } from '../../connectors/crypt/upload.ts';
import { fileStream } from '../../connectors/local/file-stream.ts';
import { CloudError, type Destination, type PutOptions } from '../../connectors/types.ts';

let dir: string;
let keys: CryptKeys;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-crypt-upload-'));
  keys = await deriveKeys('a long enough passphrase', 'salt');
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

/** What the local connector's open() gives: the file from `offset`; counts the files open. */
async function localFile(
  file: string,
): Promise<{ open: (offset: number) => Promise<Readable>; closed: () => Promise<number> }> {
  let open = 0;
  return {
    open: async (offset) => {
      const handle = await fs.open(file, 'r');
      open++;
      const stream = fileStream(handle, { start: offset, highWaterMark: 64 * 1024 }, file, async () => {
        await handle.close();
        open--;
      });
      return stream;
    },
    /** Resolves once every file opened is closed again (a stream closes its file soon after it ends). */
    closed: async () => {
      for (const deadline = Date.now() + 2000; open > 0 && Date.now() < deadline; )
        await new Promise((r) => setTimeout(r, 5));
      return open;
    },
  };
}

/** A wrapped destination that reads the ciphertext from `at` on (as a resumed upload does) and keeps it. */
function keeping(at = 0): Destination & { got?: Buffer } {
  const d = {
    async put(_path: string, open: (offset: number) => Promise<Readable>, opts: PutOptions) {
      d.got = await buffer(await open(at));
      if (at === 0 && opts.size !== undefined) expect(d.got.length).toBe(opts.size);
      return { size: at + d.got.length };
    },
  } as unknown as Destination & { got?: Buffer };
  return d;
}

/** The file's ciphertext as a stream of its bytes encrypts it, with the nonce the upload chose. */
async function expected(data: Buffer, nonce: Buffer): Promise<Buffer> {
  return buffer(Readable.from([data]).pipe(encryptStream(keys, nonce)));
}

for (const size of [0, 1, 4095, BLOCK_DATA, 4 * BLOCK_DATA, 4 * BLOCK_DATA + 1, 1024 * 1024 + 7]) {
  test(`a local file of ${size} bytes is sealed as a stream of it would be, its file closed`, async () => {
    const data = crypto.randomBytes(size);
    const file = path.join(dir, `f-${size}`);
    await fs.writeFile(file, data);
    const source = await localFile(file);
    const inner = keeping();
    const md5 = crypto.createHash('md5').update(data).digest('hex');
    const stored = await putEncrypted(inner, keys, 'x', source.open, { mode: 'create', size, expectedMd5: md5 });
    expect(stored).toEqual({
      size,
      hash: { kind: 'sha256', value: crypto.createHash('sha256').update(data).digest('hex') },
    });
    expect(inner.got!.length).toBe(encryptedSize(size));
    const nonce = inner.got!.subarray(8, HEADER_SIZE);
    expect(inner.got!.equals(await expected(data, nonce))).toBe(true);
    await expect(source.closed()).resolves.toBe(0);
  });
}

// Offsets a wrapped upload may resume at: in the header, on a block's start, inside a block, inside
// the second piece read, inside the last (short) block.
for (const at of [10, blockOffset(1), blockOffset(2) + 100, blockOffset(5) + BLOCK_SIZE - 1, blockOffset(16) + 3]) {
  test(`resumed at ciphertext offset ${at}: the bytes from there, nothing before`, async () => {
    const data = crypto.randomBytes(16 * BLOCK_DATA + 1000);
    const file = path.join(dir, `r-${at}`);
    await fs.writeFile(file, data);
    const source = await localFile(file);
    // The upload's nonce, kept in its checkpoint by an earlier attempt.
    const nonce = crypto.randomBytes(24);
    const checkpoint = { state: { nonce: nonce.toString('hex'), inner: 'the inner upload' }, save: async () => {} };
    const inner = keeping(at);
    const stored = await putEncrypted(inner, keys, 'x', source.open, { mode: 'create', size: data.length, checkpoint });
    expect(stored.hash!.value).toBe(crypto.createHash('sha256').update(data).digest('hex'));
    expect(inner.got!.equals((await expected(data, nonce)).subarray(at))).toBe(true);
    await expect(source.closed()).resolves.toBe(0);
  });
}

test('a file longer or shorter than listed is refused as corrupt, its file closed', async () => {
  const data = crypto.randomBytes(3 * BLOCK_DATA + 5);
  const file = path.join(dir, 'changed');
  await fs.writeFile(file, data);
  for (const size of [data.length - 1, data.length + 1, 5 * BLOCK_DATA]) {
    const source = await localFile(file);
    const err = await putEncrypted(keeping(), keys, 'x', source.open, { mode: 'create', size }).catch((e) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect((err as CloudError).reason).toBe('corrupt');
    await expect(source.closed()).resolves.toBe(0);
  }
});

test('a reader that stops early closes the file', async () => {
  const data = crypto.randomBytes(8 * BLOCK_DATA);
  const file = path.join(dir, 'stopped');
  await fs.writeFile(file, data);
  const source = await localFile(file);
  const stopping = {
    async put(_path: string, open: (offset: number) => Promise<Readable>) {
      const cipher = await open(0);
      for await (const _ of cipher) break; // leaving the loop destroys the stream
      throw new CloudError('failed', 'the destination gave up');
    },
  } as unknown as Destination;
  await expect(putEncrypted(stopping, keys, 'x', source.open, { mode: 'create', size: data.length })).rejects.toThrow(
    'gave up',
  );
  await expect(source.closed()).resolves.toBe(0);
});
