// The operator's console through the admin API: who may use it, accounts and their usage, plans and
// what they allow, suspension (sign-in refused, runs cancelled, schedules held, a mail), the audit
// log and the figures. Every change an administrator makes is in the audit log under their name.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { signup, snapshot, startTestApp, type Actor, type TestApp } from '../support/app.ts';
import { localFolder } from '../support/local-space.ts';
import { startDueRuns } from '../../services/worker/runs/schedule.ts';

let t: TestApp;
let root: string;
let admin: Actor;
let user: Actor;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const call = (who: Record<string, string> | undefined, method: Method, url: string, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: who, payload });

async function auditOf(action: string) {
  const { rows } = await t.db.query(
    'SELECT user_id, target_id, details FROM audit_log WHERE action = $1 ORDER BY id DESC',
    [action],
  );
  return rows;
}

async function localCloud(a: Actor, name: string) {
  await localFolder(root, a, name);
  return call(a.bearer, 'POST', '/clouds', { kind: 'local', name, options: { root: name } });
}

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-admin-')));
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root, FERRY_ADMINS: 'ops@example.org' });
  admin = await signup(t, 'ops@example.org');
  user = await signup(t, 'family@example.org');
  // The address FERRY_ADMINS names is confirmed (the mailed link is tested in auth.test.ts).
  await t.db.query('UPDATE users SET email_verified_at = now() WHERE id = $1', [admin.id]);
});
afterAll(async () => {
  await t.close();
  await fs.rm(root, { recursive: true, force: true });
});

describe('who administers', () => {
  test('an address FERRY_ADMINS names administers once it is confirmed; /me says so', async () => {
    expect((await call(admin.bearer, 'GET', '/me')).json().admin).toBe(true);
    expect((await call(user.bearer, 'GET', '/me')).json().admin).toBe(false);
    // Someone who signs up first with a named address, unconfirmed, administers nothing.
    const squatter = await signup(t, 'OPS2@example.org');
    const t2 = await startTestApp({ FERRY_ADMINS: 'ops2@example.org' });
    try {
      const early = await signup(t2, 'ops2@example.org');
      expect((await t2.app.inject({ method: 'GET', url: '/api/v1/me', headers: early.bearer })).json().admin).toBe(
        false,
      );
      const res = await t2.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: early.bearer });
      expect(res.statusCode).toBe(403);
    } finally {
      await t2.close();
    }
    expect((await call(squatter.bearer, 'GET', '/me')).json().admin).toBe(false);
  });

  test('every admin route: 403 to a user who does not administer, 401 signed out; nothing changes', async () => {
    const routes = t.app.routeTable.filter((r) => r.url.startsWith('/api/v1/admin'));
    expect(routes.length).toBeGreaterThanOrEqual(10);
    const before = await snapshot(t.db);
    for (const r of routes) {
      const url = r.url.replace('/api/v1', '').replace(':id', r.url.includes('/plans/') ? 'free' : admin.id);
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
      for (const who of [user.bearer, user.headers]) {
        const res = await call(who, r.method as Method, url, body);
        expect([r.method, r.url, res.statusCode, res.json().error.code]).toEqual([r.method, r.url, 403, 'forbidden']);
        expect(res.body).not.toContain('ops@example.org');
      }
      expect((await call(undefined, r.method as Method, url, body)).statusCode).toBe(401);
    }
    expect(await snapshot(t.db)).toBe(before);
  });
});

