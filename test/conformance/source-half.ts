// The source half of the conformance suite: what list(), open() and browse() promise, on files the
// subject made at the source by the provider's own means, so a source-only connector runs it too.
import crypto from 'node:crypto';
import { expect, test } from '@jest/globals';
import { hashBytes } from '../../connectors/lib/hashes.ts';
import type { HashKind, SourceItem } from '../../connectors/types.ts';
import { browseAll, byName, bytesOf, firstBytes, isReason, listAll, MiB } from './helpers.ts';
import type { Under } from './suite.ts';

/** Entries of a browse() page in the connectors that page a folder read whole (connectors/lib/paging.ts). */
const BROWSE_PAGE = 500;

export function sourceHalf(c: Under, ownLayout: boolean): void {
  const unlessOwnLayout = ownLayout ? test.skip : test;
  const src = () => `${c.base}/src`;
  const tree: Array<[string, Buffer]> = [
    ['a.jpg', crypto.randomBytes(1234)],
    ['empty.txt', Buffer.alloc(0)],
    ['sub/b.mp4', crypto.randomBytes(300_000)],
    ['sub/deeper/ünï cödé.png', crypto.randomBytes(10)],
    // One name in two folders: two files.
    ['x/IMG_1.HEIC', crypto.randomBytes(700)],
    ['y/IMG_1.HEIC', crypto.randomBytes(800)],
  ];
  const own = () => c.s.ownLayout;
  const bytesAt = (rel: string) => tree.find(([p]) => p === rel)![1];
  let listed: SourceItem[] = [];

  /** The seeded files among the items (all of them, unless the source adds files of its own). */
  const seededOf = (items: SourceItem[]) => items.filter((i) => own()?.media(i) ?? true);

  /** Which seeded file an item is: by path, or by its bytes where the source lays files out itself. */
  async function whichFile(item: SourceItem): Promise<string> {
    if (!own()) return item.path;
    const got = await bytesOf(await c.h.source!.open(item));
    const found = tree.find(([, data]) => data.equals(got));
    expect(found).toBeTruthy();
    return found![0];
  }

  test('what the cloud declares (its features) does not change while it lists', async () => {
    await c.s.seed!(tree.map(([rel, data]) => [`${src()}/${rel}`, data]));
    const features = structuredClone(c.h.features);
    await listAll(c.h, own() ? '' : src());
    expect(c.h.features).toEqual(features);
  });

  test('list gives every file once: its path from the folder listed, its size, its bytes, a version', async () => {
    listed = seededOf(await listAll(c.h, own() ? '' : src()));
    const files = await Promise.all(listed.map(whichFile));
    // each file once
    expect([...files].sort()).toEqual(tree.map(([p]) => p).sort());
    for (const [i, item] of listed.entries()) {
      const data = bytesAt(files[i]);
      expect(item.size).toBe(data.length);
      expect((await bytesOf(await c.h.source!.open(item))).equals(data)).toBeTruthy();
      expect(item.version).toBeTruthy();
    }
    if (!own()) {
      expect(listed.map((i) => [i.path, i.mediaType]).filter(([p]) => /\.(jpg|mp4|txt)$/.test(p))).toEqual([
        ['a.jpg', 'photo'],
        ['empty.txt', 'other'],
        ['sub/b.mp4', 'video'],
      ]);
    }
  });

  test('ids: distinct for distinct files (one name in two folders too), the same when listed again', async () => {
    // no two files share an id
    expect(new Set(listed.map((i) => i.id)).size).toBe(listed.length);
    const again = seededOf(await listAll(c.h, own() ? '' : src()));
    // ids and versions are stable from listing to listing
    expect(again.map((i) => [i.path, i.id, i.version])).toEqual(listed.map((i) => [i.path, i.id, i.version]));
  });

  test('ids: a file has the same id whichever folder was listed, and opens by it', async () => {
    if (own()) {
      // A folder of the source's own layout: what is under it, with paths from it, the same ids.
      const top = listed[0].path.split('/')[0];
      const under = seededOf(await listAll(c.h, top));
      expect(under.map((i) => [i.id, `${top}/${i.path}`])).toEqual(
        listed.filter((i) => i.path.startsWith(`${top}/`)).map((i) => [i.id, i.path]),
      );
      await expect(listAll(c.h, `${c.base}/no/such/folder`)).rejects.toSatisfy(isReason('not_found'));
      return;
    }
    for (const folder of [`${src()}/sub`, `${src()}/sub/deeper`, c.base, '']) {
      const items = await listAll(c.h, folder);
      const prefix = folder ? `${folder}/` : '';
      const rel = (p: string) => `${src()}/${p}`.slice(prefix.length);
      for (const [p, data] of tree) {
        if (!`${src()}/${p}`.startsWith(prefix)) continue;
        const item = items.find((i) => i.path === rel(p));
        expect(item).toBeTruthy();
        expect(item!.id).toBe(listed.find((i) => i.path === p)!.id);
        expect((await bytesOf(await c.h.source!.open(item!))).equals(data)).toBeTruthy();
      }
    }
  });

  // A source of exports never replaces a file: a new export brings new ones.
  unlessOwnLayout(
    'a replaced file: the same path and id where the provider ' + 'keeps it, another version, the new bytes',
    async () => {
      const before = listed.find((i) => i.path === 'x/IMG_1.HEIC')!;
      // The same size: the version must tell the new content by more than its size.
      const next = crypto.randomBytes(700);
      await c.s.seed!([[`${src()}/x/IMG_1.HEIC`, next]]);
      const after = (await listAll(c.h, src())).find((i) => i.path === 'x/IMG_1.HEIC')!;
      // the same file, the same id
      expect(after.id).toBe(before.id);
      // another version
      expect(after.version).not.toBe(before.version);
      expect(after.size).toBe(next.length);
      expect((await bytesOf(await c.h.source!.open(after))).equals(next)).toBeTruthy();
    },
  );

  test('bounded reads: open({offset, length}) gives the bytes from the offset, and asks for just them', async () => {
    const item = listed.find((i) => i.size === 300_000)!;
    const data = bytesAt('sub/b.mp4');
    const range = c.s.lastRange;
    // Every source honours an offset: a resumed upload asks for the rest.
    const cases: Array<[offset: number, length: number | undefined]> = [
      [0, 10],
      [1000, 5000],
      [99_000, undefined],
      [299_999, undefined],
      [299_990, 10],
      // A length past the end gives what there is; an offset at the end, nothing (a resumed
      // upload that had every byte already opens its source there).
      [299_995, 100],
      [300_000, undefined],
      [300_000, 10],
    ];
    for (const [offset, length] of cases) {
      const stream = await c.h.source!.open(item, { offset, length });
      const want = data.subarray(offset, length === undefined ? undefined : offset + length);
      const got = length === undefined ? await bytesOf(stream) : await firstBytes(stream, length);
      expect(got.equals(want)).toBeTruthy();
      if (range && offset < data.length) {
        const asked = length === undefined ? `bytes=${offset}-` : `bytes=${offset}-${offset + length - 1}`;
        expect(range()).toBe(asked);
      }
    }
  });

  test('the hashes a listing gives are those of the bytes, of every kind the bytes give', async () => {
    const files: Array<[string, Buffer]> = [
      ['empty.txt', Buffer.alloc(0)],
      ['small.jpg', crypto.randomBytes(1234)],
      ['blocks.bin', crypto.randomBytes(4 * MiB + 5)], // more than one of Dropbox's 4 MiB blocks
    ];
    await c.s.seed!(files.map(([rel, data]) => [`${c.base}/hashes/${rel}`, data]));
    const items = seededOf(await listAll(c.h, own() ? '' : `${c.base}/hashes`));
    let checked = 0;
    for (const item of items) {
      const bytes = await bytesOf(await c.h.source!.open(item));
      if (own() && !files.some(([, d]) => d.equals(bytes))) continue;
      for (const [kind, value] of Object.entries(item.hashes ?? {}) as Array<[HashKind, string]>) {
        const want = hashBytes(kind, bytes);
        if (want === null) continue; // a multipart ETag: not a hash of the bytes alone
        expect(value).toBe(want);
        checked++;
      }
    }
    const kept = c.s.listedHash;
    if (kept) {
      for (const item of items) expect(item.hashes?.[kept]).toBeTruthy();
      // every hash was checked against the bytes
      expect(checked).toBeGreaterThanOrEqual(items.length);
    }
  });

  // A source of exports browses the folder they are delivered to.
  unlessOwnLayout('browse: folders first, then files, each by name; every entry once over all its pages', async () => {
    const folder = `${c.base}/many`;
    const n = Math.max(c.s.providerPage ?? 0, BROWSE_PAGE) + 3;
    const names = Array.from({ length: n }, (_, i) => `f${String(i).padStart(5, '0')}.txt`);
    // Folders whose names sort before and after every file.
    await c.s.seed!([
      ...names.map((name): [string, Buffer] => [`${folder}/${name}`, Buffer.from('x')]),
      [`${folder}/a-dir/in.txt`, Buffer.from('a')],
      [`${folder}/zz-dir/in.txt`, Buffer.from('z')],
    ]);
    const { entries, pages } = await browseAll(c.h, folder);
    expect(pages).toBeGreaterThan(1);
    expect(entries.map((e) => [e.type, e.name, e.path])).toEqual([
      ['folder', 'a-dir', `${folder}/a-dir`],
      ['folder', 'zz-dir', `${folder}/zz-dir`],
      ...[...names].sort(byName).map((name) => ['file', name, `${folder}/${name}`]),
    ]);
    // files have their size
    expect(entries.filter((e) => e.type === 'file').every((e) => e.size === 1)).toBeTruthy();
    const items = await listAll(c.h, folder);
    // list() gives each of them once
    expect(items.map((i) => i.path)).toEqual(['a-dir/in.txt', ...names, 'zz-dir/in.txt'].sort(byName));
  });

  // A source of exports lists all it offers, whatever the folder.
  unlessOwnLayout('a missing folder, or a file, is not_found, listed or browsed', async () => {
    await expect(listAll(c.h, `${c.base}/no/such/folder`)).rejects.toSatisfy(isReason('not_found'));
    await expect(c.h.browse(`${c.base}/no/such/folder`, undefined)).rejects.toSatisfy(isReason('not_found'));
    // A file is not a folder.
    // a file listed
    await expect(listAll(c.h, `${src()}/a.jpg`)).rejects.toSatisfy(isReason('not_found'));
    // a file browsed
    await expect(c.h.browse(`${src()}/a.jpg`, undefined)).rejects.toSatisfy(isReason('not_found'));
  });
}
