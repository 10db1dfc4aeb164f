// Claims of a run item. A worker that lost its claim of an item while still copying it (its lease ran out,
// another worker took the item up): it is told so when it asks for traffic, and it drops out quietly, changing
// nothing of the item that is now the other claim's: no "quota used up", no mail, the row as the other claim has it.
// Driven against the real database, with a source and destination of the test's own,
// so the takeover happens at a chosen moment. And a claim that resumes a renamed copy.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import pino from 'pino';
import { CloudError, type Destination, type Features, type Source } from '../../connectors/types.ts';
import type { Clouds } from '../../services/core/clouds.ts';
import type { Notifier } from '../../services/core/notifications.ts';
import { reserve, topUp } from '../../services/core/run-state.ts';
import { defaultTiming } from '../../services/core/timing.ts';
import { copyRun, maybeFinalize } from '../../services/worker/runs/copy.ts';
import { finalizeRun } from '../../services/worker/runs/finalize.ts';
import { signup, startTestApp, type Actor, type TestApp } from '../support/app.ts';
import { localFolder } from '../support/local-space.ts';

let t: TestApp & { url: string };
let root: string;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-lost-')));
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root });
});
afterAll(async () => {
  await t?.close();
  await fs.rm(root, { recursive: true, force: true });
});

const call = (a: Actor, method: string, url: string, payload?: unknown) =>
  t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload: payload as object, headers: a.bearer });

/** A user, a task and a run of it (queued: no worker plans it), and one item of the run, claimed once (attempts 1). */
async function claimedItem(opts: {
  size: number | null;
  limit: number;
}): Promise<{ a: Actor; runId: string; itemId: string }> {
  const a = await signup(t);
  await t.db.query('UPDATE users SET traffic_limit_bytes = $2 WHERE id = $1', [a.id, opts.limit]);
  await localFolder(root, a, 'src');
  await localFolder(root, a, 'dst');
  const cloud = (await call(a, 'POST', '/clouds', { kind: 'local', name: 'Disk', options: { root: '' } })).json().id;
  const task = await call(a, 'POST', '/tasks', {
    name: 'lost',
    source: { cloudId: cloud, path: 'src' },
    destination: { cloudId: cloud, path: 'dst' },
  });
  expect(task.statusCode).toBe(201);
  const runId = (await call(a, 'POST', `/tasks/${task.json().id}/runs`)).json().run.id;
  await t.db.query(
    `UPDATE runs SET status = 'running', started_at = now(), planned_at = now(), total_items = 1 WHERE id = $1`,
    [runId],
  );
  const { rows } = await t.db.query(
    `INSERT INTO run_items (run_id, source_id, path, size, version, dest_path, dest_exists, status,
      attempts, lease_until)
     VALUES ($1, 'photo', 'photo.jpg', $2, 'v1', 'dst/photo.jpg', false, 'copying', 1, now() + interval '20 seconds')
       RETURNING id`,
    [runId, opts.size],
  );
  return { a, runId, itemId: rows[0].id };
}

/** Another worker takes the item up, as claimNext does once the first one's lease ran out. */
const takeOver = (itemId: string) =>
  t.db.query(
    `UPDATE run_items SET attempts = attempts + 1, lease_until = now() ` +
      `+ interval '20 seconds', updated_at = now() WHERE id = $1`,
    [itemId],
  );

const itemRow = async (itemId: string) =>
  (
    await t.db.query(
      'SELECT status, attempts, lease_until, progress_bytes::int AS progress, reserved_bytes::int AS reserved, ' +
        'reserved_period, upload_state, upload_mode, dest_path FROM run_items WHERE id = $1',
      [itemId],
    )
  ).rows[0];
const reservedOf = async (userId: string) =>
  (await t.db.query('SELECT reserved_bytes::int AS n FROM usage WHERE user_id = $1', [userId])).rows[0]?.n;