describe('accounts', () => {
  test('the list shows each account with its usage, clouds, tasks and last run; search and pages', async () => {
    const src = (await localCloud(user, 'src')).json().id;
    const dst = (await localCloud(user, 'dst')).json().id;
    const task = await call(user.bearer, 'POST', '/tasks', {
      name: 'Photos',
      source: { cloudId: src },
      destination: { cloudId: dst, path: 'backup' },
    });
    const run = (await call(user.bearer, 'POST', `/tasks/${task.json().id}/runs`)).json().run;
    await t.db.query(
      `INSERT INTO usage (user_id, period_start, used_bytes) VALUES ($1, date_trunc('month', now()), 123456)`,
      [user.id],
    );

    const found = await call(admin.bearer, 'GET', '/admin/users?q=FAMILY');
    expect(found.statusCode).toBe(200);
    expect(found.json().items).toHaveLength(1);
    const u = found.json().items[0];
    expect(u).toMatchObject({
      id: user.id,
      email: 'family@example.org',
      plan: 'free',
      trafficLimitBytes: null,
      admin: false,
      suspendedAt: null,
      clouds: 2,
      tasks: 1,
      usage: { usedBytes: 123456, limitBytes: 5 * 1024 ** 3 },
      lastRun: { id: run.id, status: 'queued', finishedAt: null },
    });
    // A search for "%" is a percent sign, not every address.
    expect((await call(admin.bearer, 'GET', '/admin/users?q=%25')).json().items).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(admin.bearer, 'GET', `/admin/users?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...res.json().items.map((i: { email: string }) => i.email));
      cursor = res.json().nextCursor;
    } while (cursor);
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
    expect(new Set(seen).size).toBe(rows[0].n);
    expect(seen).toContain('ops@example.org');
    // The operator FERRY_ADMINS names is shown as one.
    const ops = await call(admin.bearer, 'GET', '/admin/users?q=ops');
    expect(ops.json().items.map((i: { email: string; admin: boolean }) => [i.email, i.admin])).toEqual([
      ['ops@example.org', true],
      ['OPS2@example.org', false],
    ]);

    expect((await call(admin.bearer, 'GET', `/admin/users/${user.id}`)).json().email).toBe('family@example.org');
    expect((await call(admin.bearer, 'GET', `/admin/users/${crypto.randomUUID()}`)).statusCode).toBe(404);
  });

  test("a user's plan and own traffic: set, shown in their /me, audited; an unknown plan changes nothing", async () => {
    const set = await call(admin.headers, 'PATCH', `/admin/users/${user.id}`, { trafficLimitBytes: 10 * 1024 ** 3 });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ trafficLimitBytes: 10 * 1024 ** 3, usage: { limitBytes: 10 * 1024 ** 3 } });
    expect((await call(user.bearer, 'GET', '/me')).json().usage.limitBytes).toBe(10 * 1024 ** 3);
    const [entry] = await auditOf('admin.user.update');
    expect(entry).toMatchObject({
      user_id: admin.id,
      target_id: user.id,
      details: { before: { plan: 'free', trafficLimitBytes: null }, after: { trafficLimitBytes: 10 * 1024 ** 3 } },
    });

    const before = await snapshot(t.db);
    const unknown = await call(admin.bearer, 'PATCH', `/admin/users/${user.id}`, { plan: 'platinum' });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([400, 'invalid_request']);
    expect(unknown.json().error.message).toMatch(/no plan "platinum"/);
    const empty = await call(admin.bearer, 'PATCH', `/admin/users/${user.id}`, {});
    expect(empty.statusCode).toBe(400);
    expect(await snapshot(t.db)).toBe(before);

    await call(admin.bearer, 'PATCH', `/admin/users/${user.id}`, { trafficLimitBytes: null });
    expect((await call(user.bearer, 'GET', '/me')).json().usage.limitBytes).toBe(5 * 1024 ** 3);
  });
});

describe('plans', () => {
  test('what a plan allows holds: tasks, clouds and providers; its changes apply at once', async () => {
    const small = {
      id: 'small',
      name: 'Small',
      monthlyTrafficBytes: 1024 ** 3,
      maxTasks: 1,
      maxClouds: 3,
      allowedProviders: ['local'],
    };
    const created = await call(admin.bearer, 'POST', '/admin/plans', small);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ ...small, users: 0 });
    expect((await call(admin.bearer, 'POST', '/admin/plans', small)).statusCode).toBe(409);
    expect((await auditOf('admin.plan.create'))[0]).toMatchObject({ user_id: admin.id, target_id: 'small' });

    const member = await signup(t);
    await call(admin.bearer, 'PATCH', `/admin/users/${member.id}`, { plan: 'small' });
    expect((await call(member.bearer, 'GET', '/me')).json()).toMatchObject({
      plan: 'small',
      usage: { limitBytes: 1024 ** 3 },
    });

    const s3 = await call(member.bearer, 'POST', '/clouds', {
      kind: 's3',
      name: 'S3',
      options: { region: 'us-east-1', bucket: 'b', accessKeyId: 'k', secretAccessKey: 's' },
    });
    expect([s3.statusCode, s3.json().error.code]).toEqual([403, 'plan_limit']);
    expect(s3.json().error.message).toMatch(/does not include s3 clouds; it includes: local/);
    const oauth = await call(member.headers, 'GET', '/oauth/dropbox/start');
    expect([oauth.statusCode, oauth.json().error.code]).toEqual([403, 'plan_limit']);

    // Three at once where two more fit: the plan's limit holds between concurrent requests.
    expect((await localCloud(member, 'one')).statusCode).toBe(201);
    await Promise.all(['two', 'three', 'four'].map((n) => localFolder(root, member, n)));
    const racing = await Promise.all(
      ['two', 'three', 'four'].map((n) =>
        call(member.bearer, 'POST', '/clouds', { kind: 'local', name: n, options: { root: n } }),
      ),
    );
    expect(racing.map((r) => r.statusCode).sort()).toEqual([201, 201, 403]);
    expect(racing.find((r) => r.statusCode === 403)!.json().error.message).toMatch(/allows 3 clouds: remove one/);
    const { rows: clouds } = await t.db.query('SELECT id FROM clouds WHERE user_id = $1 ORDER BY created_at', [
      member.id,
    ]);
    expect(clouds).toHaveLength(3);

    const task = (name: string) =>
      call(member.bearer, 'POST', '/tasks', {
        name,
        source: { cloudId: clouds[0].id },
        destination: { cloudId: clouds[1].id, path: name },
      });
    expect((await task('first')).statusCode).toBe(201);
    const second = await task('second');
    expect([second.statusCode, second.json().error.code]).toEqual([403, 'plan_limit']);
    expect(second.json().error.message).toMatch(/Your plan \(Small\) allows 1 task: delete one first/);

    const changed = await call(admin.bearer, 'PATCH', '/admin/plans/small', { maxTasks: null, name: 'Small+' });
    expect(changed.json()).toMatchObject({ name: 'Small+', maxTasks: null, maxClouds: 3, users: 1 });
    expect((await task('second')).statusCode).toBe(201);
    expect((await auditOf('admin.plan.update'))[0]).toMatchObject({
      user_id: admin.id,
      details: { before: { maxTasks: 1, name: 'Small' }, after: { maxTasks: null, name: 'Small+' } },
    });

    const inUse = await call(admin.bearer, 'DELETE', '/admin/plans/small');
    expect([inUse.statusCode, inUse.json().error.message]).toEqual([
      409,
      '1 account is on the plan "Small+": move them to another first.',
    ]);
    expect((await call(admin.bearer, 'DELETE', '/admin/plans/free')).statusCode).toBe(409);
    expect((await call(admin.bearer, 'DELETE', '/admin/plans/nothing-such')).statusCode).toBe(404);
    await call(admin.bearer, 'PATCH', `/admin/users/${member.id}`, { plan: 'free' });
    expect((await call(admin.bearer, 'DELETE', '/admin/plans/small')).statusCode).toBe(204);
    expect((await auditOf('admin.plan.remove'))[0]).toMatchObject({ user_id: admin.id, target_id: 'small' });
    const list = await call(admin.bearer, 'GET', '/admin/plans');
    expect(list.json().items.map((p: { id: string }) => p.id)).toEqual(['free']);
  });
});

describe('suspension', () => {
  test('suspended: no sign-in, no token, runs cancelled, schedules held, a mail; resumed: all back', async () => {
    const victim = await signup(t, 'suspended@example.org');
    await call(victim.bearer, 'PATCH', '/me', { locale: 'de' });
    await localCloud(victim, 'src');
    await localCloud(victim, 'dst');
    const { rows: vc } = await t.db.query('SELECT id FROM clouds WHERE user_id = $1 ORDER BY created_at', [victim.id]);
    const task = (
      await call(victim.bearer, 'POST', '/tasks', {
        name: 'Nightly',
        source: { cloudId: vc[0].id },
        destination: { cloudId: vc[1].id, path: 'n' },
        schedule: { frequency: 'daily', time: '03:00', timezone: 'Europe/Berlin' },
      })
    ).json();
    const run = (await call(victim.bearer, 'POST', `/tasks/${task.id}/runs`)).json().run;

    expect((await call(admin.bearer, 'POST', `/admin/users/${admin.id}/suspend`, {})).statusCode).toBe(409);
    const res = await call(admin.headers, 'POST', `/admin/users/${victim.id}/suspend`, {
      reason: 'Payment overdue.',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().suspendedReason).toBe('Payment overdue.');
    expect(res.json().suspendedAt).not.toBeNull();
    expect((await call(admin.bearer, 'POST', `/admin/users/${victim.id}/suspend`)).statusCode).toBe(409);

    // Signed out everywhere: the session is gone, the token refused with the reason, a login too.
    expect((await call(victim.headers, 'GET', '/me')).statusCode).toBe(401);
    const byToken = await call(victim.bearer, 'GET', '/me');
    expect([byToken.statusCode, byToken.json().error.code]).toEqual([403, 'account_suspended']);
    const login = await call(undefined, 'POST', '/auth/login', {
      email: victim.email,
      password: 'correct horse battery',
    });
    expect([login.statusCode, login.json().error.code]).toEqual([403, 'account_suspended']);
    expect(login.cookies).toEqual([]);
    // Without the password, nothing tells that the account exists or is suspended.
    const wrong = await call(undefined, 'POST', '/auth/login', { email: victim.email, password: 'wrong password!' });
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([401, 'invalid_credentials']);

    const { rows: runs } = await t.db.query('SELECT status FROM runs WHERE id = $1', [run.id]);
    expect(runs[0].status).toBe('cancelled');
    const { rows: held } = await t.db.query('SELECT next_run_at FROM tasks WHERE id = $1', [task.id]);
    expect(held[0].next_run_at).toBeNull();
    // A scheduler tick a week on starts nothing of theirs.
    await startDueRuns(t.db, t.boss, new Date(Date.now() + 7 * 86_400_000));
    const { rows: after } = await t.db.query('SELECT count(*)::int AS n FROM runs WHERE user_id = $1', [victim.id]);
    expect(after[0].n).toBe(1);

    const { rows: mails } = await t.db.query(
      `SELECT kind, recipient, subject, text_body FROM mail_outbox WHERE user_id = $1 ORDER BY created_at`,
      [victim.id],
    );
    expect(mails.map((m) => [m.kind, m.recipient, m.subject])).toEqual([
      ['account_suspended', victim.email, 'Ferry: Ihr Konto ist gesperrt'],
    ]);
    expect(mails[0].text_body).toContain('Ihr Konto gesperrt: Payment overdue. Ihre Sicherungen sind angehalten');
    const [entry] = await auditOf('admin.user.suspend');
    expect(entry).toMatchObject({
      user_id: admin.id,
      target_id: victim.id,
      details: { reason: 'Payment overdue.', cancelledRuns: 1 },
    });
    const { rows: refused } = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.login_suspended' AND user_id = $1`,
      [victim.id],
    );
    expect(refused[0].n).toBe(1);
    expect((await call(admin.bearer, 'GET', '/admin/users?suspended=true')).json().items).toEqual([
      expect.objectContaining({ id: victim.id }),
    ]);

    const resumed = await call(admin.bearer, 'POST', `/admin/users/${victim.id}/resume`);
    expect([resumed.statusCode, resumed.json().suspendedAt]).toEqual([200, null]);
    expect((await call(admin.bearer, 'POST', `/admin/users/${victim.id}/resume`)).statusCode).toBe(409);
    expect((await call(victim.bearer, 'GET', '/me')).statusCode).toBe(200);
    const again = await call(undefined, 'POST', '/auth/login', {
      email: victim.email,
      password: 'correct horse battery',
    });
    expect(again.statusCode).toBe(200);
    const { rows: released } = await t.db.query('SELECT next_run_at FROM tasks WHERE id = $1', [task.id]);
    expect(released[0].next_run_at.getTime()).toBeGreaterThan(Date.now());
    const { rows: last } = await t.db.query(
      `SELECT kind, subject FROM mail_outbox WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [victim.id],
    );
    expect(last[0]).toEqual({ kind: 'account_resumed', subject: 'Ferry: Ihr Konto ist wieder aktiv' });
    expect((await auditOf('admin.user.resume'))[0]).toMatchObject({ user_id: admin.id, target_id: victim.id });
  });
});

describe('the audit log and the figures', () => {
  test('the log lists actions newest first, by action prefix or user, with who acted, page by page', async () => {
    const res = await call(admin.bearer, 'GET', '/admin/audit?action=admin.&limit=2');
    expect(res.statusCode).toBe(200);
    const first = res.json().items;
    expect(first).toHaveLength(2);
    expect(first[0].action).toBe('admin.user.resume');
    expect(first[0]).toMatchObject({ userId: admin.id, userEmail: 'ops@example.org' });
    expect(first[0].id).toBeGreaterThan(first[1].id);
    const next = await call(admin.bearer, 'GET', `/admin/audit?action=admin.&limit=2&cursor=${res.json().nextCursor}`);
    expect(next.json().items[0].id).toBeLessThan(first[1].id);
    const all = await call(admin.bearer, 'GET', '/admin/audit?action=admin.&limit=200');
    const actions = new Set(all.json().items.map((i: { action: string }) => i.action));
    expect([...actions].sort()).toEqual([
      'admin.plan.create',
      'admin.plan.remove',
      'admin.plan.update',
      'admin.user.resume',
      'admin.user.suspend',
      'admin.user.update',
    ]);
    const mine = await call(admin.bearer, 'GET', `/admin/audit?userId=${user.id}`);
    expect(mine.json().items.every((i: { userId: string }) => i.userId === user.id)).toBe(true);
    expect(mine.json().items.map((i: { action: string }) => i.action)).toContain('task.create');
    expect((await call(admin.bearer, 'GET', '/admin/audit?action=DROP%20TABLE')).statusCode).toBe(400);
  });

  test('the figures count what is in the database', async () => {
    const res = await call(admin.bearer, 'GET', '/admin/stats');
    expect(res.statusCode).toBe(200);
    const { rows } = await t.db.query(
      `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM clouds) AS clouds,
              (SELECT count(*)::int FROM tasks) AS tasks, (SELECT count(*)::int FROM tasks WHERE schedule IS NOT NULL)
              AS scheduled`,
    );
    expect(res.json()).toMatchObject({
      users: { total: rows[0].users, suspended: 0, admins: 1 },
      clouds: { total: rows[0].clouds, byKind: { local: rows[0].clouds } },
      tasks: { total: rows[0].tasks, scheduled: rows[0].scheduled },
      runs: { queued: 1 },
      traffic: { usedBytes: 123456 },
    });
  });
});
