// Real media bytes for the Google Photos emulator and its tests: a minimal but valid JPEG (JFIF
// with an Exif APP1 that carries a GPS IFD, so stripping the location is visible) and a minimal
// ISO BMFF (MP4) file, each varied by a seed and padded to a size. Plus the two renditions Google
// serves from a base URL: `=d` (photo with the location removed) and `=dv` (a "transcoded" video).
import crypto from 'node:crypto';
import { Transform } from 'node:stream';

/** A small deterministic PRNG (mulberry32): the same seed gives the same bytes. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` bytes of noise that depend only on the seed: AES-128-CTR's keystream under a key drawn from it.
 * Native speed: drawing them from `seeded` a byte at a time cost the suite seconds of CPU per file.
 */
export function seededBytes(seed: number, n: number): Buffer {
  const key = crypto.createHash('sha256').update(`ferry test bytes ${seed}`).digest().subarray(0, 16);
  return crypto.createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const segment = (marker: number, payload: Buffer) =>
  Buffer.concat([Buffer.from([0xff, marker]), u16(payload.length + 2), payload]);

// ---- Exif (TIFF, big-endian) -------------------------------------------------------------------

interface IfdEntry {
  tag: number;
  type: number; // 1 BYTE, 2 ASCII, 4 LONG, 5 RATIONAL
  count: number;
  /** The value's bytes (padded into the entry when ≤ 4, else stored after the IFD). */
  value: Buffer;
}

/** Lays out one IFD at `offset` (from the TIFF header): entries, next-IFD 0, then the long values. */
function ifd(entries: IfdEntry[], offset: number): Buffer {
  const head = Buffer.alloc(2 + entries.length * 12 + 4);
  head.writeUInt16BE(entries.length, 0);
  let dataAt = offset + head.length;
  const data: Buffer[] = [];
  entries.forEach((e, i) => {
    const at = 2 + i * 12;
    head.writeUInt16BE(e.tag, at);
    head.writeUInt16BE(e.type, at + 2);
    head.writeUInt32BE(e.count, at + 4);
    if (e.value.length <= 4) e.value.copy(head, at + 8);
    else {
      head.writeUInt32BE(dataAt, at + 8);
      const padded = e.value.length % 2 ? Buffer.concat([e.value, Buffer.alloc(1)]) : e.value;
      data.push(padded);
      dataAt += padded.length;
    }
  });
  return Buffer.concat([head, ...data]);
}

const ascii = (s: string) => Buffer.from(`${s}\0`, 'latin1');
const rationals = (pairs: [number, number][]) => Buffer.concat(pairs.flatMap(([n, d]) => [u32(n), u32(d)]));

function exif(seed: number): Buffer {
  const rnd = seeded(seed ^ 0x5eed);
  const make = ascii('FerryCam');
  const model = ascii(`Model ${seed % 97}`);
  const date = ascii(`20${10 + (seed % 15)}:0${1 + (seed % 9)}:1${seed % 10} 12:34:56`);
  // IFD0: Make, Model, DateTime, GPSInfo pointer (its value is patched once IFD0's size is known).
  const ifd0Entries: IfdEntry[] = [
    { tag: 0x010f, type: 2, count: make.length, value: make },
    { tag: 0x0110, type: 2, count: model.length, value: model },
    { tag: 0x0132, type: 2, count: date.length, value: date },
    { tag: 0x8825, type: 4, count: 1, value: u32(0) },
  ];
  const ifd0Size = ifd(ifd0Entries, 8).length;
  const gpsAt = 8 + ifd0Size;
  ifd0Entries[3].value = u32(gpsAt);
  const lat = Math.floor(rnd() * 89);
  const lon = Math.floor(rnd() * 179);
  const gps = ifd(
    [
      { tag: 0x0000, type: 1, count: 4, value: Buffer.from([2, 3, 0, 0]) },
      { tag: 0x0001, type: 2, count: 2, value: ascii('N') },
      {
        tag: 0x0002,
        type: 5,
        count: 3,
        value: rationals([
          [lat, 1],
          [Math.floor(rnd() * 60), 1],
          [Math.floor(rnd() * 6000), 100],
        ]),
      },
      { tag: 0x0003, type: 2, count: 2, value: ascii('E') },
      {
        tag: 0x0004,
        type: 5,
        count: 3,
        value: rationals([
          [lon, 1],
          [Math.floor(rnd() * 60), 1],
          [Math.floor(rnd() * 6000), 100],
        ]),
      },
    ],
    gpsAt,
  );
  const tiff = Buffer.concat([Buffer.from('MM\0\x2a', 'latin1'), u32(8), ifd(ifd0Entries, 8), gps]);
  return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
}

// ---- JPEG --------------------------------------------------------------------------------------

/**
 * A baseline JPEG of one 8×8 grey block: JFIF APP0, Exif APP1 with a GPS IFD, DQT, SOF0, DHT (one
 * DC and one AC table of a single one-bit code each), SOS and a one-byte scan (DC difference 0,
 * end of block), EOI. COM segments of seeded bytes make it vary by seed and reach `size` bytes.
 */
export function makeJpeg(seed: number, size = 2048): Buffer {
  const app0 = segment(
    0xe0,
    Buffer.concat([Buffer.from('JFIF\0', 'latin1'), Buffer.from([1, 1, 0]), u16(1), u16(1), Buffer.from([0, 0])]),
  );
  const app1 = segment(0xe1, exif(seed));
  const grey = 32 + (seed % 192);
  const dqt = segment(0xdb, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)]));
  const sof = segment(0xc0, Buffer.concat([Buffer.from([8]), u16(8), u16(8), Buffer.from([1, 1, 0x11, 0])]));
  // DC table 0 and AC table 0: one code of length 1 each (symbol 0: DC category 0 / AC end of block).
  const table = (cls: number) =>
    Buffer.concat([Buffer.from([cls << 4]), Buffer.from([1, ...Array(15).fill(0)]), Buffer.from([0])]);
  const dht = segment(0xc4, Buffer.concat([table(0), table(1)]));
  const sos = segment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0]));
  // Bits: DC code '0' (category 0), AC code '0' (EOB), padded with 1s.
  const scan = Buffer.from([0x3f]);
  const eoi = Buffer.from([0xff, 0xd9]);
  const fixed = [Buffer.from([0xff, 0xd8]), app0, app1, dqt, sof, dht];
  let length = fixed.reduce((n, b) => n + b.length, 0) + sos.length + scan.length + eoi.length;
  const comments: Buffer[] = [segment(0xfe, Buffer.from(`ferry test photo ${seed} grey ${grey}`))];
  length += comments[0].length;
  let part = 0;
  while (length < size) {
    const payload = Math.min(65533, Math.max(1, size - length - 4));
    const com = segment(0xfe, seededBytes(seed * 7919 + part++, payload));
    comments.push(com);
    length += com.length;
  }
  return Buffer.concat([...fixed, ...comments, sos, scan, eoi]);
}

