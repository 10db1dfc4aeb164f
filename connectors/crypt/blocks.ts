// rclone crypt's file format: a 32-byte header ("RCLONE\0\0" and a random 24-byte nonce), then the plaintext
// in blocks of 64 KiB, each sealed with XSalsa20-Poly1305 (NaCl's secretbox: a 16-byte tag then the
// ciphertext) under the nonce incremented once per block (little-endian, with carry). The last block may
// be short; an empty file is the header alone. A block's nonce is the file's plus its index, so any block
// can be written or read on its own: that is what makes uploads resumable and reads seekable.
import { Transform, type TransformCallback } from 'node:stream';
import { loadLater } from '../lib/load-later.ts';
import type { CryptKeys } from './keys.ts';

// The native library, loaded by the first block sealed or opened, not by every process that starts.
const sodium = loadLater<typeof import('sodium-native').default>('sodium-native');

export const HEADER_SIZE = 32;
export const BLOCK_DATA = 65536;
export const BLOCK_SIZE = 65536 + 16;
const TAG_SIZE = 16;
const NONCE_SIZE = 24;
const MAGIC = Buffer.from('RCLONE\0\0', 'latin1');

export type CryptErrorKind = 'name' | 'header' | 'block' | 'size' | 'password';

export class CryptError extends Error {
  override readonly name = 'CryptError';
  readonly kind: CryptErrorKind;
  /** For 'block': where the failing block starts in the encrypted file (header included). */
  readonly offset?: number;
  constructor(kind: CryptErrorKind, message: string, offset?: number) {
    super(message);
    this.kind = kind;
    if (offset !== undefined) this.offset = offset;
  }
}

export function encryptedSize(plainSize: number): number {
  checkSize(plainSize);
  const blocks = Math.floor(plainSize / BLOCK_DATA);
  const rest = plainSize % BLOCK_DATA;
  return HEADER_SIZE + blocks * BLOCK_SIZE + (rest ? TAG_SIZE + rest : 0);
}

/** The plaintext size of a ciphertext of `size` bytes; throws CryptError('size') when no plaintext has it. */
export function plainSize(size: number): number {
  checkSize(size);
  if (size < HEADER_SIZE) throw new CryptError('size', `${size} bytes is too short for an encrypted file`);
  const body = size - HEADER_SIZE;
  const rest = body % BLOCK_SIZE;
  // A last block of the tag alone (or less) is never written: nothing encrypts to that size.
  if (rest !== 0 && rest <= TAG_SIZE) throw new CryptError('size', `${size} bytes is not an encrypted file's size`);
  return Math.floor(body / BLOCK_SIZE) * BLOCK_DATA + (rest ? rest - TAG_SIZE : 0);
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new CryptError('size', `invalid size ${size}`);
}

export function newNonce(): Buffer {
  const nonce = Buffer.alloc(NONCE_SIZE);
  sodium().randombytes_buf(nonce);
  return nonce;
}

/** Ciphertext offset where block `n` starts (n = 0 is just after the header). */
export function blockOffset(n: number): number {
  return HEADER_SIZE + n * BLOCK_SIZE;
}

export function header(nonce: Buffer): Buffer {
  return Buffer.concat([MAGIC, checkNonce(nonce)]);
}

/** Reads the 32-byte header, returns the nonce; throws CryptError('header', …) when it is not one. */
export function parseHeader(head: Buffer): Buffer {
  if (head.length < HEADER_SIZE) {
    throw new CryptError('header', `not an encrypted file: ${head.length} bytes, shorter than the header`);
  }
  if (!head.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new CryptError('header', 'not an encrypted file: the header does not start with RCLONE\\0\\0');
  }
  return Buffer.from(head.subarray(MAGIC.length, HEADER_SIZE));
}

function checkNonce(nonce: Buffer): Buffer {
  if (nonce?.length !== NONCE_SIZE) throw new CryptError('header', `a nonce is ${NONCE_SIZE} bytes`);
  return nonce;
}

function checkBlock(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new CryptError('block', `invalid block index ${n}`);
  return n;
}

