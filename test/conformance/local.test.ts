import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import local from '../../connectors/local/index.ts';
import { KEPT_MS } from '../../connectors/local/kept.ts';
import { fsCalls, toCloudError } from '../../connectors/local/client.ts';
import { readIntoOf } from '../../connectors/lib/bytes.ts';
import { CloudError, type CloudHandle, type ConnectorEnv, type SourceItem } from '../../connectors/types.ts';
import { conformance } from './suite.ts';
import { testEnv } from '../support/env.ts';

conformance('local', async () => {
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-conf-local-')));
  const env = testEnv({ localRoots: [root], allowPrivateEndpoints: false });
  const options = await local.prepare!({ root: '' }, env, { userId: 'owner-1' });
  return {
    handle: local.open!({ options, ownerId: 'owner-1' }, env),
    close: () => fs.rm(root, { recursive: true, force: true }),
    async seed(files) {
      for (const [rel, data] of files) {
        await fs.mkdir(path.dirname(path.join(options.root, rel)), { recursive: true });
        await fs.writeFile(path.join(options.root, rel), data);
      }
    },
    providerPage: 0,
    nativeHash: 'sha256',
    resumable: true,
  };
});

const isReason = (reason: string, message?: RegExp) => (err: Error) =>
  err instanceof CloudError && err.reason === reason && (!message || message.test(err.message));

async function filesUnder(dir: string): Promise<string[]> {
  return (await fs.readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => !d.isDirectory())
    .map((d) => path.join(d.parentPath, d.name));
}

