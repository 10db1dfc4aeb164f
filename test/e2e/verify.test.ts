// Verification runs, through a worker: a backup to a local folder, one to S3 (s3rver) and one to an
// encrypted folder (crypt, read back and decrypted) are checked copy by copy; a deleted, a changed
// (same size) and a truncated copy are the run's only failed items, each saying what differs; the run
// mails like any run; a scheduled verification starts when due (the tick's clock is passed in) and
// waits while another run of the task is at work; Object Lock is refused where it cannot be kept.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startDueVerifications } from '../../services/worker/runs/schedule.ts';
import { signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startS3, type TestS3 } from '../support/s3.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';

let t: TestApp & { url: string };
let s3: TestS3;
let smtp: TestSmtp;
let root: string;
let space: string;
let a: Actor;
let localCloud: string;

const FILES: [string, number][] = [
  ['a.jpg', 3000],
  ['b.jpg', 4000],
  ['2020/c.jpg', 5000],
  ['2020/d.jpg', 6000],
  ['2021/e.txt', 700],
];

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-verify-')));
  s3 = await startS3();
  smtp = await startSmtp();
  t = await startTestApp(
    { FERRY_LOCAL_ROOTS: root, FERRY_ALLOW_PRIVATE_ENDPOINTS: '1', SMTP_URL: smtp.url },
    { worker: true },
  );
  a = await signup(t);
  space = path.join(root, a.id);
  await fs.mkdir(space, { mode: 0o700 });
  for (const [rel, size] of FILES) {
    await fs.mkdir(path.dirname(path.join(space, 'photos', rel)), { recursive: true });
    await fs.writeFile(path.join(space, 'photos', rel), crypto.randomBytes(size));
  }
  await fs.mkdir(path.join(space, 'backup'));
  localCloud = (await api('POST', '/clouds', { kind: 'local', name: 'NAS', options: { root: '' } })).json().id;
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
  await s3.close();
  await fs.rm(root, { recursive: true, force: true });
});

const api = (method: string, url: string, payload?: unknown) =>
  t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload: payload as object, headers: a.bearer });

async function backup(name: string, destination: { cloudId: string; path: string }, options?: object) {
  const task = (
    await api('POST', '/tasks', { name, source: { cloudId: localCloud, path: 'photos' }, destination, options })
  ).json();
  expect(task.id).toBeDefined();
  const run = await api('POST', `/tasks/${task.id}/runs`);
  expect(run.statusCode).toBe(202);
  expect((await waitForRun(t, a, run.json().run.id)).status).toBe('succeeded');
  return task.id as string;
}

/** Starts a verify run through the API, and waits for its end. */
async function verify(taskId: string) {
  const res = await api('POST', `/tasks/${taskId}/verify`);
  expect(res.statusCode).toBe(202);
  expect(res.json().run.kind).toBe('verify');
  return waitForRun(t, a, res.json().run.id);
}

async function items(runId: string): Promise<Array<{ path: string; status: string; error: string | null }>> {
  const res = await api('GET', `/runs/${runId}/items?limit=200`);
  expect(res.statusCode).toBe(200);
  return res.json().items;
}

const failedOf = async (runId: string) =>
  Object.fromEntries(
    (await items(runId)).filter((i) => i.status === 'failed').map((i) => [i.path, i.error] as [string, string]),
  );

/** What a test does to a copy at the destination, behind Ferry's back. */
interface Damage {
  remove(rel: string): Promise<void>;
  /** Other bytes, the same size. */
  change(rel: string, size: number): Promise<void>;
  /** Cut to `size` bytes (of plaintext, for an encrypted copy). */
  truncate(rel: string, size: number): Promise<void>;
}

// An encrypted copy: a 32-byte header, then 64 KiB blocks each with a 16-byte tag (small files: one block).
const CRYPT_HEADER = 32;
const CRYPT_TAG = 16;

