// Where an indexed part's entries are kept: pages of a few entries each, written while the part is
// indexed and read one at a time, replaced whole when the part is indexed anew.
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import type { InlinePart, PartRecord } from '../../connectors/google-takeout/catalogue.ts';
import { PART_KEY, paging } from '../../connectors/google-takeout/parts.ts';
import type { SourceItem } from '../../connectors/types.ts';
import { fromBuffer, writeTarGz, writeZip } from '../support/archives.ts';
import { takeoutSource } from '../support/takeout-source.ts';

const ZIP = 'takeout-20260501T000000Z-001.zip';
const pageSize = paging.entries;
beforeEach(() => {
  paging.entries = 2;
});
afterEach(() => {
  paging.entries = pageSize;
});

async function listAll(items: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Photos IMG_<from>… with a dated sidecar each, but for those `undated` names. */
function photos(from: number, count: number, undated: number[] = []) {
  return Array.from({ length: count }, (_, k) => {
    const n = from + k;
    const name = `Takeout/Google Photos/Photos from 2019/IMG_${n}.jpg`;
    const sidecar = { title: `IMG_${n}.jpg`, photoTakenTime: { timestamp: String(1563107400 + n) } };
    return [
      { name, data: Buffer.from(`photo ${n}`) },
      ...(undated.includes(n) ? [] : [{ name: `${name}.json`, data: Buffer.from(JSON.stringify(sidecar)) }]),
    ];
  }).flat();
}

/** The state's values under `prefix`, by key. */
const valuesUnder = (values: Map<string, string>, prefix: string) =>
  new Map([...values].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k, JSON.parse(v)]));

const mediaPaths = (items: SourceItem[]) => items.filter((i) => i.id.startsWith('m:')).map((i) => i.path);

test("a part's entries are kept a page at a time; indexed anew, its old pages go", async () => {
  const files = { [ZIP]: fromBuffer(writeZip(photos(0, 5, [1, 4]))) };
  const { source, state, versions } = takeoutSource(files);
  const first = await listAll(source.list(''));
  expect(mediaPaths(first)).toHaveLength(5);

  const record = (await state.get(PART_KEY('20260501T000000Z', 1))) as PartRecord;
  expect(record).not.toHaveProperty('media');
  expect(record.pages).toMatchObject({ media: 5, sidecars: 3 });
  const pages = valuesUnder(state.values, 'page:');
  const tag = `page:20260501T000000Z:001:${record.pages.tag}:`;
  expect([...pages.keys()].sort()).toEqual(['m0', 'm1', 'm2', 's0', 's1'].map((k) => tag + k));
  // The media in archive order, two to a page; the two without a sidecar's date had their own
  // looked for (none in these bytes), and that was saved into their pages.
  const media = ['m0', 'm1', 'm2'].flatMap((k) => pages.get(tag + k) as Array<{ rel: string; exif?: null }>);
  expect(media.map((m) => m.rel)).toEqual([0, 1, 2, 3, 4].map((n) => `Photos from 2019/IMG_${n}.jpg`));
  expect(media.map((m) => m.exif)).toEqual([undefined, null, undefined, undefined, null]);

  // The file replaced by another export of that name: indexed anew, under a new tag, the old pages gone.
  files[ZIP] = fromBuffer(writeZip(photos(10, 3)));
  versions[ZIP] = '2';
  const second = await listAll(source.list(''));
  expect(mediaPaths(second)).toEqual(['2019/07/IMG_10.jpg', '2019/07/IMG_11.jpg', '2019/07/IMG_12.jpg']);
  const again = (await state.get(PART_KEY('20260501T000000Z', 1))) as PartRecord;
  expect(again.pages.tag).not.toBe(record.pages.tag);
  expect([...valuesUnder(state.values, 'page:').keys()].sort()).toEqual(
    ['m0', 'm1', 's0', 's1'].map((k) => `page:20260501T000000Z:001:${again.pages.tag}:${k}`),
  );
});

test('a part that fails while indexed leaves none of its pages behind', async () => {
  const TGZ = 'takeout-20260701T000000Z-001.tgz';
  const whole = writeTarGz(photos(0, 6));
  // Cut short: the entries before the cut were read, and paged, before the damage showed.
  const files = { [TGZ]: fromBuffer(whole.subarray(0, Math.floor(whole.length * 0.9))) };
  const { source, state } = takeoutSource(files);
  const items = await listAll(source.list(''));
  expect(items.map((i) => i.id)).toEqual([`p:${TGZ}`]);
  expect(items[0].problem).toBeTruthy();
  expect([...valuesUnder(state.values, 'page:').keys()]).toEqual([]);
  expect(await state.get(PART_KEY('20260701T000000Z', 1))).toBeUndefined();
});

test('a part record an older Ferry stored with its entries inside is moved to pages by the next build', async () => {
  const files = { [ZIP]: fromBuffer(writeZip(photos(0, 5))) };
  const { source, state, reopened } = takeoutSource(files);
  const listed = await listAll(source.list(''));
  // The index as an older Ferry left it: the entries within the record, no pages, no catalogue.
  const key = PART_KEY('20260501T000000Z', 1);
  const { pages: _, ...record } = (await state.get(key)) as PartRecord;
  const pages = valuesUnder(state.values, 'page:');
  const inline: InlinePart = {
    ...record,
    media: [...pages].filter(([k]) => /:m\d+$/.test(k)).flatMap(([, v]) => v),
    sidecars: [...pages].filter(([k]) => /:s\d+$/.test(k)).flatMap(([, v]) => v),
  };
  expect(inline.media).toHaveLength(5);
  await state.set(key, inline);
  await state.drop('page:');
  await state.set('revision', 'older');
  state.values.delete('catalogue');

  expect(await listAll(reopened().list(''))).toEqual(listed);
  const moved = (await state.get(key)) as PartRecord;
  expect(moved).not.toHaveProperty('media');
  expect(moved.pages).toMatchObject({ media: 5, sidecars: 5 });
  expect(valuesUnder(state.values, 'page:').size).toBe(6);
});