test('topUp and reserve tell "no room" from "not yours"', async () => {
  const { a, itemId } = await claimedItem({ size: null, limit: 1000 });
  const period = await reserve(t.db, a.id, { id: itemId, attempts: 1 }, 0);
  if (!(period instanceof Date)) throw new Error(`no reservation: ${period}`);
  expect(await topUp(t.db, a.id, { id: itemId, attempts: 1 }, period, 600)).toBe('ok');
  expect(await topUp(t.db, a.id, { id: itemId, attempts: 1 }, period, 500)).toBe('full');
  expect([(await itemRow(itemId)).reserved, await reservedOf(a.id)]).toEqual([600, 600]);

  await takeOver(itemId);
  // Whether or not the bytes would fit, the first claim is told the item is no longer its own.
  expect(await topUp(t.db, a.id, { id: itemId, attempts: 1 }, period, 100)).toBe('lost');
  expect(await topUp(t.db, a.id, { id: itemId, attempts: 1 }, period, 500)).toBe('lost');
  expect(await reserve(t.db, a.id, { id: itemId, attempts: 1 }, 10)).toBe('lost');
  // nothing reserved for a lost claim
  expect([(await itemRow(itemId)).reserved, await reservedOf(a.id)]).toEqual([600, 600]);
  // The claim that holds it now is answered as before.
  expect(await topUp(t.db, a.id, { id: itemId, attempts: 2 }, period, 300)).toBe('ok');
  expect(await topUp(t.db, a.id, { id: itemId, attempts: 2 }, period, 300)).toBe('full');
});

/**
 * Runs one copy job of the run with a source whose single item's bytes start flowing only once
 * `meanwhile` ran (the takeover, and whatever else the case needs), and a destination that reads
 * them all. Returns what the notifier was asked to send.
 */
async function copyWith(
  runId: string,
  opts: {
    meanwhile: () => Promise<void>;
    put?: (open: (offset: number) => Promise<Readable>) => Promise<void>;
    destination?: Destination;
    bytes?: Buffer;
    timing?: Partial<typeof defaultTiming>;
  },
): Promise<string[]> {
  const told: string[] = [];
  const notifier = {
    quotaUsedUp: async () => void told.push('quotaUsedUp'),
    runEnded: async () => void told.push('runEnded'),
    cloudNeedsReauth: async () => void told.push('cloudNeedsReauth'),
  } as unknown as Notifier;
  const source: Source = {
    async *list() {},
    async open(_item, o) {
      await opts.meanwhile();
      // Bytes that arrive only after the takeover (a slow download), then wait for the copy to stop.
      const body = new Readable({ read() {} });
      body.push(opts.bytes ?? Buffer.alloc(1000, 1));
      if (opts.bytes) body.push(null);
      o?.signal?.addEventListener('abort', () => body.destroy(o.signal!.reason as Error), { once: true });
      return body;
    },
  };
  const destination: Destination = opts.destination ?? {
    async put(_path, open, o) {
      if (opts.put) await opts.put(open);
      else for await (const chunk of await open(0)) void chunk;
      throw o.signal?.reason ?? new Error('the stream ended');
    },
    stat: async () => null,
    abandon: async () => void told.push('abandon'),
  };
  const features: Features = {};
  const clouds = {
    open: async () => ({ cloud: { name: 'test' }, handle: { source, destination, features } }),
  } as unknown as Clouds;
  const log = pino({ level: 'silent' });
  const ac = new AbortController();
  const timing = { ...defaultTiming, ...opts.timing };
  await copyRun({ db: t.db, boss: t.boss, clouds, notifier, log, timing }, runId, ac.signal);
  return told;
}

test(
  'a claim taken over while its bytes stream (size unknown) drops out at its next top-up: ' +
    'no quota used up, no mail, the row left to the new claim',
  async () => {
    const { a, runId, itemId } = await claimedItem({ size: null, limit: 10_000_000 });
    // The first claim reserved (0 bytes: the size is unknown) before it started; the copy job resumes it.
    const period = await reserve(t.db, a.id, { id: itemId, attempts: 1 }, 0);
    if (!(period instanceof Date)) throw new Error(`no reservation: ${period}`);
    // The job only takes up items whose lease ran out: it is this first claim's, running late.
    await t.db.query(`UPDATE run_items SET lease_until = now() - interval '1 second', attempts = 0 WHERE id = $1`, [
      itemId,
    ]);
    let second: Record<string, unknown> | undefined;
    const told = await copyWith(runId, {
      meanwhile: async () => {
        await takeOver(itemId);
        await t.db.query(
          `UPDATE run_items SET upload_state = '{"session":"theirs"}', upload_mode = 'create' WHERE id = $1`,
          [itemId],
        );
        second = await itemRow(itemId);
      },
    });
    // no mail, and the new claim's upload session is not abandoned
    expect(told).toEqual([]);
    const run = (await t.db.query('SELECT status, quota_hit_at FROM runs WHERE id = $1', [runId])).rows[0];
    // no "quota used up"
    expect([run.status, run.quota_hit_at]).toEqual(['running', null]);
    // the item as the new claim has it
    expect(await itemRow(itemId)).toEqual(second);
    expect(await reservedOf(a.id)).toBe(0);
  },
);

