// MD5 (RFC 1321) whose state can be saved and restored. Drive checks an upload only by the
// md5Checksum of the whole file, and node:crypto cannot export a hash's state, so a resumed upload
// could otherwise not check the bytes sent before the interruption. This state (four words, the
// length and fewer than 64 pending bytes) goes into the upload's checkpoint instead.

export interface Md5State {
  h: [number, number, number, number];
  /** Bytes hashed so far. */
  length: number;
  /** Bytes of the unfinished 64-byte block, base64. */
  tail: string;
}

// Per-round shift amounts and the constants floor(abs(sin(i + 1)) × 2^32).
const S = Uint8Array.of(
  7,
  12,
  17,
  22,
  7,
  12,
  17,
  22,
  7,
  12,
  17,
  22,
  7,
  12,
  17,
  22,
  5,
  9,
  14,
  20,
  5,
  9,
  14,
  20,
  5,
  9,
  14,
  20,
  5,
  9,
  14,
  20,
  4,
  11,
  16,
  23,
  4,
  11,
  16,
  23,
  4,
  11,
  16,
  23,
  4,
  11,
  16,
  23,
  6,
  10,
  15,
  21,
  6,
  10,
  15,
  21,
  6,
  10,
  15,
  21,
  6,
  10,
  15,
  21,
);
const K = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
// Which message word each of the 64 steps reads.
const G = Uint8Array.from({ length: 64 }, (_, i) =>
  i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16,
);

export class Md5 {
  private readonly h = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476);
  private readonly block = Buffer.alloc(64);
  private pending = 0;
  private length = 0;
  private readonly m = new Int32Array(16);

  static from(state: Md5State): Md5 {
    const md5 = new Md5();
    md5.h.set(state.h);
    md5.length = state.length;
    const tail = Buffer.from(state.tail, 'base64');
    if (tail.length >= 64 || tail.length !== state.length % 64) throw new Error('Invalid md5 state.');
    tail.copy(md5.block);
    md5.pending = tail.length;
    return md5;
  }

  state(): Md5State {
    return {
      h: [this.h[0], this.h[1], this.h[2], this.h[3]],
      length: this.length,
      tail: this.block.subarray(0, this.pending).toString('base64'),
    };
  }

  update(data: Uint8Array): this {
    let i = 0;
    const n = data.length;
    if (this.pending > 0) {
      const take = Math.min(64 - this.pending, n);
      this.block.set(data.subarray(0, take), this.pending);
      this.pending += take;
      i = take;
      if (this.pending === 64) {
        this.compress(this.block, 0);
        this.pending = 0;
      }
    }
    for (; i + 64 <= n; i += 64) this.compress(data, i);
    if (i < n) {
      this.block.set(data.subarray(i), 0);
      this.pending = n - i;
    }
    this.length += n;
    return this;
  }

  /** The hex digest of what was hashed so far; the hash can go on afterwards. */
  digest(): string {
    const copy = Md5.from(this.state());
    const bits = copy.length * 8;
    const pad = Buffer.alloc((copy.pending < 56 ? 56 : 120) - copy.pending + 8);
    pad[0] = 0x80;
    pad.writeUInt32LE(bits >>> 0, pad.length - 8);
    pad.writeUInt32LE(Math.floor(bits / 2 ** 32) >>> 0, pad.length - 4);
    copy.update(pad);
    const out = Buffer.alloc(16);
    for (let k = 0; k < 4; k++) out.writeInt32LE(copy.h[k], k * 4);
    return out.toString('hex');
  }

  private compress(d: Uint8Array, at: number): void {
    const m = this.m;
    for (let k = 0; k < 16; k++) {
      const p = at + k * 4;
      m[k] = d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (d[p + 3] << 24);
    }
    const h = this.h;
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let e = h[3]; // "d" in RFC 1321
    // The four rounds differ only in their mixing function: one loop each, no branch per step.
    let t: number;
    for (let i = 0; i < 16; i++) {
      t = (a + ((b & c) | (~b & e)) + K[i] + m[G[i]]) | 0;
      a = e;
      e = c;
      c = b;
      b = (b + ((t << S[i]) | (t >>> (32 - S[i])))) | 0;
    }
    for (let i = 16; i < 32; i++) {
      t = (a + ((e & b) | (~e & c)) + K[i] + m[G[i]]) | 0;
      a = e;
      e = c;
      c = b;
      b = (b + ((t << S[i]) | (t >>> (32 - S[i])))) | 0;
    }
    for (let i = 32; i < 48; i++) {
      t = (a + (b ^ c ^ e) + K[i] + m[G[i]]) | 0;
      a = e;
      e = c;
      c = b;
      b = (b + ((t << S[i]) | (t >>> (32 - S[i])))) | 0;
    }
    for (let i = 48; i < 64; i++) {
      t = (a + (c ^ (b | ~e)) + K[i] + m[G[i]]) | 0;
      a = e;
      e = c;
      c = b;
      b = (b + ((t << S[i]) | (t >>> (32 - S[i])))) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + e) | 0;
  }
}
