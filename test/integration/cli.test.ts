// `npm run ferry -- …` as an operator runs it on the server, on the same database as a running API:
// what it prints, its exit status, what changed (the rows, the API's answers, the mail queued) and
// the audit log entry each change leaves. The commands run here through the entry point's own
// function (a process each would cost a second); the first test runs the real entry in processes.
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { signup, snapshot, startTestApp, type Actor, type TestApp } from '../support/app.ts';
import { createTestDatabase } from '../support/db.ts';
import { cli } from '../../services/cli/main.ts';

const ENTRY = path.resolve(import.meta.dirname, '../../services/cli/main.ts');
let t: TestApp & { url: string };
let user: Actor;

type Result = { code: number; stdout: string; stderr: string };
const lines = (l: string[]) => l.map((x) => `${x}\n`).join('');

/** A command, as the entry point runs it; output as a terminal would show it. */
async function ferry(args: string[], url = t.url): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = url;
  try {
    const code = await cli(
      args,
      (l) => out.push(l),
      (l) => err.push(l),
    );
    return { code, stdout: lines(out), stderr: lines(err) };
  } finally {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
}

/** A command in a process of its own: node running the entry point, as `npm run ferry` does. */
async function ferryProcess(args: string[], url = t.url): Promise<Result> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [ENTRY, ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: url },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function lastAudit(action: string) {
  const { rows } = await t.db.query(
    'SELECT user_id, target_id, details FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1',
    [action],
  );
  return rows[0];
}

beforeAll(async () => {
  t = await startTestApp();
  user = await signup(t, 'Grandma@example.org');
});
afterAll(async () => {
  await t.close();
});

