// Reading an encrypted file through the cloud it is stored in: its header (the nonce), then the
// blocks from the one holding the offset asked for, decrypted, with the bytes before that offset
// within the block dropped. Nothing of a block that fails authentication is ever passed on.
import { pipeline, Readable } from 'node:stream';
import { CloudError, type Source } from '../types.ts';
import {
  BLOCK_DATA,
  BLOCK_SIZE,
  blockOffset,
  type CryptError,
  decryptStream,
  encryptedSize,
  HEADER_SIZE,
  parseHeader,
} from './blocks.ts';
import type { CryptKeys } from './keys.ts';

/** A stored file of the wrapped cloud: its id there, its ciphertext size when known, its version. */
export interface StoredFile {
  id: string;
  size?: number;
  version?: string;
}

/** Drops the first `n` bytes of a stream of buffers, and says `fail(err)` for any error of it. */
export async function* skipped(
  stream: AsyncIterable<Uint8Array>,
  n: number,
  fail: (err: unknown) => unknown = (err) => err,
): AsyncGenerator<Buffer> {
  let left = n;
  try {
    for await (const raw of stream) {
      const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      if (left >= chunk.length) {
        left -= chunk.length;
        continue;
      }
      yield left ? chunk.subarray(left) : chunk;
      left = 0;
    }
  } catch (err) {
    throw fail(err);
  }
}

/** Exactly the first `n` bytes of `stream` (fewer when it ends sooner); the stream is closed after. */
async function firstBytes(stream: Readable, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      got += (chunk as Buffer).length;
      if (got >= n) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, n);
}

/** A CryptError of the format modules, told by its name (one way, whatever module instance made it). */
export function isCryptError(err: unknown): err is CryptError {
  return (err as Error | null)?.name === 'CryptError';
}

/**
 * The crypt errors of a read as the run shows them: a damaged block or header is 'corrupt' and says
 * which file (`name`) and where.
 */
export function readError(name: string) {
  return (err: unknown): unknown => {
    if (!isCryptError(err)) return err;
    return new CloudError('corrupt', `${name}: ${err.message}`, { cause: err });
  };
}

/**
 * The plaintext of `file` from `offset` (a plaintext offset), `length` bytes at least when given
 * (the stream may run on to the end of a block). `name` says which file in errors.
 */
export async function openDecrypted(
  source: Source,
  keys: CryptKeys,
  file: StoredFile,
  name: string,
  opts: { offset?: number; length?: number; signal?: AbortSignal },
): Promise<Readable> {
  const offset = opts.offset ?? 0;
  const block = Math.floor(offset / BLOCK_DATA);
  const fail = readError(name);
  const header = await firstBytes(
    await source.open(file, { offset: 0, length: HEADER_SIZE, signal: opts.signal }),
    HEADER_SIZE,
  );
  let nonce: Buffer;
  try {
    nonce = parseHeader(header);
  } catch (err) {
    throw fail(err);
  }
  const start = blockOffset(block);
  // Only the blocks that hold the bytes asked for, when the caller says how many it reads.
  const end =
    opts.length !== undefined ? blockOffset(Math.floor((offset + Math.max(1, opts.length) - 1) / BLOCK_DATA) + 1) : 0;
  const length = opts.length !== undefined ? end - start : undefined;
  if (file.size !== undefined && start >= file.size) return Readable.from([]);
  const body = await source.open(file, { offset: start, length, signal: opts.signal });
  const plain = pipeline(body, decryptStream(keys, nonce, block), () => {});
  return Readable.from(skipped(plain, offset - block * BLOCK_DATA, fail), { objectMode: false });
}

/**
 * Whether the first block of `file` (or the whole of a smaller file) authenticates with `keys`: a
 * wrong password fails it, as would a damaged block. `plainSize` is the file's plaintext size.
 */
export async function firstBlockAuthenticates(
  source: Source,
  keys: CryptKeys,
  file: StoredFile,
  plainSize: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const want = Math.min(encryptedSize(plainSize), HEADER_SIZE + BLOCK_SIZE);
  const head = await firstBytes(await source.open(file, { offset: 0, length: want, signal }), want);
  try {
    const nonce = parseHeader(head.subarray(0, HEADER_SIZE));
    const dec = decryptStream(keys, nonce, 0);
    const done = (async () => {
      for await (const _ of dec);
    })();
    dec.end(head.subarray(HEADER_SIZE));
    await done;
    return true;
  } catch (err) {
    if (isCryptError(err)) return false;
    throw err;
  }
}
