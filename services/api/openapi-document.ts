// Ferry's OpenAPI document without a running server: the app is built against a database it never
// reaches (building registers routes and schemas only), which is how the web app's client types
// are generated and checked.
import crypto from 'node:crypto';
import { PgBoss } from 'pg-boss';
import { loadConfig } from '../core/config.ts';
import { createKeyring } from '../core/crypto.ts';
import { createPool } from '../core/db.ts';
import { buildApp } from './app.ts';

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const nowhere = 'postgres://ferry@127.0.0.1:1/none';
  const config = loadConfig({ FERRY_DATA_DIR: '/nonexistent', FERRY_PUBLIC_URL: 'http://127.0.0.1:3000' });
  const db = createPool(nowhere, 1);
  const app = await buildApp({
    config,
    db,
    boss: new PgBoss({ connectionString: nowhere }),
    keyring: createKeyring([crypto.randomBytes(32)]),
    logger: false,
  });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    await db.end();
  }
}