test(
  'a claim whose lease ran out while its bytes were read (its worker frozen), and was taken over, ' +
    "does not commit them: the file is the new claim's to write",
  async () => {
    const { runId, itemId } = await claimedItem({ size: 1000, limit: 10_000_000 });
    await t.db.query(`UPDATE run_items SET lease_until = now() - interval '1 second', attempts = 0 WHERE id = $1`, [
      itemId,
    ]);
    let second: Record<string, unknown> | undefined;
    const committed: string[] = [];
    const bytes = Buffer.alloc(1000, 3);
    await copyWith(runId, {
      // No renewal comes while the bytes are read (a worker frozen or starved past its lease).
      timing: { leaseSeconds: 1, renewMs: 60_000 },
      meanwhile: async () => {
        await new Promise((r) => setTimeout(r, 1200));
        await takeOver(itemId);
        second = await itemRow(itemId);
      },
      bytes,
      destination: {
        async put(at, open) {
          const chunks: Buffer[] = [];
          for await (const chunk of await open(0)) chunks.push(chunk as Buffer);
          committed.push(at);
          return { size: Buffer.concat(chunks).length };
        },
        stat: async () => null,
      },
    });
    expect(committed).toEqual([]);
    expect(await itemRow(itemId)).toEqual(second);
  },
);

for (const how of ['cancelled', 'rate_limited'] as const) {
  test(
    `a claim taken over before its copy ends ${how === 'cancelled' ? 'by a cancel' : 'rate limited'} ` +
      `changes nothing of the item`,
    async () => {
      const { a, runId, itemId } = await claimedItem({ size: 1000, limit: 10_000_000 });
      await t.db.query(`UPDATE run_items SET lease_until = now() - interval '1 second', attempts = 0 WHERE id = $1`, [
        itemId,
      ]);
      let second: Record<string, unknown> | undefined;
      const told = await copyWith(runId, {
        meanwhile: async () => {
          await takeOver(itemId);
          await t.db.query(
            `UPDATE run_items SET upload_state = '{"session":"theirs"}', upload_mode = 'create' WHERE id = $1`,
            [itemId],
          );
          second = await itemRow(itemId);
          if (how === 'cancelled') await t.db.query(`UPDATE runs SET status = 'cancelled' WHERE id = $1`, [runId]);
        },
        put:
          how === 'rate_limited'
            ? async (open) => {
                // The upload starts; then the destination says no more for now.
                (await open(0)).destroy();
                throw new CloudError('rate_limited', 'Too many uploads today.', {
                  retryAt: new Date(Date.now() + 3600_000),
                });
              }
            : undefined,
      });
      expect(told).toEqual([]);
      // the item as the new claim has it
      expect(await itemRow(itemId)).toEqual(second);
      // The new claim holds the item's reservation (the size, reserved by the first claim): still held.
      expect(await reservedOf(a.id)).toBe(1000);
    },
  );
}

