// Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238: SHA-1, 6 digits, 30 s, the
// defaults every authenticator app reads), and ten one-time recovery codes for a lost phone. The
// seed is sealed with the secret key like a cloud's credentials; recovery codes are kept as digests.
import crypto from 'node:crypto';
import { loadLater } from '../../connectors/lib/load-later.ts';
import { digest, type Keyring } from './crypto.ts';
import type { Db, Queryable } from './db.ts';
import { errors } from './errors.ts';

// Loaded by the first enrolment or code checked, not by every process that starts.
const otpauth = loadLater<typeof import('otpauth')>('otpauth');
const qrcode = loadLater<typeof import('qrcode')>('qrcode');

const PERIOD = 30;
const RECOVERY_CODES = 10;

/** A recovery code: 10 letters and digits in two groups, without the ones people misread (0/O, 1/l). */
function recoveryCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const chars = Array.from(crypto.randomBytes(10), (b) => alphabet[b % alphabet.length]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}
const normalCode = (code: string) => code.trim().toLowerCase().replace(/\s+/g, '');

export function createTwoFactor(db: Db, keyring: Keyring, issuer = 'Ferry') {
  const totpOf = (sealed: string, label: string) => {
    const { TOTP, Secret } = otpauth();
    return new TOTP({ issuer, label, secret: Secret.fromBase32(keyring.open(sealed)), period: PERIOD });
  };

  return {
    /**
     * Starts enrolment: a new seed, not yet on (a sign-in asks for no code until `enable` saw a right
     * one). Returns what the app scans: the otpauth URI and its QR code as SVG.
     */
    async begin(userId: string, email: string): Promise<{ secret: string; otpauthUri: string; qrSvg: string }> {
      const { TOTP, Secret } = otpauth();
      const secret = new Secret({ size: 20 });
      const { rowCount } = await db.query(
        'UPDATE users SET totp_secret = $2, totp_last_step = NULL WHERE id = $1 AND totp_enabled_at IS NULL',
        [userId, keyring.seal(secret.base32)],
      );
      if (!rowCount)
        throw errors.conflict('Two-factor sign-in is on already: turn it off first to set up another app.');
      const uri = new TOTP({ issuer, label: email, secret, period: PERIOD }).toString();
      const qrSvg = await qrcode().toString(uri, { type: 'svg', margin: 1 });
      return { secret: secret.base32, otpauthUri: uri, qrSvg };
    },

    /** Turns it on with a first right code; returns the recovery codes, shown once. */
    async enable(userId: string, code: string): Promise<string[]> {
      if (!(await this.checkCode(userId, code, { pending: true }))) throw errors.wrongCode();
      const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
      await db.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
      await db.query('INSERT INTO recovery_codes (user_id, code_digest) SELECT $1, unnest($2::text[])', [
        userId,
        codes.map((c) => digest(c)),
      ]);
      await db.query('UPDATE users SET totp_enabled_at = now() WHERE id = $1', [userId]);
      return codes;
    },

    async disable(q: Queryable, userId: string): Promise<void> {
      await q.query(
        'UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1',
        [userId],
      );
      await q.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
    },

    /**
     * Whether `code` is the app's code now (a step either side, for clocks that drift) and newer than
     * the last one accepted, or an unused recovery code (then used up). `pending`: the seed of an
     * enrolment not yet confirmed.
     */
    async checkCode(userId: string, code: string, opts: { pending?: boolean } = {}): Promise<boolean> {
      const { rows } = await db.query<{ secret: string | null; email: string; on: boolean; last: number | null }>(
        `SELECT totp_secret AS secret, email, totp_enabled_at IS NOT NULL AS on, totp_last_step AS last
           FROM users WHERE id = $1`,
        [userId],
      );
      const u = rows[0];
      if (!u?.secret || u.on === Boolean(opts.pending)) return false;
      const token = normalCode(code);
      if (/^\d{6}$/.test(token)) {
        const now = Date.now();
        const delta = totpOf(u.secret, u.email).validate({ token, timestamp: now, window: 1 });
        if (delta === null) return false;
        const step = Math.floor(now / 1000 / PERIOD) + delta;
        // Accepted once: the step moves forward atomically, so the same code twice (or at once) fails.
        const { rowCount } = await db.query(
          'UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)',
          [userId, step],
        );
        return Boolean(rowCount);
      }
      if (opts.pending) return false;
      const { rowCount } = await db.query('DELETE FROM recovery_codes WHERE user_id = $1 AND code_digest = $2', [
        userId,
        digest(token),
      ]);
      return Boolean(rowCount);
    },

    async isOn(userId: string): Promise<boolean> {
      const { rows } = await db.query({
        name: 'twoFactor.isOn',
        text: 'SELECT totp_enabled_at IS NOT NULL AS on FROM users WHERE id = $1',
        values: [userId],
      });
      return Boolean(rows[0]?.on);
    },
  };
}

export type TwoFactor = ReturnType<typeof createTwoFactor>;