describe('local connector: confined to its owner’s space, links never followed', () => {
  let base: string;
  let roots: string;
  let outside: string;
  let space: string;
  let env: ConnectorEnv;
  let h: CloudHandle;

  beforeAll(async () => {
    base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-local-')));
    roots = path.join(base, 'roots');
    outside = path.join(base, 'outside');
    await fs.mkdir(roots);
    await fs.mkdir(outside);
    env = testEnv({ localRoots: [roots], allowPrivateEndpoints: false });
    const options = await local.prepare!({ root: '' }, env, { userId: 'alice' });
    space = path.join(roots, 'alice');
    expect(options.root).toBe(space);
    h = local.open!({ options, ownerId: 'alice' }, env);
  });
  afterAll(() => fs.rm(base, { recursive: true, force: true }));

  test('the space is made on first use, readable by Ferry alone', async () => {
    expect((await fs.stat(space)).mode & 0o777).toBe(0o700);
  });

  test('a folder swapped for a link to elsewhere while a file is written: no byte lands outside', async () => {
    await fs.mkdir(path.join(space, 'dst/sub'), { recursive: true });
    const swapping = Readable.from(
      (async function* () {
        yield Buffer.from('first half, ');
        // Mid-upload, the folder being written to is moved away and a link to the outside put in its place.
        await fs.rename(path.join(space, 'dst/sub'), path.join(space, 'dst/sub.moved'));
        await fs.symlink(outside, path.join(space, 'dst/sub'));
        yield Buffer.from('second half');
      })(),
    );
    await h.destination!.put('dst/sub/photo.jpg', async () => swapping, { mode: 'create' });
    expect(await filesUnder(outside)).toEqual([]);
    // The file went where the folder went: inside the user's space.
    expect(await fs.readFile(path.join(space, 'dst/sub.moved/photo.jpg'), 'utf8')).toBe('first half, second half');
    // Now that the link is there, writing through it is refused; nothing lands outside either.
    await expect(
      h.destination!.put('dst/sub/next.jpg', async () => Readable.from([Buffer.from('x')]), { mode: 'create' }),
    ).rejects.toSatisfy(isReason('invalid_options', /symbolic link/));
    await expect(
      h.destination!.put('dst/sub/deeper/next.jpg', async () => Readable.from([Buffer.from('x')]), { mode: 'replace' }),
    ).rejects.toSatisfy(isReason('invalid_options', /symbolic link/));
    expect(await filesUnder(outside)).toEqual([]);
    // Nor is anything read, listed or browsed through it.
    await fs.writeFile(path.join(outside, 'secret.txt'), 'not yours');
    await expect(h.source!.open({ id: 'dst/sub/secret.txt' })).rejects.toSatisfy(
      isReason('invalid_options', /symbolic link/),
    );
    const listed: string[] = [];
    for await (const item of h.source!.list('dst')) listed.push(item.path);
    expect(listed).toEqual(['sub.moved/photo.jpg']);
    expect((await h.browse('dst', undefined)).entries.map((e) => e.name)).toEqual(['sub.moved']);
    await fs.rm(path.join(outside, 'secret.txt'));
  });

  test('an upload may read a file straight into its buffers: the stream’s bytes, then the file closes', async () => {
    const data = crypto.randomBytes(300_000);
    await fs.mkdir(path.join(space, 'into'), { recursive: true });
    await fs.writeFile(path.join(space, 'into/photo.jpg'), data);
    const openFiles = async () => (await fs.readdir('/proc/self/fd')).length;
    // Counted once the cloud's folder, kept open a moment after each use (withRoot), was let go.
    const settled = () => new Promise((r) => setTimeout(r, KEPT_MS + 200));
    await settled();
    const before = await openFiles();
    for (const range of [{}, { offset: 1000 }, { offset: 5000, length: 70_000 }, { offset: 300_000 }]) {
      const stream = await h.source!.open({ id: 'into/photo.jpg' }, range);
      const into = readIntoOf(stream)!;
      expect(into).toBeInstanceOf(Function);
      const start = range.offset ?? 0;
      const end = range.length === undefined ? data.length : start + range.length;
      const got: Buffer[] = [];
      for (let n = -1; n !== 0; ) {
        const buf = Buffer.alloc(128 * 1024);
        n = await into(buf);
        got.push(buf.subarray(0, n));
      }
      expect(Buffer.concat(got).equals(data.subarray(start, end))).toBe(true);
      stream.destroy();
      await new Promise((r) => stream.once('close', r));
      await expect(into(Buffer.alloc(1))).rejects.toThrow(/closed/);
    }
    await settled();
    expect(await openFiles()).toBe(before);
  });

  test('bounded reads of a file (an archive’s entries) share one open file, closed a moment after', async () => {
    const data = crypto.randomBytes(64_000);
    await fs.mkdir(path.join(space, 'parts'), { recursive: true });
    await fs.writeFile(path.join(space, 'parts/takeout-001.zip'), data);
    const openFiles = async () => (await fs.readdir('/proc/self/fd')).length;
    const settled = () => new Promise((r) => setTimeout(r, KEPT_MS + 200));
    await settled();
    const before = await openFiles();
    const streams = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        h.source!.open({ id: 'parts/takeout-001.zip' }, { offset: i * 4000, length: 4000 }),
      ),
    );
    // The folder and the file, once each, for the sixteen reads.
    expect((await openFiles()) - before).toBeLessThanOrEqual(2);
    const got = await Promise.all(streams.map(async (s) => Buffer.concat(await s.toArray())));
    expect(Buffer.concat(got).equals(data)).toBe(true);
    // A read cut short, and one that fails, let the file go as well.
    const cut = await h.source!.open({ id: 'parts/takeout-001.zip' }, { offset: 0, length: 60_000 });
    cut.destroy();
    await expect(h.source!.open({ id: 'parts/missing.zip' }, { offset: 0, length: 10 })).rejects.toSatisfy(
      isReason('not_found'),
    );
    await settled();
    expect(await openFiles()).toBe(before);
    // A file put in its place is read once the old one was let go.
    await fs.writeFile(path.join(space, 'parts/download.tmp'), 'replaced');
    await fs.rename(path.join(space, 'parts/download.tmp'), path.join(space, 'parts/takeout-001.zip'));
    const again = await h.source!.open({ id: 'parts/takeout-001.zip' }, { offset: 0, length: 8 });
    expect(Buffer.concat(await again.toArray()).toString()).toBe('replaced');
  });

  test('the cloud’s folder, kept open between reads, is found anew once left alone', async () => {
    await fs.mkdir(path.join(space, 'album'));
    await fs.writeFile(path.join(space, 'album/photo.jpg'), 'first');
    const album = local.open!(
      { options: await local.prepare!({ root: 'album' }, env, { userId: 'alice' }), ownerId: 'alice' },
      env,
    );
    const read = async () => Buffer.concat(await (await album.source!.open({ id: 'photo.jpg' })).toArray()).toString();
    expect(await Promise.all([read(), read(), read()])).toEqual(['first', 'first', 'first']);
    // The folder is moved away and another takes its name.
    await fs.rename(path.join(space, 'album'), path.join(space, 'album.old'));
    await fs.mkdir(path.join(space, 'album'));
    await fs.writeFile(path.join(space, 'album/photo.jpg'), 'second');
    await new Promise((r) => setTimeout(r, KEPT_MS + 200));
    expect(await read()).toBe('second');
    await album.destination!.put('new.jpg', async () => Readable.from([Buffer.from('written')]), { mode: 'create' });
    expect(await fs.readFile(path.join(space, 'album/new.jpg'), 'utf8')).toBe('written');
    // A folder gone is said so, once more after the moment.
    await fs.rm(path.join(space, 'album'), { recursive: true });
    await new Promise((r) => setTimeout(r, KEPT_MS + 200));
    await expect(read()).rejects.toSatisfy(isReason('unreachable', /no longer exists/));
  });

  test('a hard-linked file is not read: listed with the reason, and refused when opened', async () => {
    await fs.writeFile(path.join(outside, 'shadow'), 'the server’s file');
    await fs.mkdir(path.join(space, 'src'), { recursive: true });
    await fs.link(path.join(outside, 'shadow'), path.join(space, 'src/linked.txt'));
    await fs.writeFile(path.join(space, 'src/own.txt'), 'mine');
    const items: SourceItem[] = [];
    for await (const item of h.source!.list('src')) items.push(item);
    expect(items.map((i) => [i.path, i.problem ?? null])).toEqual([
      ['linked.txt', items[0].problem],
      ['own.txt', null],
    ]);
    expect(items[0].problem!).toMatch(/other hard links/);
    await expect(h.source!.open({ id: 'src/linked.txt' })).rejects.toSatisfy(
      isReason('invalid_options', /other hard links/),
    );
    expect(await h.destination!.hashOf!('src/linked.txt', undefined, 'md5')).toBe(null);
  });

  test('a commit that fails leaves no partial file, and mode create never replaces', async () => {
    await fs.mkdir(path.join(space, 'commit/taken/inner'), { recursive: true });
    // 'replace' onto a folder: the rename fails.
    await expect(
      h.destination!.put('commit/taken', async () => Readable.from([Buffer.from('bytes')]), {
        mode: 'replace',
        size: 5,
      }),
    ).rejects.toSatisfy(isReason('invalid_options', /is a folder/));
    await fs.writeFile(path.join(space, 'commit/owners.jpg'), 'owner’s bytes');
    await expect(
      h.destination!.put('commit/owners.jpg', async () => Readable.from([Buffer.from('other')]), {
        mode: 'create',
        size: 5,
      }),
    ).rejects.toSatisfy(isReason('exists'));
    expect(await fs.readFile(path.join(space, 'commit/owners.jpg'), 'utf8')).toBe('owner’s bytes');
    expect((await fs.readdir(path.join(space, 'commit'))).sort()).toEqual(['owners.jpg', 'taken']);
  });

  test('file-system errors are CloudErrors that name no server path', async () => {
    await fs.writeFile(path.join(space, 'plain.txt'), 'x');
    const cases: Array<[() => Promise<unknown>, string, RegExp]> = [
      [() => h.browse('x'.repeat(256), undefined), 'invalid_options', /longer than the server's file system allows/],
      [() => h.browse('plain.txt', undefined), 'not_found', /plain\.txt/],
      [() => h.browse('a/../..', undefined), 'invalid_options', /"\.\."/],
      [
        () =>
          h.destination!.put(`deep/${'y'.repeat(256)}.jpg`, async () => Readable.from([Buffer.from('x')]), {
            mode: 'create',
          }),
        'invalid_options',
        /longer/,
      ],
      [
        () =>
          h.destination!.put('plain.txt/inside.jpg', async () => Readable.from([Buffer.from('x')]), { mode: 'create' }),
        'not_found',
        /plain\.txt/,
      ],
      [() => h.source!.open({ id: 'nothing/here.jpg' }), 'not_found', /nothing\/here\.jpg/],
    ];
    for (const [call, reason, message] of cases) {
      const err = await call().then(
        () => {
          throw new Error('should have failed');
        },
        (e: Error) => e,
      );
      expect(isReason(reason, message)(err)).toBeTruthy();
      expect(err.message).not.toContain(base);
    }
    expect(await filesUnder(path.join(space, 'deep')).catch(() => [])).toEqual([]);
  });

  test('another user’s space, the shared root and other folders are out of reach', async () => {
    await fs.mkdir(path.join(roots, 'bob/photos'), { recursive: true });
    for (const root of [
      path.join(roots, 'bob/photos'),
      path.join(roots, 'bob'),
      roots,
      `${space}/../bob`,
      '../bob',
      outside,
      '/etc',
      '/root/.bash_history',
    ]) {
      await expect(local.prepare!({ root }, env, { userId: 'alice' })).rejects.toSatisfy((err: Error) => {
        expect(isReason('invalid_options', /your own space/)(err)).toBeTruthy();
        // Nothing of the server is told: neither the path tried nor whether it exists.
        expect((space.startsWith(root) || !err.message.includes(root)) && !/exist/.test(err.message)).toBeTruthy();
        return true;
      });
    }
    // A cloud stored with a root in alice's space, opened for bob, reaches nothing.
    const stolen = local.open!({ options: { root: space }, ownerId: 'bob' }, env);
    await expect(stolen.check()).rejects.toSatisfy(isReason('unreachable'));
    await expect(stolen.browse('', undefined)).rejects.toSatisfy(isReason('unreachable'));
  });

  test(
    'a disk without hard links (FAT32, exFAT, SMB without Unix extensions): ' +
      'mode create still commits, never replaces, and leaves no partial file',
    async () => {
      const link = fsCalls.link;
      try {
        await fs.mkdir(path.join(space, 'nolink'), { recursive: true });
        await fs.writeFile(path.join(space, 'nolink/owners.jpg'), 'owner’s bytes');
        const codes = ['EPERM', 'EOPNOTSUPP', 'ENOTSUP', 'EMLINK'];
        for (const code of codes) {
          // As such a file system answers link().
          fsCalls.link = async (from, to) => {
            throw Object.assign(new Error(`${code}: operation not permitted, link '${from}' -> '${to}'`), {
              code,
              errno: -1,
              syscall: 'link',
            });
          };
          const stored = await h.destination!.put(
            `nolink/${code}.jpg`,
            async () => Readable.from([Buffer.from(`bytes of ${code}`)]),
            { mode: 'create' },
          );
          expect(stored.size).toBe(`bytes of ${code}`.length);
          expect(await fs.readFile(path.join(space, `nolink/${code}.jpg`), 'utf8')).toBe(`bytes of ${code}`);
          await expect(
            h.destination!.put('nolink/owners.jpg', async () => Readable.from([Buffer.from('other')]), {
              mode: 'create',
              size: 5,
            }),
          ).rejects.toSatisfy(isReason('exists'));
          expect(await fs.readFile(path.join(space, 'nolink/owners.jpg'), 'utf8')).toBe('owner’s bytes');
        }
        // no partial or reserved file left
        expect((await fs.readdir(path.join(space, 'nolink'))).sort()).toEqual(
          [...codes.map((c) => `${c}.jpg`), 'owners.jpg'].sort(),
        );
        // Should link's refusal ever be told, it is said as what it is, not as a permission problem.
        const told = toCloudError(
          Object.assign(new Error('EPERM'), { code: 'EPERM', syscall: 'link' }),
          'a.jpg',
        ) as CloudError;
        expect(told.message).toMatch(/this file system has no hard links/);
        expect(told.message).not.toMatch(/permission/);
      } finally {
        fsCalls.link = link;
      }
    },
  );

  test(
    'a FIFO in place of a file is not offered, and opening or ' + 'hashing it is refused at once, not waited on',
    async () => {
      await fs.mkdir(path.join(space, 'fifo'), { recursive: true });
      await fs.writeFile(path.join(space, 'fifo/a.jpg'), 'photo');
      const pipe = path.join(space, 'fifo/swapped.jpg');
      execFileSync('mkfifo', [pipe]);
      // Frees any reader blocked on it (a blocking open waits for a writer), so a failure ends.
      const release = () =>
        fs.open(pipe, constants.O_WRONLY | constants.O_NONBLOCK).then(
          (f) => f.close(),
          () => {},
        );
      const prompt = async <T>(what: string, p: Promise<T>): Promise<T> => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            void release();
            reject(new Error(`${what} waited on the FIFO`));
          }, 2000);
        });
        try {
          return await Promise.race([p, late]);
        } finally {
          clearTimeout(timer);
        }
      };
      const listed: string[] = [];
      for await (const item of h.source!.list('fifo')) listed.push(item.path);
      expect(listed).toEqual(['a.jpg']);
      expect((await h.browse('fifo', undefined)).entries.map((e) => e.name)).toEqual(['a.jpg']);
      await expect(prompt('open', h.source!.open({ id: 'fifo/swapped.jpg' }))).rejects.toSatisfy(
        isReason('invalid_options', /not a regular file/),
      );
      expect(await prompt('hashOf', h.destination!.hashOf!('fifo/swapped.jpg', undefined, 'md5'))).toBe(null);
    },
  );
});
