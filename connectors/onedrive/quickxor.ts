// Microsoft's quickXorHash, the one hash OneDrive keeps for every file on personal and business
// drives (https://learn.microsoft.com/onedrive/developer/code-snippets/quickxorhash).
//
// The algorithm XORs byte i of the input into a 160-bit ring at bit offset (i × 11) mod 160,
// spilling over into the next byte (and from the ring's last byte into its first), then XORs the
// input's length as a 64-bit little-endian number into the ring's last 8 bytes. Since the offset
// depends only on i mod 160, the bytes at the same position of every 160-byte block can be XORed
// together first and placed into the ring once, at the end: the hot loop is a plain XOR into a
// 160-byte accumulator. That accumulator and the length are the whole state, small enough to be
// saved in an upload's checkpoint so a resumed upload still checks the whole file.

const WIDTH = 160; // bytes per block = bits in the ring
const RING_BYTES = 20;
const SHIFT = 11;

export interface QuickXorState {
  /** The 160-byte accumulator, base64. */
  acc: string;
  /** Bytes hashed so far. */
  length: number;
}

export class QuickXorHash {
  private readonly acc = new Uint8Array(WIDTH);
  /** Position in the 160-byte block of the next input byte. */
  private pos = 0;
  private length = 0;

  update(data: Uint8Array): this {
    const acc = this.acc;
    const n = data.length;
    let i = 0;
    let pos = this.pos;
    // Up to the next block boundary byte by byte, then whole blocks, then the tail.
    while (i < n && pos !== 0) {
      acc[pos] ^= data[i++];
      if (++pos === WIDTH) pos = 0;
    }
    if (n - i >= WIDTH && (data.byteOffset + i) % 4 === 0) {
      // Aligned: whole blocks 32 bits at a time (the XOR is bytewise, so word order does not matter).
      const acc32 = new Uint32Array(acc.buffer, acc.byteOffset, WIDTH / 4);
      const blocks = Math.floor((n - i) / WIDTH);
      const words = new Uint32Array(data.buffer, data.byteOffset + i, (blocks * WIDTH) / 4);
      for (let w = 0; w < words.length; w += WIDTH / 4) {
        for (let k = 0; k < WIDTH / 4; k++) acc32[k] ^= words[w + k];
      }
      i += blocks * WIDTH;
    } else {
      while (n - i >= WIDTH) {
        for (let k = 0; k < WIDTH; k++) acc[k] ^= data[i + k];
        i += WIDTH;
      }
    }
    while (i < n) {
      acc[pos] ^= data[i++];
      if (++pos === WIDTH) pos = 0;
    }
    this.pos = pos;
    this.length += n;
    return this;
  }

  /** The hash of the bytes so far, base64 of 20 bytes (as Graph's `file.hashes.quickXorHash`). */
  digest(): string {
    const ring = new Uint8Array(RING_BYTES);
    for (let p = 0; p < WIDTH; p++) {
      const b = this.acc[p];
      if (b === 0) continue;
      const bit = (p * SHIFT) % WIDTH;
      const at = bit >> 3;
      const shift = bit & 7;
      ring[at] ^= (b << shift) & 0xff;
      if (shift) ring[(at + 1) % RING_BYTES] ^= b >> (8 - shift);
    }
    let len = BigInt(this.length);
    for (let k = 0; k < 8; k++) {
      ring[RING_BYTES - 8 + k] ^= Number(len & 0xffn);
      len >>= 8n;
    }
    return Buffer.from(ring).toString('base64');
  }

  /** A copy to finish separately (e.g. to check a last fragment before it is sent). */
  copy(): QuickXorHash {
    return QuickXorHash.restore(this.save());
  }

  save(): QuickXorState {
    return { acc: Buffer.from(this.acc).toString('base64'), length: this.length };
  }

  static restore(state: QuickXorState): QuickXorHash {
    const h = new QuickXorHash();
    const acc = Buffer.from(state.acc, 'base64');
    if (acc.length !== WIDTH || !Number.isSafeInteger(state.length) || state.length < 0)
      throw new Error('Invalid quickXorHash state.');
    h.acc.set(acc);
    h.length = state.length;
    h.pos = state.length % WIDTH;
    return h;
  }
}

export function quickXorHash(data: Uint8Array): string {
  return new QuickXorHash().update(data).digest();
}