/**
 * The photo as a `=d` download gives it: Google keeps the Exif but removes the location. Here the
 * GPS IFD keeps its place and size, emptied (no entries, its values zeroed), so the file stays a
 * valid JPEG of the same length with other bytes than the original.
 */
export function stripGps(jpeg: Buffer): Buffer {
  const out = Buffer.from(jpeg);
  let at = 2;
  while (at + 4 <= out.length && out[at] === 0xff) {
    const marker = out[at + 1];
    const len = out.readUInt16BE(at + 2);
    if (marker === 0xda) break;
    if (marker === 0xe1 && out.toString('latin1', at + 4, at + 10) === 'Exif\0\0') {
      const t = at + 10; // TIFF header
      const le = out.toString('latin1', t, t + 2) === 'II';
      const r16 = (o: number) => (le ? out.readUInt16LE(t + o) : out.readUInt16BE(t + o));
      const r32 = (o: number) => (le ? out.readUInt32LE(t + o) : out.readUInt32BE(t + o));
      const ifd0 = r32(4);
      const n = r16(ifd0);
      for (let i = 0; i < n; i++) {
        const e = ifd0 + 2 + i * 12;
        if (r16(e) !== 0x8825) continue;
        const gps = r32(e + 8);
        const count = r16(gps);
        const sizes: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };
        for (let j = 0; j < count; j++) {
          const g = gps + 2 + j * 12;
          const bytes = (sizes[r16(g + 2)] ?? 1) * r32(g + 4);
          if (bytes > 4) out.fill(0, t + r32(g + 8), t + r32(g + 8) + bytes);
        }
        out.fill(0, t + gps, t + gps + 2 + count * 12 + 4);
      }
    }
    at += 2 + len;
  }
  return out;
}

/** Whether a JPEG's Exif still has GPS entries. */
export function hasGps(jpeg: Buffer): boolean {
  return !stripGps(jpeg).equals(jpeg);
}

// ---- MP4 ---------------------------------------------------------------------------------------

const box = (type: string, payload: Buffer) =>
  Buffer.concat([u32(payload.length + 8), Buffer.from(type, 'latin1'), payload]);

/** ftyp, mdat (seeded payload), and a moov with a movie header: a valid ISO BMFF file of `size` bytes (or more). */
export function makeMp4(seed: number, size = 4096): Buffer {
  const ftyp = box(
    'ftyp',
    Buffer.concat([Buffer.from('isom', 'latin1'), u32(0x200), Buffer.from('isomiso2mp41', 'latin1')]),
  );
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12); // timescale
  mvhd.writeUInt32BE(1000 + (seed % 10_000), 16); // duration
  mvhd.writeUInt32BE(0x00010000, 20); // rate 1.0
  mvhd.writeUInt16BE(0x0100, 24); // volume 1.0
  // unity matrix
  mvhd.writeUInt32BE(0x00010000, 36);
  mvhd.writeUInt32BE(0x00010000, 52);
  mvhd.writeUInt32BE(0x40000000, 68);
  mvhd.writeUInt32BE(2, 96); // next track id
  const moov = box('moov', box('mvhd', mvhd));
  const payload = Math.max(16, size - ftyp.length - moov.length - 8);
  return Buffer.concat([ftyp, box('mdat', seededBytes(seed, payload)), moov]);
}

/** Where the mdat payload lies in an MP4 (from its top-level boxes), or null. */
export function mdatRange(head: Buffer, total: number): { start: number; end: number } | null {
  let at = 0;
  while (at + 8 <= head.length) {
    let size = head.readUInt32BE(at);
    const type = head.toString('latin1', at + 4, at + 8);
    let headerLen = 8;
    if (size === 1) {
      if (at + 16 > head.length) return null;
      size = Number(head.readBigUInt64BE(at + 8));
      headerLen = 16;
    } else if (size === 0) size = total - at;
    if (type === 'mdat') return { start: at + headerLen, end: at + size };
    if (size < 8) return null;
    at += size;
  }
  return null;
}

/**
 * The `=dv` rendition: the same container with a different mdat payload (each byte mixed with a
 * fixed key stream), as a stream transform over the original file's bytes.
 */
export function transcoder(range: { start: number; end: number } | null): Transform {
  let pos = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const out = Buffer.from(chunk);
      if (range) {
        for (let i = Math.max(0, range.start - pos); i < out.length && pos + i < range.end; i++)
          out[i] ^= ((pos + i - range.start) * 31 + 0x5a) & 0xff;
      }
      pos += chunk.length;
      cb(null, out);
    },
  });
}
