// Hashes whose state can be saved in a checkpoint and loaded after a restart, so a resumed upload
// need not read again the bytes it already sent to know the whole file's hash (Drive's MD5, the
// SHA-256 blocks of Dropbox's content hash). hash-wasm's states save and load; Node's crypto cannot.
import type { IHasher } from 'hash-wasm';
import { loadLater } from './load-later.ts';

export type ResumableKind = 'md5' | 'sha256';

export interface ResumableHash {
  update(data: Uint8Array): void;
  /** Raw bytes; the hasher is finished. */
  digest(): Buffer;
  /** The state as base64, for a checkpoint (JSON). */
  save(): string;
}

// Loaded by the first resumable upload (Drive, Dropbox): its WebAssembly need not sit in every process.
const hashWasm = loadLater<typeof import('hash-wasm')>('hash-wasm');
const create: Record<ResumableKind, () => Promise<IHasher>> = {
  md5: () => hashWasm().createMD5(),
  sha256: () => hashWasm().createSHA256(),
};

function wrap(h: IHasher): ResumableHash {
  return {
    update(data) {
      h.update(data);
    },
    digest: () => Buffer.from(h.digest('binary')),
    save: () => Buffer.from(h.save()).toString('base64'),
  };
}

export async function newHash(kind: ResumableKind): Promise<ResumableHash> {
  const h = await create[kind]();
  h.init();
  return wrap(h);
}

/** A saved state, or null when it does not load (another version, damaged): treat as no checkpoint. */
export async function loadHash(kind: ResumableKind, saved: unknown): Promise<ResumableHash | null> {
  if (typeof saved !== 'string' || !create[kind]) return null;
  const h = await create[kind]();
  try {
    // hash-wasm checks the state's length and the build that wrote it, and throws on a mismatch.
    h.load(Buffer.from(saved, 'base64'));
  } catch {
    return null;
  }
  return wrap(h);
}
