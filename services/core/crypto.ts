// Secrets at rest and passwords.
//
// Cloud credentials are sealed with AES-256-GCM. Every sealed value names the id of the key that
// sealed it, so the key can be rotated: FERRY_SECRET_KEY may list several base64 keys separated by
// commas, the first seals, all of them open.
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

export class KeyError extends Error {}

export interface Keyring {
  /** Id of the key new secrets are sealed with. */
  readonly currentId: string;
  seal(plaintext: string): string;
  open(sealed: string): string;
}

/** Short, stable id of a key: not secret, safe to store beside the ciphertext. */
export function keyId(key: Buffer): string {
  return crypto.createHash('sha256').update('ferry-key-id').update(key).digest('hex').slice(0, 12);
}

export function parseKey(text: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== text.trim().replace(/=+$/, '')) {
    throw new KeyError('FERRY_SECRET_KEY must be 32 random bytes in base64 (for example: openssl rand -base64 32).');
  }
  return key;
}

export function generateKey(): string {
  return crypto.randomBytes(32).toString('base64');
}

export function createKeyring(keys: Buffer[]): Keyring {
  if (keys.length === 0) throw new KeyError('No secret key.');
  const byId = new Map(keys.map((k) => [keyId(k), k]));
  const currentId = keyId(keys[0]);
  return {
    currentId,
    seal(plaintext) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', keys[0], iv);
      cipher.setAAD(Buffer.from(currentId));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        'v1',
        currentId,
        iv.toString('base64'),
        cipher.getAuthTag().toString('base64'),
        ct.toString('base64'),
      ].join(':');
    },
    open(sealed) {
      const [version, id, iv, tag, ct] = sealed.split(':');
      if (version !== 'v1' || !id || !iv || !tag || ct === undefined) throw new KeyError('Unrecognised sealed value.');
      const key = byId.get(id);
      if (!key) throw new KeyError(`The secret key ${id} that sealed this value is not configured.`);
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
      } catch (err) {
        throw new KeyError(
          `Secret sealed with key ${id} could not be opened: the key is wrong or the value was altered.`,
          { cause: err },
        );
      }
    },
  };
}

// scrypt is memory-hard: N=2^15, r=8 uses 32 MiB per hash, about 50-100 ms here. The parameters are
// stored with each hash so they can be raised later without invalidating old passwords.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 };

/**
 * The parameters a new hash takes: SCRYPT. For the test suite alone (NODE_ENV=test, as Jest sets it),
 * FERRY_TEST_SCRYPT_N may lower N (a power of two below 2^15): the suite signs up and logs in thousands
 * of times, and at full cost those hashes were a large share of its CPU. It is no setting of Ferry's;
 * test/integration/auth.test.ts checks that a hash without it takes the cost above.
 */
function scryptParams(): typeof SCRYPT {
  if (process.env.NODE_ENV !== 'test') return SCRYPT;
  const n = Number(process.env.FERRY_TEST_SCRYPT_N);
  return Number.isInteger(n) && n >= 2 && n < SCRYPT.N && (n & (n - 1)) === 0 ? { ...SCRYPT, N: n } : SCRYPT;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const params = scryptParams();
  const hash = await scrypt(password.normalize('NFKC'), salt, 32, { ...params, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 256 * 1024 * 1024,
  });
  return crypto.timingSafeEqual(actual, expected);
}

/** A random bearer secret (session cookie, access token) and the digest we store in its place. */
export function newSecret(prefix = ''): string {
  return prefix + crypto.randomBytes(32).toString('base64url');
}

export function digest(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}
