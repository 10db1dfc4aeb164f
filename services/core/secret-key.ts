// Loads the key that seals cloud credentials (and webhook secrets) and proves,
// before anything else runs, that it is the key the database's secrets were sealed with.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.ts';
import { createKeyring, generateKey, KeyError, parseKey, type Keyring } from './crypto.ts';
import type { Db } from './db.ts';

const CHECK_PLAINTEXT = 'ferry-secret-key-check';

export async function loadKeyring(config: Pick<Config, 'secretKey' | 'dataDir'>, db: Db): Promise<Keyring> {
  const keyFile = path.join(config.dataDir, 'secret.key');
  const { rows } = await db.query<{ sealed: string }>('SELECT sealed FROM secret_key_check WHERE id = 1');
  const check = rows[0]?.sealed;

  let keyText = config.secretKey;
  let source = 'FERRY_SECRET_KEY';
  if (!keyText) {
    source = keyFile;
    keyText = await fs.readFile(keyFile, 'utf8').catch(() => undefined);
    if (keyText === undefined) {
      if (check) {
        throw new KeyError(
          `The secret key is missing: this database holds credentials sealed with a key, ` +
            `but FERRY_SECRET_KEY is unset and ${keyFile} does not exist. ` +
            'Restore that file or set FERRY_SECRET_KEY to the original key.',
        );
      }
      keyText = generateKey();
      await fs.mkdir(config.dataDir, { recursive: true });
      await fs.writeFile(keyFile, `${keyText}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err) => {
        // Another process starting at the same moment wrote it first: use theirs.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        keyText = await fs.readFile(keyFile, 'utf8');
      });
    }
  }

  let keyring: Keyring;
  try {
    keyring = createKeyring(keyText.split(',').map((k) => parseKey(k)));
  } catch (err) {
    throw new KeyError(`${source}: ${(err as Error).message}`);
  }

  if (!check) {
    // ON CONFLICT: a second process starting at the same moment may have sealed it first.
    await db.query('INSERT INTO secret_key_check (id, sealed) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [
      keyring.seal(CHECK_PLAINTEXT),
    ]);
  }
  return loadKeyringChecked(keyring, db, source);
}

async function loadKeyringChecked(keyring: Keyring, db: Db, source: string): Promise<Keyring> {
  const { rows } = await db.query<{ sealed: string }>('SELECT sealed FROM secret_key_check WHERE id = 1');
  try {
    if (keyring.open(rows[0].sealed) !== CHECK_PLAINTEXT) throw new KeyError('check value differs');
  } catch (err) {
    throw new KeyError(
      `The secret key from ${source} is not the key this database's ` +
        `credentials were sealed with (${(err as Error).message}). ` +
        'Set FERRY_SECRET_KEY to the original key; ' +
        'to rotate, list the new key first and the old one after it, separated by a comma.',
    );
  }
  await rewrapOldSecrets(keyring, db);
  return keyring;
}

/** After a rotation, reseal everything still sealed with an older key, so the old key can be dropped. */
async function rewrapOldSecrets(keyring: Keyring, db: Db): Promise<void> {
  const { rows } = await db.query<{ sealed: string }>('SELECT sealed FROM secret_key_check WHERE id = 1');
  if (!rows[0].sealed.startsWith(`v1:${keyring.currentId}:`)) {
    await db.query('UPDATE secret_key_check SET sealed = $1 WHERE id = 1', [keyring.seal(CHECK_PLAINTEXT)]);
  }
  const old = await db.query<{ id: string; secrets: string }>(
    'SELECT id, secrets FROM clouds WHERE secrets IS NOT NULL AND key_id <> $1',
    [keyring.currentId],
  );
  for (const row of old.rows) {
    await db.query('UPDATE clouds SET secrets = $2, key_id = $3 WHERE id = $1 AND secrets = $4', [
      row.id,
      keyring.seal(keyring.open(row.secrets)),
      keyring.currentId,
      row.secrets,
    ]);
  }
  const hooks = await db.query<{ id: string; webhook_secret: string }>(
    'SELECT id, webhook_secret FROM tasks WHERE webhook_secret IS NOT NULL AND webhook_key_id <> $1',
    [keyring.currentId],
  );
  for (const row of hooks.rows) {
    await db.query('UPDATE tasks SET webhook_secret = $2, webhook_key_id = $3 WHERE id = $1 AND webhook_secret = $4', [
      row.id,
      keyring.seal(keyring.open(row.webhook_secret)),
      keyring.currentId,
      row.webhook_secret,
    ]);
  }
}