describe.each(['local', 's3', 'crypt'] as const)('a backup to %s', (kind) => {
  let taskId: string;
  let damage: Damage;

  beforeAll(async () => {
    if (kind === 'local') {
      const at = (rel: string) => path.join(space, 'backup', rel);
      damage = {
        remove: (rel) => fs.rm(at(rel)),
        change: (rel, size) => fs.writeFile(at(rel), crypto.randomBytes(size)),
        truncate: (rel, size) => fs.truncate(at(rel), size),
      };
      taskId = await backup('To the NAS', { cloudId: localCloud, path: 'backup' });
    } else if (kind === 's3') {
      const cloud = (await api('POST', '/clouds', { kind: 's3', name: 'Bucket', options: s3.options({}) })).json();
      const keyOf = (rel: string) => `vault/${rel}`;
      const write = async (rel: string, data: Buffer) =>
        void (await s3.client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: keyOf(rel), Body: data })));
      damage = {
        remove: async (rel) =>
          void (await s3.client().send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: keyOf(rel) }))),
        change: (rel, size) => write(rel, crypto.randomBytes(size)),
        truncate: (rel, size) => write(rel, crypto.randomBytes(size)),
      };
      taskId = await backup('To S3', { cloudId: cloud.id, path: 'vault' });
    } else {
      // An encrypted folder on the NAS, names kept (with .bin): the test finds each copy by its name.
      await fs.mkdir(path.join(space, 'vault-c'));
      const res = await api('POST', '/clouds', {
        kind: 'crypt',
        name: 'Vault',
        options: { cloudId: localCloud, path: 'vault-c', password: 'verify-test-password', filenameEncryption: 'off' },
      });
      expect(res.statusCode).toBe(201);
      const at = (rel: string) => path.join(space, 'vault-c', 'b', `${rel}.bin`);
      damage = {
        remove: (rel) => fs.rm(at(rel)),
        // One byte of the block flipped: the same size, and the block no longer authenticates.
        change: async (rel) => {
          const data = await fs.readFile(at(rel));
          data[CRYPT_HEADER + 5] ^= 0xff;
          await fs.writeFile(at(rel), data);
        },
        // A shorter file that is still whole: the block cut, as a shorter encryption of it would be.
        truncate: (rel, size) => fs.truncate(at(rel), CRYPT_HEADER + CRYPT_TAG + size),
      };
      taskId = await backup('To the vault', { cloudId: res.json().id, path: 'b' });
    }
  });

  test('a verification of the intact backup succeeds, every copy checked and nothing charged', async () => {
    const used = (await api('GET', '/me')).json().usage.usedBytes;
    const run = await verify(taskId);
    expect(run.status).toBe('succeeded');
    expect(run.kind).toBe('verify');
    expect(run.done.items).toBe(FILES.length);
    expect(run.failed.items).toBe(0);
    const all = await items(run.id);
    expect(all.map((i) => i.path).sort()).toEqual(FILES.map(([rel]) => rel).sort());
    expect(all.every((i) => i.status === 'done')).toBe(true);
    expect((await api('GET', '/me')).json().usage.usedBytes).toBe(used);
  });

  test('a missing, a changed and a truncated copy are the failed items, each saying what differs', async () => {
    const mailsBefore = smtp.received.length;
    await damage.remove('a.jpg');
    await damage.change('2020/c.jpg', 5000);
    await damage.truncate('2021/e.txt', 300);
    const run = await verify(taskId);
    expect(run.status).toBe('partial');
    expect(run.failed.items).toBe(3);
    expect(run.done.items).toBe(FILES.length - 3);
    const failed = await failedOf(run.id);
    expect(Object.keys(failed).sort()).toEqual(['2020/c.jpg', '2021/e.txt', 'a.jpg']);
    const folder = { local: 'backup', s3: 'vault', crypt: 'b' }[kind];
    expect(failed['a.jpg']).toBe(`a.jpg: missing at the destination (${folder}/a.jpg)`);
    expect(failed['2021/e.txt']).toBe('size 300 bytes, the backup recorded 700');
    const hash = {
      local: /^sha256 hash [0-9a-f]{64}, the backup recorded [0-9a-f]{64}$/,
      s3: /^md5 hash [0-9a-f]{32}, the backup recorded [0-9a-f]{32}$/,
      // The damaged block does not decrypt: no hash, the content unknown.
      crypt: /^sha256 hash unknown: the destination could not read the file back .*; the backup recorded [0-9a-f]{64}$/,
    }[kind];
    expect(failed['2020/c.jpg']).toMatch(hash);

    // The run mails as any run that did not fully succeed, listing what failed.
    const [mail] = (await smtp.waitFor(mailsBefore + 1)).slice(mailsBefore);
    expect(mail.to).toBe(a.email);
    // A verification's mail says so (services/core/notifications.ts passes the run's kind).
    expect(mail.subject).toMatch(/^Ferry: '[^']+' verified — 3 missing or changed, 2 files, [\d.]+ kB intact$/);
    expect(mail.text).toContain('missing at the destination');
    expect(mail.text).toContain('size 300 bytes, the backup recorded 700');
  });
});

