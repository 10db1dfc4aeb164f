// The external sort a catalogue build groups a library by: rows back in key, then place, order,
// across the files it spilled to, and nothing left on disk after the build, whatever its end.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { withScratch, type Row, type SortedRows } from '../../connectors/google-takeout/sorted-rows.ts';

let parent: string;
beforeAll(async () => {
  parent = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-sorted-'));
});
afterAll(async () => {
  await fs.rm(parent, { recursive: true, force: true });
});
const buildFolders = async () => (await fs.readdir(parent)).sort();

async function all(sorted: SortedRows): Promise<Row[]> {
  const out: Row[] = [];
  for await (const row of sorted.read()) out.push(row);
  return out;
}

test('rows come back in key, then place, order, through files of a few KB each, twice over', async () => {
  // Keys with what a folder name may hold (tabs, newlines, quotes, non-Latin), values of every JSON kind.
  const keys = ['Photos from 2019/', 'a\tb/', 'line\nbreak/', '"quoted"/', 'Émile/', '写真/', ''];
  const rows: Row[] = Array.from({ length: 5000 }, (_, i) => ({
    key: keys[i % keys.length],
    n: (i * 7919) % 5003,
    value: i % 3 ? { i, text: `x\ty\n${i}`, list: [i, null, true] } : i % 2 ? `just a string ${i}` : i,
  }));
  let spilled: string[] = [];
  const read = await withScratch(
    async (sorted) => {
      const s = sorted();
      for (const r of rows) await s.push(r);
      spilled = await buildFolders();
      const first = await all(s);
      expect(await all(s)).toEqual(first);
      return first;
    },
    { batchBytes: 4096, parent },
  );
  // It did spill (one folder, of files), and the folder is gone.
  expect(spilled).toHaveLength(1);
  expect(await buildFolders()).toEqual([]);
  const order = (a: Row, b: Row) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.n - b.n);
  expect(read).toEqual([...rows].sort(order));
});

test('a build that fails leaves no files behind', async () => {
  await expect(
    withScratch(
      async (sorted) => {
        const s = sorted();
        for (let i = 0; i < 1000; i++) await s.push({ key: String(i % 10), n: i, value: 'x'.repeat(100) });
        const rows = s.read();
        await rows.next();
        throw new Error('the listing was cancelled');
      },
      { batchBytes: 4096, parent },
    ),
  ).rejects.toThrow('the listing was cancelled');
  expect(await buildFolders()).toEqual([]);
});
