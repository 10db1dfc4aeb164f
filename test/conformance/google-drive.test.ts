import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import drive from '../../connectors/google-drive/index.ts';
import { CloudError, type CloudHandle } from '../../connectors/types.ts';
import { startGoogleFake, type GoogleFake } from '../fakes/google.ts';
import { memoryTokens } from '../fakes/oauth.ts';
import { testEnv } from '../support/env.ts';
import { conformance } from './suite.ts';

conformance('google-drive (emulator)', async () => {
  const fake = await startGoogleFake();
  const tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
  const env = testEnv({ endpoints: { googleDrive: fake.url } });
  /** Replaces a file's content as Drive's own clients do: files.update with a resumable upload. */
  async function update(id: string, data: Buffer) {
    const auth = { authorization: `Bearer ${fake.oauth.issueTokens().accessToken}` };
    const start = await fetch(`${fake.url}/upload/drive/v3/files/${id}?uploadType=resumable`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(start.status).toBe(200);
    const sent = await fetch(start.headers.get('location')!, { method: 'PUT', headers: auth, body: data });
    expect(sent.status).toBe(200);
  }
  return {
    handle: drive.open!({ options: {}, tokens }, env),
    close: () => fake.close(),
    async seed(files) {
      for (const [rel, data] of files) {
        const there = fake.findFile(rel);
        if (there) await update(there.id, data);
        else await fake.addFile(rel, data);
      }
    },
    providerPage: 1000,
    nativeHash: 'md5',
    resumable: true,
    listedHash: 'md5',
    lastRange: () => fake.requests.findLast((r) => r.method === 'GET' && r.path.startsWith('/drive/v3/files/'))?.range,
  };
});

const isReason = (reason: string) => (err: Error) => err instanceof CloudError && err.reason === reason;

// remove() sends files to Drive's trash (recoverable for 30 days), and the emulator keeps trashed
// items as Drive does: readable by id, listed unless q says trashed=false.
describe('google-drive remove', () => {
  let fake: GoogleFake;
  let h: CloudHandle;
  let tokens: ReturnType<typeof memoryTokens>;
  beforeAll(async () => {
    fake = await startGoogleFake();
    tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
    h = drive.open!({ options: {}, tokens }, testEnv({ endpoints: { googleDrive: fake.url } }));
  });
  afterAll(() => fake.close());

  /** A fresh token for raw requests (tests expire the ones issued before). */
  const auth = () => ({ authorization: `Bearer ${fake.oauth.issueTokens().accessToken}` });
  const names = async (q: string) => {
    const url = new URL(`${fake.url}/drive/v3/files`);
    url.searchParams.set('q', q);
    url.searchParams.set('fields', 'files(name,trashed,explicitlyTrashed)');
    const res = await fetch(url, { headers: auth() });
    expect(res.status).toBe(200);
    return ((await res.json()) as { files: { name: string; trashed: boolean; explicitlyTrashed: boolean }[] }).files;
  };

  test(
    'the file goes to the trash by PATCH trashed=true, through a 503 and an expired token; ' +
      'a folder is refused untouched',
    async () => {
      const zip = await fake.addFile('rm/a.zip', Buffer.from('archive bytes'));
      const inner = await fake.addFile('rm/keep/x.txt', Buffer.from('kept'));
      const folder = fake.findFiles('rm/keep')[0];
      const from = fake.requests.length;

      await expect(h.destination!.remove!('rm/keep')).rejects.toSatisfy(isReason('invalid_options'));
      // nothing but lookups for a folder
      expect(fake.requests.slice(from).filter((r) => r.method !== 'GET' && r.path.startsWith('/drive/'))).toEqual([]);
      expect(fake.drive.items.get(folder.id)!.trashed).toBe(false);

      fake.oauth.expireAccessTokens();
      fake.inject({ method: 'PATCH', path: /^\/drive\/v3\/files\//, status: 503 });
      const refreshes = tokens.refreshes;
      await h.destination!.remove!('rm/a.zip');
      // refreshed once
      expect(tokens.refreshes).toBe(refreshes + 1);
      const writes = fake.requests.slice(from).filter((r) => r.method !== 'GET' && r.path.startsWith('/drive/'));
      expect(writes.map((r) => [r.method, r.path, r.status])).toEqual([
        ['PATCH', `/drive/v3/files/${zip.id}`, 503],
        ['PATCH', `/drive/v3/files/${zip.id}`, 200],
      ]);
      expect(await h.destination!.stat('rm/a.zip')).toBe(null);

      // In the trash, not gone: still readable by id, listed when asked for.
      expect(fake.drive.items.get(zip.id)!.trashed).toBe(true);
      const bytes = await fetch(`${fake.url}/drive/v3/files/${zip.id}?alt=media`, { headers: auth() });
      expect(await bytes.text()).toBe('archive bytes');
      const parent = `'${fake.drive.items.get(zip.id)!.parents[0]}' in parents`;
      expect((await names(`${parent} and trashed = false`)).map((f) => f.name)).toEqual(['keep']);
      expect((await names(`${parent} and trashed = true`)).map((f) => [f.name, f.explicitlyTrashed])).toEqual([
        ['a.zip', true],
      ]);
      // files.list shows trashed items unless told not to
      expect((await names(parent)).map((f) => f.name).sort()).toEqual(['a.zip', 'keep']);
      expect(fake.drive.items.get(inner.id)!.trashed).toBe(false);
    },
  );

  test('of several files with one name, the one every lookup finds (the oldest) is trashed', async () => {
    const first = await fake.addFile('dup/a.zip', Buffer.from('first'));
    const second = await fake.addFile('dup/a.zip', Buffer.from('second, newer'));
    await h.destination!.remove!('dup/a.zip');
    expect(fake.drive.items.get(first.id)!.trashed).toBe(true);
    expect(fake.drive.items.get(second.id)!.trashed).toBe(false);
    expect(await h.destination!.stat('dup/a.zip')).toEqual({ size: 13 });
  });

  test(
    'the emulator: trashing a folder trashes what is in it, ' + 'restoring it restores them; trashed must be a boolean',
    async () => {
      const f = await fake.addFile('tree/sub/f.txt', Buffer.from('f'));
      const own = await fake.addFile('tree/sub/own.txt', Buffer.from('o'));
      const tree = fake.findFiles('tree')[0];
      const patch = (id: string, body: unknown) =>
        fetch(`${fake.url}/drive/v3/files/${id}?fields=id,trashed,explicitlyTrashed`, {
          method: 'PATCH',
          headers: { ...auth(), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await patch(own.id, { trashed: true })).status).toBe(200);
      expect(await (await patch(tree.id, { trashed: true })).json()).toEqual({
        id: tree.id,
        trashed: true,
        explicitlyTrashed: true,
      });
      expect([fake.drive.items.get(f.id)!.trashed, fake.drive.items.get(f.id)!.explicitlyTrashed]).toEqual([
        true,
        undefined,
      ]);
      expect(await h.destination!.stat('tree/sub/f.txt')).toBe(null);
      expect((await patch(tree.id, { trashed: false })).status).toBe(200);
      expect(fake.drive.items.get(f.id)!.trashed).toBe(false);
      // trashed on its own, it stays in the trash
      expect(fake.drive.items.get(own.id)!.trashed).toBe(true);
      const bad = await patch(f.id, { trashed: 'yes' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { errors: { reason: string }[] } }).error.errors[0].reason).toBe(
        'invalid',
      );
    },
  );
});

describe('google-drive move', () => {
  let fake: GoogleFake;
  let h: CloudHandle;
  beforeAll(async () => {
    fake = await startGoogleFake();
    const tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
    h = drive.open!({ options: {}, tokens }, testEnv({ endpoints: { googleDrive: fake.url } }));
  });
  afterAll(() => fake.close());

  const auth = () => ({ authorization: `Bearer ${fake.oauth.issueTokens().accessToken}` });
  const patch = (id: string, params: Record<string, string>, body: unknown = {}) => {
    const url = new URL(`${fake.url}/drive/v3/files/${id}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    url.searchParams.set('fields', 'id,name,parents');
    return fetch(url, {
      method: 'PATCH',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  };
  const reasonOf = async (res: Response) => [
    res.status,
    ((await res.json()) as { error: { errors: { reason: string }[] } }).error.errors[0].reason,
  ];

  test('one files.update moves and renames the file, its id kept; a lost answer is sent again', async () => {
    const data = crypto.randomBytes(2000);
    const file = await fake.addFile('mv/a.jpg', data);
    fake.inject({ method: 'PATCH', truncate: 5 }); // moved, answer cut
    const before = fake.requests.length;
    await h.destination!.move!('mv/a.jpg', 'mv/kept/2026/b.jpg');
    // the answer cut after its headers, then the same request again, which finds the file moved
    expect(fake.requests.slice(before).filter((r) => r.method === 'PATCH').length).toBe(2);
    expect(fake.findFiles('mv/kept/2026/b.jpg').map((f) => f.id)).toEqual([file.id]);
    expect(fake.drive.items.get(file.id)!.parents).toEqual([fake.drive.itemsAt('mv/kept/2026')[0].id]);
    expect(await fake.fileBytes('mv/kept/2026/b.jpg')).toEqualBytes(data);
    expect(fake.findFiles('mv/a.jpg')).toEqual([]);
  });

  test('a file of that name in the target folder: exists, and the folder never holds two', async () => {
    const mine = await fake.addFile('clash/a.jpg', Buffer.from('mine'));
    const theirs = await fake.addFile('clash/to/a.jpg', Buffer.from('theirs'));
    const patches = fake.requests.filter((r) => r.method === 'PATCH').length;
    await expect(h.destination!.move!('clash/a.jpg', 'clash/to/a.jpg')).rejects.toSatisfy(
      (err: Error) => err instanceof CloudError && err.reason === 'exists',
    );
    expect(fake.requests.filter((r) => r.method === 'PATCH').length).toBe(patches);
    expect(fake.findFiles('clash/to/a.jpg').map((f) => f.id)).toEqual([theirs.id]);
    expect(fake.findFiles('clash/a.jpg').map((f) => f.id)).toEqual([mine.id]);
  });

  test('the emulator: addParents and removeParents, with Drive’s one parent per item', async () => {
    const file = await fake.addFile('raw/a.txt', Buffer.from('a'));
    const raw = fake.drive.itemsAt('raw')[0];
    const dir = fake.addFolder('raw/dir');
    const inner = fake.addFolder('raw/dir/inner');
    expect(await reasonOf(await patch(file.id, { addParents: dir.id }))).toEqual([403, 'cannotAddParent']);
    expect(await reasonOf(await patch(file.id, { addParents: 'nothing', removeParents: raw.id }))).toEqual([
      404,
      'notFound',
    ]);
    expect(await reasonOf(await patch(dir.id, { addParents: inner.id, removeParents: raw.id }))).toEqual([
      400,
      'invalidParent',
    ]);
    expect(await reasonOf(await patch(file.id, {}, { parents: [dir.id] }))).toEqual([403, 'fieldNotWritable']);
    // nothing refused moved anything
    expect(fake.drive.items.get(file.id)!.parents).toEqual([raw.id]);
    expect(fake.drive.items.get(dir.id)!.parents).toEqual([raw.id]);
    const moved = await patch(file.id, { addParents: dir.id, removeParents: raw.id }, { name: 'b.txt' });
    expect([moved.status, await moved.json()]).toEqual([200, { id: file.id, name: 'b.txt', parents: [dir.id] }]);
    expect((await fake.fileBytes('raw/dir/b.txt')).toString()).toBe('a');
  });
});
