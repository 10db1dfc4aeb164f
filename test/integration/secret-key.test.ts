import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { KeyError, keyId } from '../../services/core/crypto.ts';
import { createPool, type Db } from '../../services/core/db.ts';
import { loadKeyring } from '../../services/core/secret-key.ts';
import { createTestDatabase } from '../support/db.ts';

let db: Db;
let drop: () => Promise<void>;
let dataDir: string;
beforeAll(async () => {
  const d = await createTestDatabase();
  db = createPool(d.url, 2);
  drop = d.drop;
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-key-'));
});
afterAll(async () => {
  await db.end();
  await drop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const b64 = () => crypto.randomBytes(32).toString('base64');

test('first start generates a key file readable by its owner only, and later starts reuse it', async () => {
  const first = await loadKeyring({ dataDir }, db);
  const file = path.join(dataDir, 'secret.key');
  const st = await fs.stat(file);
  expect(st.mode & 0o777).toBe(0o600);
  const second = await loadKeyring({ dataDir }, db);
  expect(second.currentId).toBe(first.currentId);
  expect(second.open(first.seal('hello'))).toBe('hello');
});

test('a different key is refused at start with a clear error', async () => {
  await expect(loadKeyring({ dataDir, secretKey: b64() }, db)).rejects.toSatisfy((err: Error) => {
    expect(err).toBeInstanceOf(KeyError);
    expect(err.message).toMatch(/FERRY_SECRET_KEY is not the key this database's credentials were sealed with/);
    return true;
  });
});

test('a missing key file is refused at start rather than replaced', async () => {
  const other = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-key-'));
  try {
    await expect(loadKeyring({ dataDir: other }, db)).rejects.toThrow(/The secret key is missing/);
    // no new key was written
    await expect(fs.stat(path.join(other, 'secret.key'))).rejects.toThrow(/ENOENT/);
  } finally {
    await fs.rm(other, { recursive: true });
  }
});

test('a malformed key is refused with how to make one', async () => {
  for (const bad of ['short', Buffer.alloc(16).toString('base64'), 'not base64 at all!!!!!!!!!!!!!!!!!!!!!!!!!']) {
    await expect(loadKeyring({ dataDir, secretKey: bad }, db)).rejects.toThrow(/32 random bytes in base64/);
  }
});

test('rotation: new key first, old after it; everything is resealed with the new one', async () => {
  const old = (await fs.readFile(path.join(dataDir, 'secret.key'), 'utf8')).trim();
  const oldRing = await loadKeyring({ dataDir }, db);
  const user = await db.query("INSERT INTO users (email, password_hash) VALUES ('r@example.com', 'x') RETURNING id");
  await db.query("INSERT INTO clouds (user_id, kind, name, secrets, key_id) VALUES ($1, 's3', 'c', $2, $3)", [
    user.rows[0].id,
    oldRing.seal('{"secretAccessKey":"abc"}'),
    oldRing.currentId,
  ]);
  const fresh = b64();
  const ring = await loadKeyring({ dataDir, secretKey: `${fresh},${old}` }, db);
  expect(ring.currentId).toBe(keyId(Buffer.from(fresh, 'base64')));
  const { rows } = await db.query('SELECT secrets, key_id FROM clouds');
  expect(rows[0].key_id).toBe(ring.currentId);
  expect(ring.open(rows[0].secrets)).toBe('{"secretAccessKey":"abc"}');
  // The old key is no longer needed.
  const alone = await loadKeyring({ dataDir, secretKey: fresh }, db);
  expect(alone.open(rows[0].secrets)).toBe('{"secretAccessKey":"abc"}');
});
