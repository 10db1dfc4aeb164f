// Writing an encrypted file through the wrapped destination, resumably. The wrapped put() stores
// the ciphertext and checks it against its own hash; its checkpoint goes inside ours with the
// file's nonce. Encryption is deterministic for a nonce, so when the wrapped put resumes at some
// ciphertext offset, the plaintext is read again from the block holding that offset and
// re-encrypted, and the bytes before the offset are dropped: nothing stored is sent again.
// The plaintext's SHA-256 (what Ferry keeps of an encrypted file, since the wrapped hash is of the
// ciphertext) is computed while streaming with Node's own hash, five times hash-wasm's speed here.
// Its state cannot be saved, so a resumed upload first reads the plaintext before its resume point
// once more, for the hash alone (none of it is sent again), then from the resume point on.
import crypto from 'node:crypto';
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { CloudError, type Checkpoint, type Destination, type PutOptions, type Stored } from '../types.ts';
import { BLOCK_DATA, BLOCK_SIZE, blockOffset, encryptedSize, HEADER_SIZE, header, newNonce, Sealer } from './blocks.ts';
import type { CryptKeys } from './keys.ts';

/** What a crypt put() keeps in its checkpoint. */
interface CryptState {
  /** The file's nonce, hex: the ciphertext the wrapped destination holds was made with it. */
  nonce: string;
  /** The wrapped destination's own checkpoint state. */
  inner: unknown;
}

/** A saved state, or null when it is not one of ours (then there is no checkpoint to resume). */
function stateOf(saved: unknown): CryptState | null {
  const s = saved as Partial<CryptState> | null;
  if (!s || typeof s.nonce !== 'string' || !/^[0-9a-f]{48}$/.test(s.nonce)) return null;
  return { nonce: s.nonce, inner: s.inner ?? null };
}

/** The wrapped destination's checkpoint state inside ours, for abandon(). */
export function innerState(saved: unknown): unknown {
  return stateOf(saved)?.inner ?? null;
}

/** The plaintext bytes a ciphertext prefix of `c` bytes holds in whole blocks (what was acknowledged). */
export function plainOffsetOf(c: number): number {
  if (c <= HEADER_SIZE) return 0;
  const full = Math.floor((c - HEADER_SIZE) / BLOCK_SIZE);
  const rest = (c - HEADER_SIZE) % BLOCK_SIZE;
  return full * BLOCK_DATA + Math.max(0, rest - (BLOCK_SIZE - BLOCK_DATA));
}

/**
 * Puts the ciphertext of what `open` yields at `target` of `inner`; returns what the plaintext is
 * (its size and SHA-256) once `inner` has stored and checked the ciphertext.
 */
