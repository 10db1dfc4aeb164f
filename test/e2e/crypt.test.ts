// Encrypted folders (kind 'crypt') in rclone's format, checked against Debian's rclone: a backup
// Ferry encrypted is listed and decrypted by rclone to the same names and bytes, a vault rclone
// encrypted is restored by Ferry, a wrong password is one clear error for the run, a damaged block
// fails its file alone, and an interrupted upload resumes (over a folder and over S3) to a file
// rclone decrypts. The password is never shown.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import cryptKind, { WRONG_PASSWORD } from '../../connectors/crypt/index.ts';
import local from '../../connectors/local/index.ts';
import s3Kind from '../../connectors/s3/index.ts';
import type { CloudHandle, Destination } from '../../connectors/types.ts';
import { signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { testEnv } from '../support/env.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

const RCLONE = '/usr/bin/rclone';
const hasRclone = await fs.access(RCLONE).then(
  () => true,
  () => false,
);
const rcloneTest = hasRclone ? test : test.skip;
if (!hasRclone) console.warn('Debian rclone (/usr/bin/rclone) is missing: the rclone checks are skipped.');

const KiB = 1024;
const MiB = 1024 * KiB;
const PASSWORD = 'correct horse battery staple';
const SALT = 'pepper and salt';

let t: TestApp;
let s3: TestS3;
let root: string;
let space: string;
let a: Actor;
let nas: string;
const photos = new Map<string, Buffer>([
  ['empty.txt', Buffer.alloc(0)],
  ['one.bin', crypto.randomBytes(1)],
  ['2024/block.jpg', crypto.randomBytes(64 * KiB)],
  ['2024/Sommer Ä ö 🌞/IMG 0001.jpg', crypto.randomBytes(200 * KiB)],
  ['2024/deep/nested/note.txt', Buffer.from('a note')],
]);

const obscure = (secret: string) => execFileSync(RCLONE, ['obscure', secret]).toString().trim();

/** rclone with a crypt remote `v:` over `dir`, configured by environment variables alone. */
function rclone(dir: string, o: { password: string; salt?: string; names?: string }, ...args: string[]): Buffer {
  return execFileSync(RCLONE, args, {
    env: {
      PATH: process.env.PATH,
      HOME: root,
      RCLONE_CONFIG: '/dev/null',
      RCLONE_CONFIG_V_TYPE: 'crypt',
      RCLONE_CONFIG_V_REMOTE: dir,
      RCLONE_CONFIG_V_PASSWORD: obscure(o.password),
      ...(o.salt ? { RCLONE_CONFIG_V_PASSWORD2: obscure(o.salt) } : {}),
      RCLONE_CONFIG_V_FILENAME_ENCRYPTION: o.names ?? 'standard',
    },
    maxBuffer: 64 * MiB,
  });
}

async function write(dir: string, files: Map<string, Buffer>) {
  for (const [rel, data] of files) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), data);
  }
}

/** Every file under `dir`, by path relative to it. */
async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const d of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!d.isFile()) continue;
    const full = path.join(d.parentPath, d.name);
    out.set(path.relative(dir, full), await fs.readFile(full));
  }
  return out;
}

function expectSameFiles(got: Map<string, Buffer>, want: Map<string, Buffer>) {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [rel, data] of want) expect(got.get(rel)!).toEqualBytes(data);
}

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-crypt-')));
  s3 = await startS3();
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root, FERRY_ALLOW_PRIVATE_ENDPOINTS: '1' }, { worker: true });
  a = await signup(t);
  space = path.join(root, a.id);
  await fs.mkdir(space, { mode: 0o700 });
  await write(path.join(space, 'photos'), photos);
  nas = (await api('POST', '/clouds', { kind: 'local', name: 'NAS', options: { root: '' } })).json().id;
});
afterAll(async () => {
  await t?.close();
  await s3?.close();
  await fs.rm(root, { recursive: true, force: true });
});

const api = (method: string, url: string, payload?: unknown) =>
  t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload: payload as object, headers: a.bearer });

