// Writing an encrypted file through the wrapped destination, resumably. The wrapped put() stores
// the ciphertext and checks it against its own hash; its checkpoint goes inside ours with the
// file's nonce. Encryption is deterministic for a nonce, so when the wrapped put resumes at some
// ciphertext offset, the plaintext is read again from the block holding that offset and
// re-encrypted, and the bytes before the offset are dropped: nothing stored is sent again.
// The plaintext's SHA-256 (what Ferry keeps of an encrypted file, since the wrapped hash is of the
// ciphertext) is computed while streaming with hash-wasm, whose state can be saved (Node's cannot);
// it is saved at block boundaries every few MiB, so a resumed upload reads the source again only
// from the last saved state at or before its resume point, not from the start.
import crypto from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { loadHash, newHash, type ResumableHash } from '../lib/resumable-hash.ts';
import { CloudError, type Checkpoint, type Destination, type PutOptions, type Stored } from '../types.ts';
import { BLOCK_DATA, BLOCK_SIZE, blockOffset, encryptedSize, encryptStream, HEADER_SIZE, newNonce } from './blocks.ts';
import type { CryptKeys } from './keys.ts';
import { skipped } from './read.ts';

/** A saved SHA-256 state of the plaintext's first `at` bytes (`at` a multiple of BLOCK_DATA). */
interface HashPoint {
  at: number;
  sha: string;
}

/** What a crypt put() keeps in its checkpoint. */
interface CryptState {
  /** The file's nonce, hex: the ciphertext the wrapped destination holds was made with it. */
  nonce: string;
  /** The wrapped destination's own checkpoint state. */
  inner: unknown;
  hashes: HashPoint[];
}

const MiB = 1024 * 1024;
/** Hash states kept: the last this many, at least 4 MiB apart (a known size: 32 over the whole file). */
const HASH_POINTS = 32;

function hashSpacing(size: number | undefined): number {
  const spread = size === undefined ? 0 : Math.ceil(size / HASH_POINTS / BLOCK_DATA) * BLOCK_DATA;
  return Math.max(4 * MiB, spread);
}

/** A saved state, or null when it is not one of ours (then there is no checkpoint to resume). */
function stateOf(saved: unknown): CryptState | null {
  const s = saved as Partial<CryptState> | null;
  if (!s || typeof s.nonce !== 'string' || !/^[0-9a-f]{48}$/.test(s.nonce) || !Array.isArray(s.hashes)) return null;
  const hashes = s.hashes.filter(
    (h): h is HashPoint =>
      typeof h?.at === 'number' && Number.isSafeInteger(h.at) && h.at > 0 && h.at % BLOCK_DATA === 0 && !!h.sha,
  );
  return { nonce: s.nonce, inner: s.inner ?? null, hashes };
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
  const spacing = hashSpacing(opts.size);
  // Hash states by plaintext offset; a resumed read starts from the last at or before its block.
  const points = new Map<number, string>((saved?.hashes ?? []).map((h) => [h.at, h.sha]));
  const keep = (at: number, sha: string) => {
    points.set(at, sha);
    const ats = [...points.keys()].sort((a, b) => a - b);
    for (const old of ats.slice(0, Math.max(0, ats.length - HASH_POINTS))) points.delete(old);
  };
  let finished: { size: number; sha256: string } | undefined;

  /** The hasher at plaintext offset `upTo` at most: the saved state nearest below it, else a new one. */
  async function hashFrom(upTo: number): Promise<{ at: number; hash: ResumableHash }> {
    const ats = [...points.keys()].filter((at) => at <= upTo).sort((a, b) => b - a);
    for (const at of ats) {
      const hash = await loadHash('sha256', points.get(at));
      if (hash) return { at, hash };
      points.delete(at);
    }
    return { at: 0, hash: await newHash('sha256') };
  }

  /** The plaintext from `from`, hashed (and its md5 checked when read whole) on the way through. */
  async function* tapped(plain: Readable, from: number, hash: ResumableHash): AsyncGenerator<Buffer> {
    const md5 = from === 0 && opts.expectedMd5 ? crypto.createHash('md5') : undefined;
    let pos = from;
    let next = (Math.floor(from / spacing) + 1) * spacing;
    for await (const raw of plain) {
      let chunk = raw as Buffer;
      if (opts.size !== undefined && pos + chunk.length > opts.size)
        throw new CloudError(
          'corrupt',
          `The source gave more than the ${opts.size} bytes it announced; it may have changed while being read.`,
        );
      md5?.update(chunk);
      const whole = chunk;
      // A state at each spacing boundary: the chunk is hashed up to it, saved, then the rest.
      while (pos + chunk.length >= next) {
        hash.update(chunk.subarray(0, next - pos));
        keep(next, hash.save());
        chunk = chunk.subarray(next - pos);
        pos = next;
        next += spacing;
      }
      hash.update(chunk);
      pos += chunk.length;
      yield whole;
    }
    if (opts.size !== undefined && pos !== opts.size)
      throw new CloudError('corrupt', `Expected ${opts.size} bytes, the source gave ${pos}.`);
    const got = md5?.digest('hex');
    if (got && got !== opts.expectedMd5?.toLowerCase())
      throw new CloudError('corrupt', `The bytes read have md5 ${got}; the source says ${opts.expectedMd5}.`);
    finished = { size: pos, sha256: hash.digest().toString('hex') };
  }

  /** What the wrapped put reads: the ciphertext from `offset`. */
  async function openCipher(offset: number): Promise<Readable> {
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new CloudError('failed', `The destination asked to resume at ${offset}.`);
    const block = offset <= HEADER_SIZE ? 0 : Math.floor((offset - HEADER_SIZE) / BLOCK_SIZE);
    const { at, hash } = await hashFrom(block * BLOCK_DATA);
    const fromBlock = at / BLOCK_DATA;
    const plain = await open(at);
    const cipher = pipeline(
      Readable.from(tapped(plain, at, hash), { objectMode: false }),
      encryptStream(keys, nonce, fromBlock),
      () => {},
    );
    // encryptStream starts with the header at block 0, else at the block's own offset.
    const start = fromBlock === 0 ? 0 : blockOffset(fromBlock);
    return Readable.from(skipped(cipher, offset - start), { objectMode: false });
  }

  const checkpoint: Checkpoint | undefined = opts.checkpoint && {
    state: saved?.inner ?? null,
    save: (state) =>
      opts.checkpoint!.save({
        nonce: nonceHex,
        inner: state,
        hashes: [...points].map(([at, sha]) => ({ at, sha })),
      } satisfies CryptState),
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
    // plaintext's hash is finished from the last saved state.
    const { at, hash } = await hashFrom(Number.MAX_SAFE_INTEGER);
    for await (const _ of tapped(await open(at), at, hash));
  }
  return { size: finished!.size, hash: { kind: 'sha256', value: finished!.sha256 } };
}