/** The nonce of block n: the file's nonce plus n, little-endian over all 24 bytes. */
export function blockNonce(nonce: Buffer, n: number): Buffer {
  const out = Buffer.from(checkNonce(nonce));
  let carry = checkBlock(n);
  for (let i = 0; i < NONCE_SIZE && carry > 0; i++) {
    const sum = out[i] + (carry % 256);
    out[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
  return out;
}

/** Checked before the stream exists: libsodium throws on a wrong size, which inside a transform would escape. */
function dataKey(keys: CryptKeys): Buffer {
  if (keys?.data?.length !== 32) throw new RangeError('the data key is 32 bytes');
  return keys.data;
}

function increment(nonce: Buffer): void {
  for (let i = 0; i < NONCE_SIZE; i++) {
    nonce[i] = (nonce[i] + 1) & 0xff;
    if (nonce[i] !== 0) break;
  }
}

/**
 * Seals plaintext that starts at block `fromBlock` (plaintext offset fromBlock*BLOCK_DATA) into blocks:
 * each chunk given yields the ciphertext of the whole blocks it completes, in one buffer (one allocation
 * per chunk, not per block: fresh memory is what a stream of blocks pays most for), and end() the short
 * last block. Deterministic for a (keys, nonce): sealing from any block gives the same bytes as sealing
 * the file whole, which is what makes resuming an upload possible.
 */
export class Sealer {
  private readonly key: Buffer;
  private readonly nonce: Buffer;
  // Plaintext of a block not yet full; whole blocks are sealed straight from the chunk.
  private readonly pending = Buffer.allocUnsafe(BLOCK_DATA);
  private filled = 0;

  constructor(keys: CryptKeys, nonce: Buffer, fromBlock = 0) {
    this.key = dataKey(keys);
    this.nonce = blockNonce(nonce, fromBlock);
  }

  /** The ciphertext of the blocks `chunk` completes; null when it completes none. */
  push(chunk: Buffer): Buffer | null {
    const head = this.filled > 0 ? Math.min(chunk.length, BLOCK_DATA - this.filled) : 0;
    const whole = Math.floor((chunk.length - head) / BLOCK_DATA);
    const completes = this.filled > 0 && this.filled + head === BLOCK_DATA;
    const blocks = whole + (completes ? 1 : 0);
    const out = blocks > 0 ? Buffer.allocUnsafe(blocks * BLOCK_SIZE) : null;
    let at = 0;
    if (head > 0) {
      chunk.copy(this.pending, this.filled, 0, head);
      this.filled += head;
      if (!completes) return null;
      this.seal(out!, 0, this.pending);
      this.filled = 0;
      at = BLOCK_SIZE;
    }
    let from = head;
    for (let i = 0; i < whole; i++, from += BLOCK_DATA, at += BLOCK_SIZE)
      this.seal(out!, at, chunk.subarray(from, from + BLOCK_DATA));
    this.filled = chunk.copy(this.pending, 0, from);
    return out;
  }

  /** The last, short block; null when the plaintext ended on a block's end (or was empty). */
  end(): Buffer | null {
    if (this.filled === 0) return null;
    const out = Buffer.allocUnsafe(this.filled + TAG_SIZE);
    this.seal(out, 0, this.pending.subarray(0, this.filled));
    this.filled = 0;
    return out;
  }

  private seal(out: Buffer, at: number, plain: Buffer): void {
    sodium().crypto_secretbox_easy(out.subarray(at, at + plain.length + TAG_SIZE), plain, this.nonce, this.key);
    increment(this.nonce);
  }
}

/** Encrypts plaintext that starts at block `fromBlock` (see Sealer); emits the header first when
 *  fromBlock is 0, else ciphertext from blockOffset(fromBlock). */
export function encryptStream(keys: CryptKeys, nonce: Buffer, fromBlock = 0): Transform {
  const sealer = new Sealer(keys, nonce, fromBlock);
  return new Transform({
    construct(callback) {
      if (fromBlock === 0) this.push(header(nonce));
      callback();
    },
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      callback(null, sealer.push(chunk) ?? undefined);
    },
    flush(callback) {
      callback(null, sealer.end() ?? undefined);
    },
  });
}

/** Decrypts ciphertext starting at blockOffset(fromBlock) (no header) with the file's nonce. A block that
 *  fails authentication errors the stream with CryptError('block', `… at offset N`) and emits none of
 *  its bytes (never unauthenticated plaintext); a truncated final block likewise. */
export function decryptStream(keys: CryptKeys, nonce: Buffer, fromBlock = 0): Transform {
  const key = dataKey(keys);
  const blockNonceNow = blockNonce(nonce, fromBlock);
  let index = fromBlock;
  const pending = Buffer.allocUnsafe(BLOCK_SIZE);
  let filled = 0;
  const open = (t: Transform, sealed: Buffer): CryptError | null => {
    const offset = blockOffset(index);
    const where = `block ${index} at offset ${offset} (plaintext offset ${index * BLOCK_DATA})`;
    if (sealed.length <= TAG_SIZE) {
      return new CryptError('block', `cannot decrypt: truncated ${where}, ${sealed.length} bytes`, offset);
    }
    const out = Buffer.allocUnsafe(sealed.length - TAG_SIZE);
    if (!sodium().crypto_secretbox_open_easy(out, sealed, blockNonceNow, key)) {
      return new CryptError('block', `cannot decrypt ${where}: damaged, truncated or the wrong password`, offset);
    }
    increment(blockNonceNow);
    index++;
    t.push(out);
    return null;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      let at = 0;
      if (filled > 0) {
        at = chunk.copy(pending, filled, 0, BLOCK_SIZE - filled);
        filled += at;
        if (filled < BLOCK_SIZE) return callback();
        filled = 0;
        const err = open(this, pending);
        if (err) return callback(err);
      }
      for (; chunk.length - at >= BLOCK_SIZE; at += BLOCK_SIZE) {
        const err = open(this, chunk.subarray(at, at + BLOCK_SIZE));
        if (err) return callback(err);
      }
      filled = chunk.copy(pending, 0, at);
      callback();
    },
    flush(callback) {
      callback(filled > 0 ? open(this, pending.subarray(0, filled)) : null);
    },
  });
}
