// `npm run ferry -- <command>`: the operator's console on the server. Reads the same configuration
// as `npm start` (DATABASE_URL, or the embedded PostgreSQL in FERRY_DATA_DIR: joined when a running
// Ferry has it up, else started for the command and stopped after).
import { parseArgs } from 'node:util';
import { PgBoss } from 'pg-boss';
import { ConfigError, loadConfig, type Config } from '../core/config.ts';
import { createPool, MigrationError, pendingMigrations } from '../core/db.ts';
import { DataFolderInUseError, embeddedDatabase, runningEmbeddedPostgres } from '../core/embedded-postgres.ts';
import { AppError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { BOSS_SCHEMA } from '../core/queues.ts';
import * as commands from './commands.ts';
import path from 'node:path';

const USAGE = `Usage: npm run ferry -- <command> [options]

  migrate                               apply the database migrations (npm start does too)
  users [--search TEXT] [--suspended] [--json]
                                        every account: plan, traffic, clouds, tasks, last run
  plan [list] [--json]                  the plans
  plan create ID --name NAME --traffic 50GB [--max-tasks N] [--max-clouds N] [--providers s3,local]
  plan update ID [--name …] [--traffic …] [--max-tasks N|none] [--max-clouds N|none] [--providers …|all]
  plan remove ID                        a plan no account is on
  plan set EMAIL [PLAN] [--traffic 100GB|plan]
                                        a user's plan and/or own monthly traffic ("plan": the plan's)
  suspend EMAIL [--reason TEXT]         sign-in refused, runs cancelled, schedules held; the user is mailed
  resume EMAIL                          lift a suspension
  promote EMAIL [--revoke]              make a user an administrator (or no longer)
  stats [--json]                        the service's figures

EMAIL may also be the account's id. Every change is written to the audit log.`;

const OPTIONS = {
  search: { type: 'string' },
  suspended: { type: 'boolean' },
  json: { type: 'boolean' },
  name: { type: 'string' },
  traffic: { type: 'string' },
  'max-tasks': { type: 'string' },
  'max-clouds': { type: 'string' },
  providers: { type: 'string' },
  reason: { type: 'string' },
  revoke: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The database: the configured one, the running Ferry's embedded one, or the embedded one started now. */
async function database(config: Readonly<Config>): Promise<{ url: string; close: () => Promise<void> }> {
  if (config.databaseUrl) return { url: config.databaseUrl, close: async () => {} };
  try {
    const { server, url } = await embeddedDatabase(config.dataDir, createLogger('silent'));
    return { url, close: () => server.stop() };
  } catch (err) {
    if (!(err instanceof DataFolderInUseError)) throw err;
    const url = await runningEmbeddedPostgres(path.join(config.dataDir, 'pg'), 'ferry');
    if (!url) throw err;
    return { url, close: async () => {} };
  }
}

/**
 * Runs one command; answers its exit status: 0 done, 1 refused or failed (one line on `err` that
 * says why), 2 no such command or option (with the usage).
 */
export async function cli(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  try {
    return await run(argv, out, err);
  } catch (e) {
    // What the operator can act on, without a stack trace; anything else in full.
    if (
      e instanceof AppError ||
      e instanceof ConfigError ||
      e instanceof MigrationError ||
      e instanceof DataFolderInUseError
    )
      err(`ferry: ${e.message}`);
    else err(String((e as Error).stack ?? e));
    return 1;
  }
}

async function run(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (e) {
    err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...args] = parsed.positionals;
  const known = ['migrate', 'users', 'plan', 'suspend', 'resume', 'promote', 'stats'];
  if (parsed.values.help || !command || !known.includes(command)) {
    (command && !parsed.values.help ? err : out)(
      command && !known.includes(command) ? `Unknown command "${command}".\n\n${USAGE}` : USAGE,
    );
    return command && !parsed.values.help ? 2 : 0;
  }

  const config = loadConfig();
  const target = await database(config);
  const db = createPool(target.url, 2);
  // Sends jobs only (a mail, a run's finalize): the workers do them.
  const boss = new PgBoss({
    connectionString: target.url,
    schema: BOSS_SCHEMA,
    supervise: false,
    schedule: false,
    useListenNotify: false,
    max: 2,
  });
  boss.on('error', () => {});
  try {
    if (command !== 'migrate') {
      const pending = await pendingMigrations(db);
      if (pending.length)
        throw new MigrationError(
          `The database lacks ${pending.length} migration${pending.length === 1 ? '' : 's'} ` +
            `(${pending.join(', ')}): run \`npm run ferry -- migrate\` first.`,
        );
    }
    await boss.start();
    const ctx: commands.Context = { db, boss, config, out };
    const f = parsed.values;
    if (command === 'migrate') await commands.runMigrate(ctx);
    else if (command === 'users') await commands.runUsers(ctx, f);
    else if (command === 'plan') await commands.runPlan(ctx, args, f);
    else if (command === 'suspend') await commands.runSuspend(ctx, args, f);
    else if (command === 'resume') await commands.runResume(ctx, args);
    else if (command === 'promote') await commands.runPromote(ctx, args, f);
    else await commands.runStats(ctx, f);
    return 0;
  } finally {
    await boss.stop({ graceful: false, timeout: 2000 }).catch(() => {});
    await db.end();
    await target.close();
  }
}

if (import.meta.main) {
  process.exitCode = await cli(
    process.argv.slice(2),
    (line) => console.log(line),
    (line) => console.error(line),
  );
}