describe('a verification schedule', () => {
  test('sets next_verify_at, starts the verification when due, and waits while another run is at work', async () => {
    const taskId = await backup('Scheduled', { cloudId: localCloud, path: 'backup-2' });
    const schedule = { frequency: 'daily', time: '03:00', timezone: 'UTC' };
    const res = await api('PATCH', `/tasks/${taskId}`, { options: { conflict: 'skip', verifySchedule: schedule } });
    expect(res.statusCode).toBe(200);
    const nextOf = async () =>
      (await t.db.query('SELECT next_verify_at FROM tasks WHERE id = $1', [taskId])).rows[0].next_verify_at as Date;
    const due = await nextOf();
    expect(due).toBeInstanceOf(Date);
    expect(due.getUTCHours()).toBe(3);
    expect(due.getTime()).toBeGreaterThan(Date.now());

    // Not due yet: nothing starts.
    expect(await startDueVerifications(t.db, t.boss, new Date(due.getTime() - 1000))).toBe(0);

    // Due, but a backup of the task is queued (no worker has taken it up: its plan job is not
    // there, so it stays queued for as long as the test needs): the verification waits, still due.
    const busy = await t.db.query<{ id: string }>(
      "INSERT INTO runs (task_id, user_id, trigger) VALUES ($1, $2, 'manual') RETURNING id",
      [taskId, a.id],
    );
    expect(await startDueVerifications(t.db, t.boss, due)).toBe(0);
    expect((await nextOf()).getTime()).toBe(due.getTime());
    expect((await api('POST', `/runs/${busy.rows[0].id}/cancel`)).statusCode).toBe(200);
    expect((await waitForRun(t, a, busy.rows[0].id)).status).toBe('cancelled');

    // Once it has ended, the verification starts, and the next one is a day later.
    expect(await startDueVerifications(t.db, t.boss, new Date(due.getTime() + 60_000))).toBe(1);
    expect((await nextOf()).getTime()).toBe(due.getTime() + 86_400_000);
    const { rows } = await t.db.query(
      "SELECT id, trigger FROM runs WHERE task_id = $1 AND kind = 'verify' ORDER BY created_at DESC LIMIT 1",
      [taskId],
    );
    expect(rows[0].trigger).toBe('schedule');
    const run = await waitForRun(t, a, rows[0].id);
    expect(run.status).toBe('succeeded');
    expect(run.done.items).toBe(FILES.length);

    // Without a schedule, nothing is due.
    await api('PATCH', `/tasks/${taskId}`, { options: { conflict: 'skip' } });
    expect(await nextOf()).toBeNull();
  });
});

describe('Object Lock', () => {
  test('is refused for a destination that is not S3, and by a run on a bucket without it', async () => {
    const objectLock = { mode: 'GOVERNANCE', days: 30 };
    const source = { cloudId: localCloud, path: 'photos' };
    const local = await api('POST', '/tasks', {
      name: 'Locked NAS',
      source,
      destination: { cloudId: localCloud, path: 'locked' },
      options: { objectLock },
    });
    expect(local.statusCode).toBe(400);
    expect(local.json().error.message).toMatch(/^options\.objectLock: only S3 destinations can lock what Ferry writes/);
    const bucket = (await api('POST', '/clouds', { kind: 's3', name: 'Locked', options: s3.options({}) })).json();
    const task = await api('POST', '/tasks', {
      name: 'Locked bucket',
      source,
      destination: { cloudId: bucket.id, path: 'locked' },
      options: { objectLock },
    });
    expect(task.statusCode).toBe(201);
    // s3rver has no Object Lock: the run is refused once, before anything is written, saying why.
    const started = await api('POST', `/tasks/${task.json().id}/runs`);
    expect(started.statusCode).toBe(202);
    const run = await waitForRun(t, a, started.json().run.id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^Bucket \S+ does not have Object Lock turned on/);
    expect(run.totals.items).toBe(0);
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'locked/' }));
    expect(listed.KeyCount ?? 0).toBe(0);
    // Moving the task to a destination that cannot lock is refused as well.
    const moved = await api('PATCH', `/tasks/${task.json().id}`, { destination: { cloudId: localCloud, path: 'x' } });
    expect(moved.statusCode).toBe(400);
  });
});