test(
  'a renamed copy resumed by another claim without an upload session keeps to its renamed path, ' +
    'and a new name, if it needs one, is the next of the original name',
  async () => {
    // The plan saw the owner's file at dst/IMG.jpg; the first claim settled on "IMG (1).jpg" (rename
    // policy), noted it as dest_path and died before its upload was recorded.
    const bytes = Buffer.alloc(1000, 7);
    const cases = [
      { at: null, want: ['done', 'dst/IMG (1).jpg'] }, // nothing there: created there
      { at: bytes, want: ['skipped', 'dst/IMG (1).jpg'] }, // our own copy, committed after all: identical
      // another file (or one it cannot tell): the next free name
      { at: Buffer.alloc(1000, 8), want: ['done', 'dst/IMG (2).jpg'] },
    ];
    for (const c of cases) {
      const a = await signup(t);
      await localFolder(root, a, 'src');
      await localFolder(root, a, 'dst');
      const cloud = (await call(a, 'POST', '/clouds', { kind: 'local', name: 'Disk', options: { root: '' } })).json()
        .id;
      const task = await call(a, 'POST', '/tasks', {
        name: 'resume',
        source: { cloudId: cloud, path: 'src' },
        destination: { cloudId: cloud, path: 'dst' },
        options: { conflict: 'rename' },
      });
      expect(task.statusCode).toBe(201);
      const runId = (await call(a, 'POST', `/tasks/${task.json().id}/runs`)).json().run.id;
      await t.db.query(
        `UPDATE runs SET status = 'running', started_at = now(), planned_at = now(), total_items = 1 WHERE id = $1`,
        [runId],
      );
      await t.db.query(
        `INSERT INTO run_items (run_id, source_id, path, size, version, dest_path, dest_exists, status,
        attempts, lease_until)
       VALUES ($1, 'img', 'IMG.jpg', 1000, 'v1', 'dst/IMG (1).jpg', true, 'copying', 1, now() - interval '1 second')`,
        [runId],
      );
      const files = new Map<string, Buffer>([['dst/IMG.jpg', Buffer.alloc(1000, 9)]]);
      if (c.at) files.set('dst/IMG (1).jpg', c.at);
      const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest('hex');
      const destination: Destination = {
        async put(at, open, o) {
          const chunks: Buffer[] = [];
          for await (const chunk of await open(0)) chunks.push(chunk as Buffer);
          if (o.mode === 'create' && files.has(at)) throw new CloudError('exists', `${at} exists`);
          files.set(at, Buffer.concat(chunks));
          return { size: files.get(at)!.length };
        },
        stat: async (at) => (files.has(at) ? { size: files.get(at)!.length } : null),
        hashOf: async (at) => (files.has(at) ? { kind: 'md5', value: md5(files.get(at)!) } : null),
      };
      await copyWith(runId, { meanwhile: async () => {}, destination, bytes });
      const row = (await t.db.query('SELECT status, dest_path FROM run_items WHERE run_id = $1', [runId])).rows[0];
      expect([row.status, row.dest_path]).toEqual(c.want);
      expect(files.get(c.want[1])).toEqualBytes(bytes);
      // no "(1) (1)" name
      expect([...files.keys()].filter((k) => k.includes(') ('))).toEqual([]);
      // the owner's file is untouched
      expect(files.get('dst/IMG.jpg')).toEqualBytes(Buffer.alloc(1000, 9));
    }
  },
);

test(
  'past the quota, an item whose worker died (its lease ran out) does not hold the run open: ' +
    'it ends quota_exceeded with the item waiting',
  async () => {
    const { runId, itemId } = await claimedItem({ size: 100, limit: 10_000_000 });
    await t.db.query(`UPDATE runs SET quota_hit_at = now() WHERE id = $1`, [runId]);
    await t.db.query(`UPDATE run_items SET lease_until = now() - interval '1 second' WHERE id = $1`, [itemId]);
    const told: string[] = [];
    const notifier = { runEnded: async () => void told.push('runEnded') } as unknown as Notifier;
    const clouds = {
      open: async () => {
        throw new Error('nothing is held that would need the clouds');
      },
    } as unknown as Clouds;

    await maybeFinalize({ db: t.db, boss: t.boss, timing: defaultTiming }, runId);
    const queued = await t.db.query(
      `SELECT name FROM pgboss.job WHERE data->>'runId' = $1 AND name IN ('run-copy', 'run-finalize')`,
      [runId],
    );
    // the finalize job, not another look in 20 s
    expect(queued.rows.map((r) => r.name)).toEqual(['run-finalize']);

    await finalizeRun({ db: t.db, clouds, notifier }, runId);
    const run = (await t.db.query('SELECT status, error FROM runs WHERE id = $1', [runId])).rows[0];
    expect(run.status).toBe('quota_exceeded');
    expect(run.error).toMatch(/1 item\(s\) wait for the next run/);
    expect(told).toEqual(['runEnded']);
    expect((await itemRow(itemId)).status).toBe('pending');
  },
);