async function cryptCloud(name: string, options: Record<string, unknown>): Promise<string> {
  const res = await api('POST', '/clouds', { kind: 'crypt', name, options: { cloudId: nas, ...options } });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function runTask(name: string, source: object, destination: object) {
  const task = await api('POST', '/tasks', { name, source, destination });
  expect(task.statusCode).toBe(201);
  const res = await api('POST', `/tasks/${task.json().id}/runs`);
  expect(res.statusCode).toBe(202);
  return waitForRun(t, a, res.json().run.id);
}

const failedItems = async (runId: string) =>
  (await api('GET', `/runs/${runId}/items?status=failed`)).json().items as Array<{ path: string; error: string }>;

describe('a backup into an encrypted folder', () => {
  let vault: string;

  test('is written in rclone crypt format: rclone lists and decrypts every name and byte', async () => {
    vault = await cryptCloud('Vault', { path: 'Vault', password: PASSWORD, salt: SALT });
    const run = await runTask('Photos encrypted', { cloudId: nas, path: 'photos' }, { cloudId: vault, path: 'b' });
    expect(run.status).toBe('succeeded');
    const bytes = [...photos.values()].reduce((s, b) => s + b.length, 0);
    // Sizes and traffic are the plaintext's.
    expect(run.done).toEqual({ items: photos.size, bytes });
    // Nothing at the wrapped cloud says what the files are.
    const stored = await readTree(path.join(space, 'Vault'));
    expect(stored.size).toBe(photos.size);
    for (const rel of stored.keys()) for (const seg of rel.split('/')) expect(seg).toMatch(/^[0-9a-v]+$/);
    // What Ferry keeps of each copy is the plaintext's SHA-256.
    const { rows } = await t.db.query<{ dest_path: string; dest_hash: string }>(
      'SELECT dest_path, dest_hash FROM manifest',
    );
    const sha = (b: Buffer) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;
    expect(Object.fromEntries(rows.map((r) => [r.dest_path, r.dest_hash]))).toEqual(
      Object.fromEntries([...photos].map(([rel, data]) => [`b/${rel}`, sha(data)])),
    );
    if (!hasRclone) return;
    const o = { password: PASSWORD, salt: SALT };
    const listed = rclone(path.join(space, 'Vault'), o, 'lsf', '-R', '--files-only', 'v:').toString();
    expect(listed.trim().split('\n').sort()).toEqual([...photos.keys()].map((p) => `b/${p}`).sort());
    rclone(path.join(space, 'Vault'), o, 'copy', 'v:b', path.join(root, 'rclone-out'));
    expectSameFiles(await readTree(path.join(root, 'rclone-out')), photos);

    // The next run of the unchanged source copies nothing.
    const again = await api('POST', `/tasks/${run.taskId}/runs`);
    const second = await waitForRun(t, a, again.json().run.id);
    expect([second.status, second.done.items]).toEqual(['succeeded', 0]);
  });

  test('the password and salt are never returned, and are stored sealed', async () => {
    const shown = (await api('GET', `/clouds/${vault}`)).json();
    expect(shown.options).toEqual({ cloudId: nas, path: 'Vault', filenameEncryption: 'standard' });
    const listed = JSON.stringify((await api('GET', '/clouds')).json());
    const { rows } = await t.db.query('SELECT options, secrets FROM clouds WHERE id = $1', [vault]);
    for (const text of [JSON.stringify(shown), listed, JSON.stringify(rows[0].options), rows[0].secrets]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(SALT);
    }
    // Sealed, the secrets open to the very password and salt.
    expect(JSON.parse(t.keyring.open(rows[0].secrets))).toEqual({ password: PASSWORD, salt: SALT });
  });

  test('a restore from it decrypts every file; browsing shows the plaintext names', async () => {
    const run = await runTask('Restore', { cloudId: vault, path: 'b' }, { cloudId: nas, path: 'restored' });
    expect(run.status).toBe('succeeded');
    expectSameFiles(await readTree(path.join(space, 'restored')), photos);
    const page = (await api('GET', `/clouds/${vault}/entries?path=b/2024`)).json();
    expect(page.items.map((e: { name: string; size?: number }) => [e.name, e.size ?? null])).toEqual([
      ['Sommer Ä ö 🌞', null],
      ['deep', null],
      ['block.jpg', 64 * KiB],
    ]);
  });
});

describe('a vault rclone wrote, read by Ferry', () => {
  const files = new Map<string, Buffer>([
    ['Urlaub/Strand 🌊.jpg', crypto.randomBytes(150 * KiB)],
    ['Urlaub/leer.txt', Buffer.alloc(0)],
    ['notes.md', Buffer.from('# notes\n')],
    ['big/exact.bin', crypto.randomBytes(128 * KiB)],
  ]);
  const o = { password: 'rclone wrote this' };
  let plain: string;
  let dir: string;

  beforeAll(async () => {
    plain = path.join(root, 'rclone-plain');
    dir = path.join(space, 'RcloneVault');
    await write(plain, files);
    if (hasRclone) rclone(dir, o, 'copy', plain, 'v:');
  });

  rcloneTest('a task restores its plaintext: every name and byte', async () => {
    const vault = await cryptCloud('rclone vault', { path: 'RcloneVault', password: o.password });
    const run = await runTask('From rclone', { cloudId: vault }, { cloudId: nas, path: 'from-rclone' });
    expect(run.status).toBe('succeeded');
    expectSameFiles(await readTree(path.join(space, 'from-rclone')), files);
  });

  rcloneTest('a wrong password is refused when the cloud is made, and nothing is saved', async () => {
    const before = (await api('GET', '/clouds')).json().items.length;
    const res = await api('POST', '/clouds', {
      kind: 'crypt',
      name: 'wrong',
      options: { cloudId: nas, path: 'RcloneVault', password: 'not the password' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain(WRONG_PASSWORD);
    expect((await api('GET', '/clouds')).json().items.length).toBe(before);
    // A new vault (no folder yet) is made with any password; an empty one too.
    await cryptCloud('new vault', { path: 'NotThereYet', password: 'a new password' });
  });

  rcloneTest('with a wrong password the run fails with one clear error, and nothing is copied', async () => {
    // Stored as a cloud made before the vault held these files would be.
    const wrong = await cryptCloud('wrong', { path: 'Later', password: 'not the password' });
    await api('PATCH', `/clouds/${wrong}`, { options: { path: 'RcloneVault' } }).then((r) =>
      expect(r.statusCode).toBe(400),
    );
    await t.db.query(`UPDATE clouds SET options = options || '{"path": "RcloneVault"}' WHERE id = $1`, [wrong]);
    const run = await runTask('Wrong password', { cloudId: wrong }, { cloudId: nas, path: 'never' });
    expect(run.status).toBe('failed');
    expect(run.error).toContain(WRONG_PASSWORD);
    expect(run.done.items).toBe(0);
    await expect(fs.access(path.join(space, 'never'))).rejects.toSatisfy((e: NodeJS.ErrnoException) => !!e.code);
  });

  rcloneTest('a damaged block fails that file with its name and offset; the others arrive', async () => {
    // The second block of the 150 KiB photo: the first block of the first file read still authenticates.
    const names = rclone(dir, o, 'lsf', '-R', '--files-only', 'v:').toString();
    expect(names).toContain('Urlaub/Strand 🌊.jpg');
    const encrypted = rclone(dir, o, 'cryptdecode', '--reverse', 'v:', 'Urlaub/Strand 🌊.jpg').toString();
    const storedName = encrypted.trim().split(/\s+/).pop()!;
    const damaged = path.join(dir, storedName);
    const bytes = await fs.readFile(damaged);
    const at = 32 + 65536 + 16 + 1000;
    bytes[at] ^= 0x40;
    await fs.writeFile(damaged, bytes);
    const vault = await cryptCloud('damaged', { path: 'RcloneVault', password: o.password });
    const run = await runTask('Damaged', { cloudId: vault }, { cloudId: nas, path: 'from-damaged' });
    expect(run.status).toBe('partial');
    const failed = await failedItems(run.id);
    expect(failed.map((f) => f.path)).toEqual(['Urlaub/Strand 🌊.jpg']);
    expect(failed[0].error).toMatch(/Strand 🌊\.jpg.*offset 65536/);
    // No byte of the damaged file reached the destination; the others did, whole.
    const got = await readTree(path.join(space, 'from-damaged'));
    expectSameFiles(got, new Map([...files].filter(([rel]) => rel !== 'Urlaub/Strand 🌊.jpg')));
  });
});

describe('an interrupted upload resumes from its checkpoint', () => {
  const size = 20 * MiB + 777;
  const data = crypto.randomBytes(size);
  const sha256 = crypto.createHash('sha256').update(data).digest('hex');

  /**
   * Puts `data` at `rel` of a crypt cloud over `wrapped`: the first attempt is aborted once `enough`
   * says a checkpoint holds some acknowledged bytes; the second resumes from it. Returns the
   * ciphertext offsets the wrapped destination read from in each attempt.
   */
  async function interruptedPut(wrapped: CloudHandle, rel: string, enough: (inner: any) => boolean) {
    const sent: number[] = [];
    const inner = wrapped.destination!;
    const spied: CloudHandle = {
      ...wrapped,
      destination: {
        ...inner,
        put: (p, open, o) =>
          inner.put(
            p,
            async (offset) => {
              sent.push(offset);
              return open(offset);
            },
            o,
          ),
      },
    };
    const options = cryptKind.options.parse({ cloudId: crypto.randomUUID(), path: 'Vault', password: PASSWORD });
    const h = cryptKind.open!({ options, wrapped: spied, ownerId: 'owner' }, testEnv());
    const read: number[] = [];
    const open = async (offset: number) => {
      read.push(offset);
      return Readable.from(
        (function* () {
          for (let o = offset; o < size; o += MiB) yield data.subarray(o, Math.min(size, o + MiB));
        })(),
      );
    };
    let state: unknown = null;
    const abort = new AbortController();
    const checkpoint = {
      get state() {
        return state;
      },
      async save(next: unknown) {
        state = next;
        if (enough((next as { inner: unknown }).inner)) abort.abort();
      },
    };
    const dest = h.destination as Destination;
    await expect(dest.put(rel, open, { mode: 'create', size, signal: abort.signal, checkpoint })).rejects.toSatisfy(
      () => abort.signal.aborted,
    );
    const nonce = (state as { nonce: string }).nonce;
    const stored = await dest.put(rel, open, { mode: 'create', size, checkpoint });
    // The plaintext's size and SHA-256, though it was sent in two attempts.
    expect(stored).toEqual({ size, hash: { kind: 'sha256', value: sha256 } });
    // The second attempt went on with the first one's nonce, from where the wrapped upload stood.
    expect((state as { nonce: string }).nonce).toBe(nonce);
    expect(sent[0]).toBe(0);
    expect(sent[1]).toBeGreaterThan(0);
    // The source was read once more before that point, for the plaintext's hash alone, then from the
    // block holding it: what is encrypted and sent starts there.
    expect(read).toHaveLength(3);
    expect(read[1]).toBe(0);
    expect(read[2]).toBeGreaterThan(0);
    expect(read[2]).toBeLessThanOrEqual(sent[1]);
    return h;
  }

  async function expectRcloneReads(vaultDir: string) {
    if (!hasRclone) return;
    const back = rclone(vaultDir, { password: PASSWORD }, 'cat', 'v:resumed/big.bin');
    expect(crypto.createHash('sha256').update(back).digest('hex')).toBe(sha256);
  }

  test('over S3: the multipart upload goes on from the parts S3 has', async () => {
    const env = testEnv();
    const options = await s3Kind.prepare!(s3.options({ prefix: 'crypt/' }) as never, env);
    // Parts go up a few at once and may be acknowledged out of order: a resume goes on after the
    // first part missing, so the first attempt stops once the first part is in.
    const firstIn = (i: { parts?: Array<{ n: number }> }) => i?.parts?.some((p) => p.n === 1) === true;
    const h = await interruptedPut(s3Kind.open!({ options }, env), 'resumed/big.bin', firstIn);
    for await (const item of h.source!.list('')) expect(item.path).toBe('resumed/big.bin');
    // The object, put where rclone expects it, decrypts with rclone.
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'crypt/' }));
    expect(listed.KeyCount).toBe(1);
    const key = listed.Contents![0].Key!;
    const object = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    const dir = path.join(root, 's3-vault');
    const file = path.join(dir, key.slice('crypt/Vault/'.length));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, Buffer.from(await object.Body!.transformToByteArray()));
    await expectRcloneReads(dir);
  });

  test('over a folder: the partial file goes on from its last checkpoint', async () => {
    const base = path.join(root, 'direct');
    const env = testEnv({ localRoots: [base] });
    await fs.mkdir(base);
    const options = await local.prepare!({ root: '' }, env, { userId: 'owner' });
    await interruptedPut(local.open!({ options, ownerId: 'owner' }, env), 'resumed/big.bin', (i) => i?.offset > 0);
    await expectRcloneReads(path.join(options.root, 'Vault'));
  });
});