test('migrate applies what an empty database lacks, once; other commands ask for it first', async () => {
  const empty = await createTestDatabase({ migrated: false });
  try {
    const early = await ferryProcess(['users'], empty.url);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(
      /^ferry: The database lacks \d+ migrations \(0001-initial\.sql.*run `npm run ferry -- migrate` first\.\n$/,
    );
    const first = await ferryProcess(['migrate'], empty.url);
    expect([first.code, first.stdout]).toEqual([
      0,
      expect.stringMatching(/^Applied 0001-initial\.sql(, \d{4}-[a-z0-9-]+\.sql)+\.\n$/),
    ]);
    expect((await ferry(['migrate'], empty.url)).stdout).toBe('The database is up to date.\n');
    expect((await ferry(['users'], empty.url)).stdout).toMatch(/^EMAIL +PLAN.*\n0 accounts/);
  } finally {
    await empty.drop({ waitForConnections: 2000 });
  }
});

describe('on a database in use', () => {
  test('users and stats say what is there, as text and as JSON', async () => {
    const text = await ferry(['users', '--search', 'grandma']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^EMAIL {2,}PLAN {2,}TRAFFIC.*\nGrandma@example\.org +free +0 B \/ 5\.0 GiB +0 +0 +- +active\n1 account\./,
    );
    const json = JSON.parse((await ferry(['users', '--json'])).stdout);
    expect(json).toEqual([expect.objectContaining({ id: user.id, email: 'Grandma@example.org', plan: 'free' })]);
    const stats = JSON.parse((await ferry(['stats', '--json'])).stdout);
    expect(stats.users).toMatchObject({ total: 1, suspended: 0 });
  });

  test('plans: create, change, give to a user with their own traffic, remove; each audited as the CLI', async () => {
    const created = await ferry([
      'plan',
      'create',
      'family',
      '--name',
      'Family',
      '--traffic',
      '1TB',
      '--max-tasks',
      '10',
      '--providers',
      'local,s3',
    ]);
    expect([created.code, created.stdout]).toEqual([0, 'Created plan family.\n']);
    expect(await lastAudit('admin.plan.create')).toMatchObject({
      user_id: null,
      target_id: 'family',
      details: {
        via: 'cli',
        operator: os.userInfo().username,
        plan: { id: 'family', monthlyTrafficBytes: 1e12, maxTasks: 10 },
      },
    });
    await ferry(['plan', 'update', 'family', '--max-clouds', '5', '--max-tasks', 'none']);
    const listed = JSON.parse((await ferry(['plan', 'list', '--json'])).stdout);
    expect(listed.find((p: { id: string }) => p.id === 'family')).toEqual({
      id: 'family',
      name: 'Family',
      monthlyTrafficBytes: 1e12,
      maxTasks: null,
      maxClouds: 5,
      allowedProviders: ['local', 's3'],
      users: 0,
    });

    const set = await ferry(['plan', 'set', 'grandma@EXAMPLE.org', 'family', '--traffic', '2TiB']);
    expect(set.stdout).toBe('Grandma@example.org: plan family, 2.0 TiB a month (their own limit).\n');
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: user.bearer });
    expect(me.json()).toMatchObject({ plan: 'family', usage: { limitBytes: 2 * 1024 ** 4 } });
    expect(await lastAudit('admin.user.update')).toMatchObject({
      target_id: user.id,
      details: { via: 'cli', before: { plan: 'free', trafficLimitBytes: null } },
    });

    const busy = await ferry(['plan', 'remove', 'family']);
    expect([busy.code, busy.stderr]).toEqual([
      1,
      'ferry: 1 account is on the plan "Family": move them to another first.\n',
    ]);
    await ferry(['plan', 'set', user.id, 'free', '--traffic', 'plan']);
    expect((await ferry(['plan', 'remove', 'family'])).stdout).toBe('Removed plan family.\n');
  });

  test('suspend and resume: sign-in refused, then allowed; the user is mailed both times', async () => {
    const s = await ferry(['suspend', 'grandma@example.org', '--reason', 'Too many requests']);
    expect(s.stdout).toBe(
      'Suspended Grandma@example.org: signed out, 0 runs cancelled, schedules held; a mail is on its way.\n',
    );
    const login = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'grandma@example.org', password: 'correct horse battery' },
      });
    expect((await login()).json().error.code).toBe('account_suspended');
    expect((await ferry(['users', '--suspended'])).stdout).toMatch(/Grandma@example\.org .* suspended\n/);
    expect(await lastAudit('admin.user.suspend')).toMatchObject({
      target_id: user.id,
      details: { via: 'cli', reason: 'Too many requests' },
    });
    expect((await ferry(['resume', 'grandma@example.org'])).code).toBe(0);
    expect((await login()).statusCode).toBe(200);
    const { rows } = await t.db.query('SELECT kind FROM mail_outbox WHERE user_id = $1 ORDER BY created_at', [user.id]);
    expect(rows.map((r) => r.kind)).toEqual(['account_suspended', 'account_resumed']);
  });

  test('promote makes an administrator the admin API answers; --revoke takes it back', async () => {
    const admin = () => t.app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: user.bearer });
    expect((await admin()).statusCode).toBe(403);
    expect((await ferry(['promote', 'grandma@example.org'])).stdout).toBe(
      'Grandma@example.org administers this Ferry now.\n',
    );
    expect((await admin()).statusCode).toBe(200);
    expect((await ferry(['promote', 'grandma@example.org'])).stdout).toMatch(/already promoted: nothing changed/);
    await ferry(['promote', 'grandma@example.org', '--revoke']);
    expect((await admin()).statusCode).toBe(403);
    expect(await lastAudit('admin.user.demote')).toMatchObject({ target_id: user.id, details: { via: 'cli' } });
  });

  test('bad input: a clear message and status, and nothing changes', async () => {
    const before = await snapshot(t.db);
    const cases: [string[], number, RegExp][] = [
      [['frobnicate'], 2, /^Unknown command "frobnicate"\.\n\nUsage: npm run ferry/],
      [['users', '--colour'], 2, /Unknown option '--colour'/],
      [['suspend'], 1, /^ferry: Missing the account \(suspend <email>/],
      [['suspend', 'nobody@example.org'], 1, /^ferry: User nobody@example\.org not found\.\n$/],
      [['plan', 'create', 'Big Plan', '--name', 'x', '--traffic', '1GB'], 1, /Plan ids are lower-case/],
      [['plan', 'create', 'big', '--name', 'x', '--traffic', 'lots'], 1, /"lots" is not a size: write it like 50GB/],
      [['plan', 'create', 'big', '--name', 'x', '--traffic', '1GB', '--providers', 'ftp'], 1, /Unknown provider ftp/],
      [
        ['plan', 'create', 'big', '--name', 'x', '--traffic', '1GB', '--max-tasks', '2.5'],
        1,
        /--max-tasks takes a whole number/,
      ],
      [['plan', 'set', 'grandma@example.org', 'platinum'], 1, /There is no plan "platinum"/],
      [['plan', 'remove', 'free'], 1, /The free plan is every new account’s/],
      [['resume', 'grandma@example.org'], 1, /^ferry: This account is not suspended\.\n$/],
    ];
    for (const [args, code, message] of cases) {
      const r = await ferry(args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code, stderr: expect.stringMatching(message) });
      expect(r.stdout).toBe('');
    }
    expect(await snapshot(t.db)).toBe(before);
    expect((await ferry(['--help'])).stdout).toMatch(/^Usage: npm run ferry -- <command>/);
    // The entry point itself: its exit status and streams.
    const unknown = await ferryProcess(['frobnicate']);
    expect([unknown.code, unknown.stdout, unknown.stderr]).toEqual([2, '', expect.stringMatching(/^Unknown command/)]);
    const missing = await ferryProcess(['suspend', 'nobody@example.org']);
    expect([missing.code, missing.stderr]).toEqual([1, 'ferry: User nobody@example.org not found.\n']);
  });
});
