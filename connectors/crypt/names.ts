// rclone crypt's names. `standard`: each path segment is PKCS#7-padded to 16 bytes, enciphered with EME
// (Halevi–Rogaway's wide-block mode over AES-256: deterministic, so a name always encrypts the same, and
// names that share a prefix share nothing) and written in lowercase base32hex without padding. `off`: a
// file's name gets ".bin" appended and folders stay plain. rclone encrypts folder names too by default
// (directory_name_encryption = true), which is the only way Ferry writes them.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptError } from './blocks.ts';
import type { CryptKeys } from './keys.ts';

export type NameMode = 'standard' | 'off';

const OFF_SUFFIX = '.bin';
/** EME covers at most 128 AES blocks; rclone refuses longer names in the same way. */
const MAX_NAME_BYTES = 2048;

/** A path ('a/b/c.jpg', '/'-separated) as rclone stores it; `isFile` false for a folder path. */
export function encryptPath(keys: CryptKeys, path: string, mode: NameMode, isFile: boolean): string {
  if (mode === 'off') return isFile ? path + OFF_SUFFIX : path;
  checkMode(mode);
  const segments = path.split('/');
  const last = segments.length - 1;
  return segments
    .map((s, i) => (i === last ? withoutVersion(s, encryptSegment.bind(null, keys)) : encryptSegment(keys, s)))
    .join('/');
}

/** The plaintext path, or throws CryptError('name', …) when a segment does not decrypt (wrong
 *  password or a name rclone did not write: base32hex invalid, length not a multiple of 16, padding bad). */
export function decryptPath(keys: CryptKeys, path: string, mode: NameMode, isFile: boolean): string {
  let plain: string;
  if (mode === 'off') {
    plain = isFile ? stripSuffix(path) : path;
  } else {
    checkMode(mode);
    const segments = path.split('/');
    const last = segments.length - 1;
    plain = segments
      .map((s, i) => (i === last ? withoutVersion(s, decryptSegment.bind(null, keys)) : decryptSegment(keys, s)))
      .join('/');
  }
  // A crafted name must not lead outside the folder it was listed in, nor hide a NUL from the file system.
  for (const s of plain.split('/')) {
    if (s === '.' || s === '..' || s.includes('\0'))
      throw new CryptError('name', `"${path}" decrypts to an unsafe name`);
  }
  return plain;
}

function checkMode(mode: string): void {
  if (mode !== 'standard') throw new CryptError('name', `unknown file name encryption "${mode}"`);
}

function stripSuffix(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (!name.endsWith(OFF_SUFFIX) || name.length === OFF_SUFFIX.length) {
    throw new CryptError('name', `"${path}" is not an encrypted file name (no ${OFF_SUFFIX} suffix)`);
  }
  const plain = path.slice(0, -OFF_SUFFIX.length);
  const version = splitVersion(plain.slice(plain.lastIndexOf('/') + 1));
  // rclone refuses a name that is nothing but a version stamp.
  if (version && version.base + version.ext === '') throw new CryptError('name', `"${path}" has no name`);
  return plain;
}

/** One name as rclone encrypts it in `standard` mode, taken whole ('/' included: only tests want that). */
export function encryptSegment(keys: CryptKeys, plain: string): string {
  if (plain === '') return '';
  const bytes = Buffer.from(plain, 'utf8');
  const pad = 16 - (bytes.length % 16);
  if (bytes.length + pad > MAX_NAME_BYTES) {
    throw new CryptError(
      'name',
      `a name of ${bytes.length} bytes is too long to encrypt (at most ${MAX_NAME_BYTES - 1})`,
    );
  }
  const padded = Buffer.concat([bytes, Buffer.alloc(pad, pad)]);
  return base32hexEncode(eme(keys, padded, true));
}

function decryptSegment(keys: CryptKeys, cipher: string): string {
  if (cipher === '') return '';
  const raw = base32hexDecode(cipher);
  if (raw === null) throw new CryptError('name', `"${cipher}" is not an encrypted name (not base32hex)`);
  if (raw.length === 0 || raw.length % 16 !== 0) {
    throw new CryptError('name', `"${cipher}" is not an encrypted name (not a multiple of 16 bytes)`);
  }
  if (raw.length > MAX_NAME_BYTES) throw new CryptError('name', `"${cipher}" is not an encrypted name (too long)`);
  const padded = eme(keys, raw, false);
  const pad = padded[padded.length - 1];
  if (pad === 0 || pad > 16 || !padded.subarray(padded.length - pad).every((b) => b === pad)) {
    throw new CryptError('name', `"${cipher}" does not decrypt: wrong password or not an rclone crypt name`);
  }
  let plain: string;
  try {
    plain = utf8.decode(padded.subarray(0, padded.length - pad));
  } catch {
    throw new CryptError('name', `"${cipher}" does not decrypt: wrong password or not an rclone crypt name`);
  }
  // rclone writes neither (it splits paths at '/', and writes an empty name as an empty segment): a crafted
  // name must not move a file into another folder, nor name it with nothing.
  if (plain === '' || plain.includes('/')) throw new CryptError('name', `"${cipher}" decrypts to an unsafe name`);
  return plain;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// rclone (since 1.56, for --b2-versions) keeps a version stamp "-vYYYY-MM-DD-HHMMSS-mmm" that ends a last
// segment's base name out of the cipher: it transforms the name without the stamp and appends the stamp.
// Doing the same keeps such names readable both ways.
const VERSION = /-v(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})$/;