export async function putEncrypted(
  inner: Destination,
  keys: CryptKeys,
  target: string,
  open: (offset: number) => Promise<Readable>,
  opts: PutOptions,
): Promise<Stored> {
  const saved = stateOf(opts.checkpoint?.state);
  const nonce = saved ? Buffer.from(saved.nonce, 'hex') : newNonce();
  const nonceHex = nonce.toString('hex');
  let finished: { size: number; sha256: string } | undefined;

  /** The plaintext's SHA-256 over its first `at` bytes, read again from the start for it. */
  async function hashUpTo(at: number): Promise<crypto.Hash> {
    const hash = crypto.createHash('sha256');
    if (at === 0) return hash;
    let pos = 0;
    for await (const raw of await open(0)) {
      const chunk = raw as Buffer;
      const take = Math.min(chunk.length, at - pos);
      hash.update(chunk.subarray(0, take));
      pos += take;
      if (pos >= at) break; // leaving the loop destroys the stream
    }
    if (pos < at)
      throw new CloudError(
        'corrupt',
        `The source gave ${pos} bytes before the resume point ${at}; it may have changed.`,
      );
    return hash;
  }

  /** Checks a chunk of plaintext read up to `pos` against the announced size. */
  function checkSize(pos: number): void {
    if (opts.size !== undefined && pos > opts.size)
      throw new CloudError(
        'corrupt',
        `The source gave more than the ${opts.size} bytes it announced; it may have changed while being read.`,
      );
  }

  /** Checks the whole plaintext read (`pos` bytes, md5 when read from the start) and keeps its hash. */
  function finish(pos: number, hash: crypto.Hash, md5: crypto.Hash | undefined): void {
    if (opts.size !== undefined && pos !== opts.size)
      throw new CloudError('corrupt', `Expected ${opts.size} bytes, the source gave ${pos}.`);
    const got = md5?.digest('hex');
    if (got && got !== opts.expectedMd5?.toLowerCase())
      throw new CloudError('corrupt', `The bytes read have md5 ${got}; the source says ${opts.expectedMd5}.`);
    finished = { size: pos, sha256: hash.digest('hex') };
  }

  /**
   * What the wrapped put reads: the ciphertext from `offset`. One transform checks, hashes and seals
   * the plaintext from the block holding the offset and drops what precedes the offset. It holds one
   * output at a time (a high-water mark of one byte): a reader then takes each buffer as it is, where
   * with several queued, Node would copy them into one.
   */
  async function openCipher(offset: number): Promise<Readable> {
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new CloudError('failed', `The destination asked to resume at ${offset}.`);
    const fromBlock = offset <= HEADER_SIZE ? 0 : Math.floor((offset - HEADER_SIZE) / BLOCK_SIZE);
    const from = fromBlock * BLOCK_DATA;
    const hash = await hashUpTo(from);
    const md5 = from === 0 && opts.expectedMd5 ? crypto.createHash('md5') : undefined;
    const sealer = new Sealer(keys, nonce, fromBlock);
    // encryptStream starts with the header at block 0, else at the block's own offset.
    let drop = offset - (fromBlock === 0 ? 0 : blockOffset(fromBlock));
    let pos = from;
    const emit = (t: Transform, out: Buffer | null): void => {
      if (!out) return;
      if (drop >= out.length) drop -= out.length;
      else {
        t.push(drop ? out.subarray(drop) : out);
        drop = 0;
      }
    };
    const cipher = new Transform({
      readableHighWaterMark: 1,
      construct(callback) {
        if (fromBlock === 0) emit(this, header(nonce));
        callback();
      },
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        try {
          checkSize(pos + chunk.length);
          pos += chunk.length;
          md5?.update(chunk);
          hash.update(chunk);
          emit(this, sealer.push(chunk));
          callback();
        } catch (err) {
          callback(err as Error);
        }
      },
      flush(callback) {
        try {
          finish(pos, hash, md5);
          emit(this, sealer.end());
          callback();
        } catch (err) {
          callback(err as Error);
        }
      },
    });
    return pipeline(await open(from), cipher, () => {});
  }

  const checkpoint: Checkpoint | undefined = opts.checkpoint && {
    state: saved?.inner ?? null,
    save: (state) => opts.checkpoint!.save({ nonce: nonceHex, inner: state } satisfies CryptState),
  };

  await inner.put(target, openCipher, {
    // What else the put was given (its mode, a retention…) applies to the stored file as it is.
    ...opts,
    // The source's md5 is the plaintext's: checked here, as the wrapped destination sees ciphertext.
    expectedMd5: undefined,
    size: opts.size !== undefined ? encryptedSize(opts.size) : undefined,
    checkpoint,
    onProgress: opts.onProgress && ((c) => opts.onProgress!(Math.min(plainOffsetOf(c), opts.size ?? Infinity))),
  });
  if (!finished) {
    // The wrapped put had every byte already (an earlier attempt sent them all) and read none: the
    // plaintext's hash is read whole.
    const hash = crypto.createHash('sha256');
    const md5 = opts.expectedMd5 ? crypto.createHash('md5') : undefined;
    let pos = 0;
    for await (const chunk of await open(0)) {
      checkSize((pos += (chunk as Buffer).length));
      hash.update(chunk as Buffer);
      md5?.update(chunk as Buffer);
    }
    finish(pos, hash, md5);
  }
  return { size: finished!.size, hash: { kind: 'sha256', value: finished!.sha256 } };
}
