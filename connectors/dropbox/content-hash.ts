// Dropbox's content_hash (https://www.dropbox.com/developers/reference/content-hash): split the
// bytes into 4 MiB blocks, SHA-256 each block, SHA-256 the concatenated 32-byte digests, hex.
//
// An upload that resumes after a crash has to go on hashing where the last attempt stopped, so the
// hasher's state must fit in a checkpoint. Each block's SHA-256 is Node's (fast, and a block never
// spans a checkpoint: checkpoints fall on chunk boundaries, which are multiples of 4 MiB); the outer
// SHA-256 sees only 32 bytes per block, so a small JavaScript SHA-256 whose state can be written
// out does it at no measurable cost.
import crypto from 'node:crypto';

export const BLOCK = 4 * 1024 * 1024;

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/**
 * What a Sha256 needs to go on later: its chaining value, the bytes of an unfinished 64-byte block, the length so far.
 */
export interface Sha256State {
  h: string;
  pending: string;
  length: number;
}

/** SHA-256 (FIPS 180-4) whose state can be saved and restored. Slow: for small inputs only. */
export class Sha256 {
  private h = Uint32Array.from(INITIAL);
  private pending = Buffer.alloc(0);
  private length = 0;
  private readonly w = new Uint32Array(64);

  static from(state: Sha256State): Sha256 {
    const s = new Sha256();
    const h = Buffer.from(state.h, 'hex');
    const pending = Buffer.from(state.pending, 'hex');
    if (
      h.length !== 32 ||
      pending.length >= 64 ||
      !Number.isSafeInteger(state.length) ||
      state.length % 64 !== pending.length
    ) {
      throw new Error('Invalid SHA-256 state.');
    }
    for (let i = 0; i < 8; i++) s.h[i] = h.readUInt32BE(i * 4);
    s.pending = pending;
    s.length = state.length;
    return s;
  }

  state(): Sha256State {
    const h = Buffer.alloc(32);
    for (let i = 0; i < 8; i++) h.writeUInt32BE(this.h[i], i * 4);
    return { h: h.toString('hex'), pending: this.pending.toString('hex'), length: this.length };
  }

  update(data: Uint8Array): this {
    this.length += data.length;
    const buf = this.pending.length
      ? Buffer.concat([this.pending, data])
      : Buffer.from(data.buffer, data.byteOffset, data.length);
    let off = 0;
    for (; off + 64 <= buf.length; off += 64) this.compress(buf, off);
    this.pending = Buffer.from(buf.subarray(off)); // a copy: the caller may reuse its buffer
    return this;
  }

  digest(): Buffer {
    const bits = this.length * 8;
    const padLength = (this.pending.length < 56 ? 56 : 120) - this.pending.length;
    const tail = Buffer.alloc(padLength + 8);
    tail[0] = 0x80;
    tail.writeUInt32BE(Math.floor(bits / 2 ** 32), padLength);
    tail.writeUInt32BE(bits >>> 0, padLength + 4);
    const buf = Buffer.concat([this.pending, tail]);
    for (let off = 0; off < buf.length; off += 64) this.compress(buf, off);
    const out = Buffer.alloc(32);
    for (let i = 0; i < 8; i++) out.writeUInt32BE(this.h[i], i * 4);
    return out;
  }

  private compress(buf: Buffer, off: number): void {
    const w = this.w;
    for (let i = 0; i < 16; i++) w[i] = buf.readUInt32BE(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15];
      const b = w[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, h] = this.h;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K[i] + w[i]) >>> 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) >>> 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    const H = this.h;
    H[0] = (H[0] + a) >>> 0;
    H[1] = (H[1] + b) >>> 0;
    H[2] = (H[2] + c) >>> 0;
    H[3] = (H[3] + d) >>> 0;
    H[4] = (H[4] + e) >>> 0;
    H[5] = (H[5] + f) >>> 0;
    H[6] = (H[6] + g) >>> 0;
    H[7] = (H[7] + h) >>> 0;
  }
}

/** A content hasher's state at a block boundary, as kept in an upload checkpoint. */
export interface ContentHashState {
  outer: Sha256State;
  length: number;
}

/** Dropbox's content_hash over bytes fed in any pieces. */
export class DropboxContentHasher {
  private outer = new Sha256();
  private block: crypto.Hash | null = null;
  private blockFill = 0;
  /** Bytes hashed so far. */
  length = 0;

  static from(state: ContentHashState): DropboxContentHasher {
    const h = new DropboxContentHasher();
    if (
      !Number.isSafeInteger(state.length) ||
      state.length % BLOCK !== 0 ||
      state.outer.length !== (state.length / BLOCK) * 32
    )
      throw new Error('Invalid content hash state.');
    h.outer = Sha256.from(state.outer);
    h.length = state.length;
    return h;
  }

  /** Whether the bytes so far end on a block boundary (the state can be saved). */
  get aligned(): boolean {
    return this.blockFill === 0;
  }

  state(): ContentHashState {
    if (!this.aligned) throw new Error('A content hash can only be saved on a 4 MiB boundary.');
    return { outer: this.outer.state(), length: this.length };
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
