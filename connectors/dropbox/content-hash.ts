// Dropbox's content_hash (https://www.dropbox.com/developers/reference/content-hash): split the
// bytes into 4 MiB blocks, SHA-256 each block, SHA-256 the concatenated 32-byte digests, hex.
//
// An upload that resumes after a crash has to go on hashing where the last attempt stopped, so the
// hasher's state must fit in a checkpoint. Each block's SHA-256 is Node's (fast, and a block never
// spans a checkpoint: checkpoints fall on chunk boundaries, which are multiples of 4 MiB); the outer
// SHA-256, over 32 bytes per block, is the one whose state is saved: hash-wasm's (lib's
// resumable-hash.ts) for an upload. Verifying bytes saves nothing, and needs a hasher at once (no
// await): its outer SHA-256 is Node's.
import crypto from 'node:crypto';
import { loadHash, newHash } from '../lib/resumable-hash.ts';

export const BLOCK = 4 * 1024 * 1024;

/** The SHA-256 over the blocks' digests; `save` only where its state goes into checkpoints. */
interface Outer {
  update(data: Uint8Array): void;
  digest(): Buffer;
  save?(): string;
}

function nodeSha256(): Outer {
  const h = crypto.createHash('sha256');
  return { update: (d) => void h.update(d), digest: () => h.digest() };
}

/** A content hasher's state at a block boundary, as kept in an upload checkpoint. */
export interface ContentHashState {
  /** The outer SHA-256's state, as hash-wasm saves it (base64). */
  outer: string;
  length: number;
}

/** Dropbox's content_hash over bytes fed in any pieces. */
export class DropboxContentHasher {
  private readonly outer: Outer;
  private block: crypto.Hash | null = null;
  private blockFill = 0;
  /** Bytes hashed so far. */
  length = 0;

  /** A hasher whose state cannot be saved (verifying bytes); an upload's comes from resumable(). */
  constructor(outer: Outer = nodeSha256()) {
    this.outer = outer;
  }

  /** A hasher whose state() goes into checkpoints. */
  static async resumable(): Promise<DropboxContentHasher> {
    return new DropboxContentHasher(await newHash('sha256'));
  }

  /** The hasher a checkpoint saved, or null when its state does not load: then there is no checkpoint. */
  static async from(state: unknown): Promise<DropboxContentHasher | null> {
    const s = state as Partial<ContentHashState> | null | undefined;
    if (!s || !Number.isSafeInteger(s.length) || (s.length as number) < 0 || (s.length as number) % BLOCK !== 0)
      return null;
    const outer = await loadHash('sha256', s.outer);
    if (!outer) return null;
    const h = new DropboxContentHasher(outer);
    h.length = s.length as number;
    return h;
  }

  /** Whether the bytes so far end on a block boundary (the state can be saved). */
  get aligned(): boolean {
    return this.blockFill === 0;
  }

  state(): ContentHashState {
    if (!this.aligned) throw new Error('A content hash can only be saved on a 4 MiB boundary.');
    if (!this.outer.save) throw new Error('This content hasher was not made to be saved (see resumable()).');
    return { outer: this.outer.save(), length: this.length };
  }

  update(data: Uint8Array): this {
    for (let off = 0; off < data.length; ) {
      const n = Math.min(data.length - off, BLOCK - this.blockFill);
      (this.block ??= crypto.createHash('sha256')).update(data.subarray(off, off + n));
      this.blockFill += n;
      off += n;
      if (this.blockFill === BLOCK) this.endBlock();
    }
    this.length += data.length;
    return this;
  }

  /**
   * Feeds `chunk` and returns the content_hash of `chunk` alone (what Dropbox checks per request).
   * On a block boundary each block is hashed once for both; elsewhere the chunk is hashed apart.
   */
  updateChunk(chunk: Uint8Array): string {
    if (!this.aligned) {
      this.update(chunk);
      return contentHash(chunk);
    }
    const own = crypto.createHash('sha256');
    let off = 0;
    for (; off + BLOCK <= chunk.length; off += BLOCK) {
      const d = crypto
        .createHash('sha256')
        .update(chunk.subarray(off, off + BLOCK))
        .digest();
      own.update(d);
      this.outer.update(d);
      this.length += BLOCK;
    }
    if (off < chunk.length) {
      const rest = chunk.subarray(off);
      own.update(crypto.createHash('sha256').update(rest).digest());
      this.update(rest); // the last, partial block stays open for more bytes
    }
    return own.digest('hex');
  }

  /** The content_hash of everything fed; the hasher cannot be used afterwards. */
  digest(): string {
    if (this.blockFill > 0) this.endBlock();
    return this.outer.digest().toString('hex');
  }

  private endBlock(): void {
    this.outer.update(this.block!.digest());
    this.block = null;
    this.blockFill = 0;
  }
}

/** The content_hash of one buffer. */
export function contentHash(data: Uint8Array): string {
  return new DropboxContentHasher().update(data).digest();
}
