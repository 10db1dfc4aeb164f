// rclone crypt's keys: scrypt of the password (rclone's `password`) with the salt (its `password2`).
import { scrypt } from 'node:crypto';
import { CryptError } from './blocks.ts';

export interface CryptKeys {
  /** XSalsa20-Poly1305 key of the file contents. */
  data: Buffer;
  /** AES-256 key of EME, the name cipher. */
  name: Buffer;
  /** EME's 16-byte tweak. */
  tweak: Buffer;
}

/** rclone's built-in salt, used when the remote has no password2 (backend/crypt/cipher.go). */
const DEFAULT_SALT = Buffer.from('a80df43a8fbd0308a7cab83e581f86b1', 'hex');

/** rclone's scrypt cost (N=16384, r=8, p=1) needs 16 MiB; Node's default cap is 32 MiB, give room. */
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** scrypt as rclone does it; salt undefined or '' = rclone's default salt. Rejects an empty password. */
export async function deriveKeys(password: string, salt?: string): Promise<CryptKeys> {
  // rclone keys an empty password with zeros (for its own tests); a backup must never be readable by anyone.
  if (typeof password !== 'string' || password === '') throw new CryptError('password', 'the password is empty');
  const saltBytes = salt ? Buffer.from(salt, 'utf8') : DEFAULT_SALT;
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(Buffer.from(password, 'utf8'), saltBytes, 80, SCRYPT, (err, k) => (err ? reject(err) : resolve(k))),
  );
  return { data: key.subarray(0, 32), name: key.subarray(32, 64), tweak: key.subarray(64, 80) };
}
