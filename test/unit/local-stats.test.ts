// The local connector's listing looks at its files through a thread of their own (stats.ts): what
// it answers must be what lstat says, path by path and in order, whatever is at the path.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { lstatAll } from '../../connectors/local/stats.ts';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-stats-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('each path as lstat sees it: files, folders, links not followed, hard links counted, nothing', async () => {
  const file = path.join(dir, 'IMG_1.jpg');
  await fs.writeFile(file, Buffer.alloc(12345, 7));
  await fs.utimes(file, new Date('2019-06-01T10:00:00.123Z'), new Date('2019-06-01T10:00:00.123Z'));
  await fs.mkdir(path.join(dir, 'album'));
  await fs.symlink(file, path.join(dir, 'link.jpg'));
  await fs.writeFile(path.join(dir, 'twice.jpg'), 'x');
  await fs.link(path.join(dir, 'twice.jpg'), path.join(dir, 'twice-again.jpg'));
  const names = ['IMG_1.jpg', 'album', 'gone.jpg', 'link.jpg', 'twice.jpg', 'IMG_1.jpg/not-a-folder'];
  const got = await lstatAll(names.map((n) => path.join(dir, n)));
  const real = await fs.lstat(file);
  expect(got).toEqual([
    { isFile: true, size: 12345, mtimeMs: real.mtimeMs, nlink: 1 },
    expect.objectContaining({ isFile: false }),
    undefined,
    // The link itself, not its target.
    expect.objectContaining({ isFile: false }),
    expect.objectContaining({ isFile: true, size: 1, nlink: 2 }),
    undefined,
  ]);
  expect(new Date(got[0]!.mtimeMs).toISOString()).toBe('2019-06-01T10:00:00.123Z');
});

test('batches asked at once are each answered with their own paths', async () => {
  const files = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const f = path.join(dir, `f${i}.bin`);
      await fs.writeFile(f, Buffer.alloc(i));
      return f;
    }),
  );
  const batches = await Promise.all(files.map((f, i) => lstatAll([f, files[(i + 1) % files.length]])));
  for (const [i, [a, b]] of batches.entries()) {
    expect(a?.size).toBe(i);
    expect(b?.size).toBe((i + 1) % files.length);
  }
});