interface Versioned {
  base: string;
  stamp: string;
  ext: string;
}

function splitVersion(name: string): Versioned | null {
  const dot = name.lastIndexOf('.');
  // As Go's path.Ext: the extension starts at the last dot; a name that is all extension is all base.
  const base = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  const m = VERSION.exec(base);
  if (!m || !validTime(m.slice(1).map(Number))) return null;
  return { base: base.slice(0, m.index), stamp: m[0], ext };
}

function validTime([y, mo, d, h, mi, s]: number[]): boolean {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days && h < 24 && mi < 60 && s < 60;
}

function withoutVersion(name: string, transform: (s: string) => string): string {
  const v = splitVersion(name);
  if (!v) return transform(name);
  // The transformed name has no dot (base32hex), so the stamp goes at its end, as rclone's version.Add puts it.
  const out = transform(v.base + v.ext);
  const dot = out.lastIndexOf('.');
  return dot > 0 ? out.slice(0, dot) + v.stamp + out.slice(dot) : out + v.stamp;
}

// EME, as rfjakob/eme implements it for rclone: the AES passes are ECB over all blocks at once.
function eme(keys: CryptKeys, input: Buffer, encrypt: boolean): Buffer {
  const m = input.length / 16;
  const enc = createCipheriv('aes-256-ecb', keys.name, null).setAutoPadding(false);
  const aes = encrypt ? enc : createDecipheriv('aes-256-ecb', keys.name, null).setAutoPadding(false);
  // L = 2·AES(0); block j is masked with 2^(j+1)·AES(0).
  const masks = Buffer.alloc(input.length);
  const l = enc.update(Buffer.alloc(16));
  for (let j = 0; j < m; j++) {
    double(l);
    l.copy(masks, j * 16);
  }
  const c = aes.update(xor(Buffer.from(input), masks));
  const mp = xor(Buffer.from(keys.tweak), c.subarray(0, 16));
  for (let j = 1; j < m; j++) xor(mp, c.subarray(j * 16, j * 16 + 16));
  const mc = aes.update(mp);
  const mm = xor(Buffer.from(mp), mc);
  const first = xor(Buffer.from(mc), keys.tweak);
  for (let j = 1; j < m; j++) {
    double(mm);
    const block = c.subarray(j * 16, j * 16 + 16);
    xor(block, mm);
    xor(first, block);
  }
  first.copy(c, 0);
  return xor(aes.update(c), masks);
}

/** In place: multiplication by x in GF(2^128), little-endian bytes, as EME defines it. */
function double(b: Buffer): void {
  const carry = b[15] >> 7;
  for (let i = 15; i > 0; i--) b[i] = ((b[i] << 1) | (b[i - 1] >> 7)) & 0xff;
  b[0] = ((b[0] << 1) & 0xff) ^ (carry ? 0x87 : 0);
}

/** In place into `a`, which it returns. */
function xor(a: Buffer, b: Uint8Array): Buffer {
  for (let i = 0; i < a.length; i++) a[i] ^= b[i];
  return a;
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';
/** Character code → digit, for both cases (ASCII only: Unicode case folding must not make a digit). */
const DIGITS: number[] = new Array(128).fill(-1);
for (let i = 0; i < 32; i++) {
  DIGITS[ALPHABET.charCodeAt(i)] = i;
  DIGITS[ALPHABET.toUpperCase().charCodeAt(i)] = i;
}

function base32hexEncode(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** null when not base32hex as rclone writes it (it reads either case, so does this; no padding). */
function base32hexDecode(text: string): Buffer | null {
  // Lengths that no whole number of bytes encodes to.
  if ([1, 3, 6].includes(text.length % 8)) return null;
  const out = Buffer.alloc(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const v = DIGITS[text.charCodeAt(i)] ?? -1;
    if (v < 0) return null;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out[n++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  // Leftover bits must be zero: only one text encodes a name.
  return value === 0 ? out : null;
}
