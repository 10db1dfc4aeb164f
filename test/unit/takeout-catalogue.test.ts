// The catalogue: which entries are one file, where each goes, and what its album files say.
import { expect, test } from '@jest/globals';
import type { SourceItem } from '../../connectors/types.ts';
import {
  buildCatalogue,
  pairSidecars,
  pairing,
  unhashed,
  type PartStore,
} from '../../connectors/google-takeout/build.ts';
import { withScratch } from '../../connectors/google-takeout/sorted-rows.ts';
import {
  partRef,
  revivedMedia,
  storedMedia,
  versionOf,
  xmpOf,
  type CatalogueAlbum,
  type IndexedMedia,
  type InlinePart,
  type PartRecord,
} from '../../connectors/google-takeout/catalogue.ts';
import { PART_KEY, paged, pagesIn, paging } from '../../connectors/google-takeout/parts.ts';
import { matchSidecars } from '../../connectors/google-takeout/sidecars.ts';
import { limits } from '../../connectors/google-takeout/index-part.ts';
import { writeTarGz, writeZip, zipFile, fromBuffer, type VirtualFile } from '../support/archives.ts';
import { memoryState, takeoutSource } from '../support/takeout-source.ts';

function part(
  set: string,
  media: IndexedMedia[],
  sidecars: InlinePart['sidecars'] = [],
  albums: InlinePart['albums'] = [],
): InlinePart {
  return {
    set,
    number: 1,
    format: 'zip',
    path: `takeout-${set}-001.zip`,
    sourceId: `takeout-${set}-001.zip`,
    version: '1',
    size: 1e6,
    indexedAt: '',
    bytesRead: 0,
    media,
    sidecars,
    albums,
  };
}

function media(rel: string, size: number, crc32: number, extra: Partial<IndexedMedia> = {}): IndexedMedia {
  const folder = rel.split('/')[0];
  const kind = folder.startsWith('Photos from') ? 'year' : folder === 'Trash' ? 'trash' : 'album';
  return {
    rel,
    kind,
    name: `Takeout/Google Photos/${rel}`,
    size,
    crc32,
    modifiedAt: '2024-01-01T00:00:00.000Z',
    method: 0,
    compressedSize: size,
    localHeaderOffset: 0,
    ...extra,
  };
}

/**
 * The parts as a build reads them: stored in pages of 2 entries (each read a copy, as from the
 * database); its sorted rows spilled to files every `batchBytes`, names paired a key at a time
 * (as few as the links between keys allow), and the cloud's lists in memory.
 */
async function withStore<T>(parts: InlinePart[], fn: (store: PartStore) => Promise<T>, batchBytes = 2048) {
  const state = memoryState();
  const [pageSize, pairedRows] = [paging.entries, pairing.rows];
  paging.entries = 2;
  pairing.rows = 1;
  try {
    for (const p of parts) await paged(state, p);
    const records = parts.map((p) => state.get(PART_KEY(p.set, p.number)) as Promise<PartRecord>);
    return await withScratch(
      (sorted) =>
        fn({
          refs: parts.map(partRef),
          load: (i) => records[i],
          media: (p) => pagesIn(state, p, 'm'),
          sidecars: (p) => pagesIn(state, p, 's'),
          sorted,
          rows: state.rows,
        }),
      { batchBytes },
    );
  } finally {
    paging.entries = pageSize;
    pairing.rows = pairedRows;
  }
}

/** What a build of `parts` stores (media and albums, as read back), and the entries it would hash first. */
function built(parts: InlinePart[], incomplete = new Set<string>()) {
  return withStore(parts, async (store) => {
    const layout = await pairSidecars(store);
    const toHash = (await unhashed(store, layout, layout.occurrences)).map(({ p, j }) => parts[p].media[j].rel);
    await buildCatalogue(store, layout, layout.occurrences, 'catalogue', incomplete, async () => {});
    const rows = await store.rows.page('catalogue', 0, 1e6);
    return {
      unhashed: toHash,
      media: rows.filter((r) => r.key.startsWith('m:')).map((r) => revivedMedia(r.value, store.refs)),
      albums: rows.filter((r) => r.key.startsWith('a:')).map((r) => r.value as CatalogueAlbum),
    };
  });
}

const sidecar = (rel: string, title: string, takenAt: string, extra: object = {}) => ({
  rel,
  meta: {
    title,
    takenAt,
    people: [],
    favorited: false,
    archived: false,
    trashed: false,
    partnerShared: false,
    ...extra,
  },
});

test('copies that agree on size, CRC-32 and what they are are one file, read from none but the first', async () => {
  const parts = [
    part(
      '20260501T000000Z',
      [media('Photos from 2019/IMG_1.jpg', 100, 7), media('Summer/IMG_1.jpg', 100, 7)],
      [
        sidecar('Photos from 2019/IMG_1.jpg.json', 'IMG_1.jpg', '2019-07-14T10:00:00.000Z'),
        sidecar('Summer/IMG_1.jpg.json', 'IMG_1.jpg', '2019-07-14T10:00:00.000Z'),
      ],
      [{ dir: 'Summer', title: 'Summer & Sea', description: 'Beach' }],
    ),
  ];
  const c = await built(parts);
  expect(c.unhashed).toEqual([]);
  expect(c.media.map((m) => [m.path, m.entry.name])).toEqual([
    ['2019/07/IMG_1.jpg', 'Takeout/Google Photos/Photos from 2019/IMG_1.jpg'],
  ]);
  expect(JSON.parse(c.albums[0].json)).toEqual({
    title: 'Summer & Sea',
    description: 'Beach',
    items: ['2019/07/IMG_1.jpg'],
  });
  expect(c.albums[0].path).toBe('Albums/Summer & Sea.json');
});

test("a stored row keeps its XMP's size and version: those of the XMP a copy job makes from the row", async () => {
  const parts = [
    part(
      '20260501T000000Z',
      [
        media('Photos from 2019/IMG_1.jpg', 100, 7),
        media('Photos from 2020/IMG_2.jpg', 200, 8, { exif: { date: '2020-02-03T04:05:06.000Z', offsetMinutes: 60 } }),
        media('Archive/IMG_3.jpg', 300, 9, { kind: 'archive' }),
      ],
      [
        sidecar('Photos from 2019/IMG_1.jpg.json', 'IMG_1.jpg', '2019-07-14T10:00:00.000Z', {
          description: 'Ria & "Zé" <3',
          geo: { latitude: 38.7, longitude: -9.1, altitude: 12 },
          people: ['Ana', 'Rui'],
          favorited: true,
        }),
      ],
    ),
  ];
  const c = await built(parts);
  expect(c.media).toHaveLength(3);
  for (const m of c.media) {
    // The row the build stored, read: its stamp is the XMP's that a copy job makes from it.
    const made = xmpOf({ ...m, xmp: undefined });
    expect(m.xmp).toEqual({ size: Buffer.byteLength(made), version: versionOf(made) });
    // Stored and read again, the same.
    const read = revivedMedia(JSON.parse(JSON.stringify(storedMedia(m, 0))), [m.part]);
    expect(xmpOf({ ...read, xmp: undefined })).toBe(made);
    expect(read.xmp).toEqual(m.xmp);
  }
});

test('sidecars are paired folder by folder as they would be over the whole export at once', async () => {
  // One export over two parts: a folder split between them, one folder listed in NFD in one part and
  // NFC in the other, an edited copy, a clipped name, a "(1)" duplicate, a medium without a sidecar,
  // and a sidecar another folder's medium of that name must not take.
  const nfd = 'Caf\u0065\u0301';
  const nfc = 'Caf\u00e9';
  const long = `${'Long name of a photo from a trip '.repeat(2).trim()}.jpg`;
  const set = '20260501T000000Z';
  const t = '2019-07-14T10:00:00.000Z';
  const one = part(
    set,
    [
      media('Photos from 2019/IMG_1.jpg', 1, 1),
      media('Photos from 2019/IMG_1-edited.jpg', 2, 2),
      media(`${nfd}/IMG_3.jpg`, 3, 3),
      media(`Photos from 2019/${long}`, 4, 4),
      media('Photos from 2019/IMG_5(1).jpg', 5, 5),
    ],
    [
      sidecar('Photos from 2019/IMG_1.jpg.supplemental-metadata.json', 'IMG_1.jpg', t),
      sidecar(`Photos from 2019/${long.slice(0, 46)}.json`, long, t),
      sidecar('Photos from 2019/IMG_5.jpg.supplemental-metadata(1).json', 'IMG_5.jpg', t),
      sidecar('Other/IMG_6.jpg.json', 'IMG_6.jpg', t),
    ],
  );
  const two = {
    ...part(
      set,
      [
        media(`${nfc}/IMG_4.jpg`, 6, 6),
        media('Photos from 2019/IMG_2.jpg', 7, 7),
        media('Photos from 2019/IMG_6.jpg', 8, 8),
      ],
      [
        sidecar(`${nfc}/IMG_3.jpg.json`, 'IMG_3.jpg', t),
        sidecar(`${nfd}/IMG_4.jpg.json`, 'IMG_4.jpg', t),
        sidecar('Photos from 2019/IMG_2.jpg.json', 'IMG_2.jpg', t),
      ],
    ),
    number: 2,
  };
  const parts = [one, two];
  const whole = await matchSidecars(
    parts.flatMap((p) => p.media.map((m) => m.rel)),
    parts.flatMap((p) => p.sidecars.map((s) => ({ path: s.rel, title: s.meta.title }))),
  );
  // Each entry with its sidecar's title, in the order of the entries.
  const paired: Array<[number, string, string | null]> = [];
  await withStore(parts, async (store) => {
    for await (const { n, value } of (await pairSidecars(store)).occurrences.read()) {
      const { entry, meta } = value as { entry: IndexedMedia; meta?: { title: string } };
      paired.push([n, entry.rel, meta?.title ?? null]);
    }
  });
  const pairs = paired.sort((a, b) => a[0] - b[0]).map(([, rel, title]) => [rel, title]);
  const expected = parts.flatMap((p) =>
    p.media.map((m) => {
      const rel = whole.get(m.rel);
      return [m.rel, rel ? parts.flatMap((q) => q.sidecars).find((s) => s.rel === rel)!.meta.title : null];
    }),
  );
  expect(pairs).toEqual(expected);
  // What the rules give here, so that the comparison is not of two empty pairings.
  expect(pairs).toEqual([
    ['Photos from 2019/IMG_1.jpg', 'IMG_1.jpg'],
    ['Photos from 2019/IMG_1-edited.jpg', 'IMG_1.jpg'],
    [`${nfd}/IMG_3.jpg`, 'IMG_3.jpg'],
    [`Photos from 2019/${long}`, long],
    ['Photos from 2019/IMG_5(1).jpg', 'IMG_5.jpg'],
    [`${nfc}/IMG_4.jpg`, 'IMG_4.jpg'],
    ['Photos from 2019/IMG_2.jpg', 'IMG_2.jpg'],
    ['Photos from 2019/IMG_6.jpg', null],
  ]);
});

test("a sidecar found by its title under another key, and a later export's edited copy, keep their pairs", async () => {
  // Names are paired a key at a time (`IMG_7`, `IMG_8`, …). A sidecar renamed so that its name gives another key
  // than its title (`zz-renamed`) holds the keys between back, so that the rule that pairs by title sees both.
  const [a, b] = ['20250101T000000Z', '20260101T000000Z'];
  const t = '2019-07-14T10:00:00.000Z';
  const fillers = Array.from({ length: 6 }, (_, i) => `IMG_8${i}.jpg`);
  const parts = [
    part(
      a,
      [media('Photos from 2019/IMG_7.jpg', 1, 1), media('Photos from 2019/IMG_9.jpg', 2, 2)],
      [
        sidecar('Photos from 2019/zz-renamed.json', 'IMG_7.jpg', t),
        sidecar('Photos from 2019/IMG_9.jpg.json', 'IMG_9.jpg', t),
        ...fillers.map((f) => sidecar(`Photos from 2019/${f}.json`, f, t)),
      ],
    ),
    {
      ...part(b, [
        media('Photos from 2019/IMG_9-edited.jpg', 3, 3),
        ...fillers.map((f, i) => media(`Photos from 2019/${f}`, 10 + i, 10 + i)),
      ]),
      sourceId: 'b',
    },
  ];
  const links = pairing.links;
  // With such sidecars linked, and with too many of them to link (the folder is then matched whole).
  for (const limit of [links, 0]) {
    pairing.links = limit;
    const paired = new Map<string, string | null>();
    try {
      await withStore(parts, async (store) => {
        for await (const { value } of (await pairSidecars(store)).occurrences.read()) {
          const { entry, meta } = value as { entry: IndexedMedia; meta?: { title: string } };
          paired.set(entry.rel, meta?.title ?? null);
        }
      });
    } finally {
      pairing.links = links;
    }
    expect(Object.fromEntries(paired)).toEqual({
      'Photos from 2019/IMG_7.jpg': 'IMG_7.jpg',
      'Photos from 2019/IMG_9.jpg': 'IMG_9.jpg',
      'Photos from 2019/IMG_9-edited.jpg': 'IMG_9.jpg',
      ...Object.fromEntries(fillers.map((f) => [`Photos from 2019/${f}`, f])),
    });
  }
});

test('alike in size and CRC-32 but saying they are different photos: their SHA-256s decide', async () => {
  const a = media('Photos from 2019/IMG_1.jpg', 100, 7);
  const b = media('Photos from 2019/IMG_2.jpg', 100, 7);
  const albumCopyOfB = media('Trip/IMG_2.jpg', 100, 7);
  const parts = [
    part(
      '20260501T000000Z',
      [a, b, albumCopyOfB],
      [
        sidecar('Photos from 2019/IMG_1.jpg.json', 'IMG_1.jpg', '2019-07-14T10:00:00.000Z'),
        sidecar('Photos from 2019/IMG_2.jpg.json', 'IMG_2.jpg', '2019-07-15T10:00:00.000Z'),
        sidecar('Trip/IMG_2.jpg.json', 'IMG_2.jpg', '2019-07-15T10:00:00.000Z'),
      ],
    ),
  ];
  const first = (await built(parts)).unhashed;
  // one entry of each, not the album copy
  expect(first).toEqual(['Photos from 2019/IMG_1.jpg', 'Photos from 2019/IMG_2.jpg']);

  // Different bytes after all (a CRC-32 collision): two files, the album copy with its own photo.
  a.sha256 = 'a'.repeat(64);
  b.sha256 = 'b'.repeat(64);
  const c = await built(parts);
  expect(c.unhashed).toEqual([]);
  expect(c.media.map((m) => m.path).sort()).toEqual(['2019/07/IMG_1.jpg', '2019/07/IMG_2.jpg']);
  expect(new Set(c.media.map((m) => m.key)).size).toBe(2);

  // The same bytes uploaded twice under two names: one file (the first name).
  b.sha256 = a.sha256;
  expect((await built(parts)).media.map((m) => m.path)).toEqual(['2019/07/IMG_1.jpg']);
});

test(
  'names: the title, collision-safe per month, an extension kept from the archive; ' +
    'trashed copies only when all are',
  async () => {
    const parts = [
      part(
        '20260501T000000Z',
        [
          media('Photos from 2019/IMG_9.jpg', 10, 1),
          media('Photos from 2019/IMG_9(1).jpg', 11, 2),
          media('Photos from 2020/Peanut.jpg', 12, 3),
          media('Trash/old.jpg', 13, 4),
          media('Trash/kept.jpg', 14, 5),
          media('Photos from 2020/kept.jpg', 14, 5),
        ],
        [
          sidecar('Photos from 2019/IMG_9.jpg.json', 'IMG_9.jpg', '2019-03-01T00:00:00.000Z'),
          sidecar('Photos from 2019/IMG_9.jpg(1).json', 'IMG_9.jpg', '2019-03-02T00:00:00.000Z'),
          sidecar('Photos from 2020/Peanut.supplemental-metadata.json', 'Peanut', '2020-12-24T17:00:00.000Z'),
          sidecar('Trash/old.jpg.json', 'old.jpg', '2018-01-01T00:00:00.000Z'),
          sidecar('Trash/kept.jpg.json', 'kept.jpg', '2020-05-05T00:00:00.000Z'),
          sidecar('Photos from 2020/kept.jpg.json', 'kept.jpg', '2020-05-05T00:00:00.000Z'),
        ],
      ),
    ];
    const c = await built(parts);
    expect(c.media.map((m) => [m.path, m.trashed])).toEqual([
      ['2019/03/IMG_9.jpg', false],
      ['2019/03/IMG_9 (1).jpg', false],
      ['2020/12/Peanut.jpg', false],
      ['2018/01/old.jpg', true],
      ['2020/05/kept.jpg', false],
    ]);
  },
);

test(
  'an album continued by a later export, whose album file is the ' +
    'minimal 2025 form, keeps its description and all members',
  async () => {
    const parts = [
      part(
        '20260501T000000Z',
        [media('Trip/a.jpg', 1, 1)],
        [sidecar('Trip/a.jpg.json', 'a.jpg', '2019-01-01T00:00:00.000Z')],
        [{ dir: 'Trip', title: 'Trip', description: 'Our trip' }],
      ),
      part(
        '20260701T000000Z',
        [media('Trip/b.jpg', 2, 2)],
        [sidecar('Trip/b.jpg.json', 'b.jpg', '2019-02-01T00:00:00.000Z')],
        [{ dir: 'Trip', title: 'Trip' }],
      ),
    ];
    const c = await built(parts);
    expect(JSON.parse(c.albums[0].json)).toEqual({
      title: 'Trip',
      description: 'Our trip',
      items: ['2019/01/a.jpg', '2019/02/b.jpg'],
    });
  },
);

test(
  'built a group at a time, as the whole library at once: exports in their order, ' +
    'names and albums in the order first seen',
  async () => {
    const [a, b, c] = ['20260501T000000Z', '20260701T000000Z', '20260901T000000Z'];
    const t = '2019-07-14T10:00:00.000Z';
    const parts = [
      // The later export indexed first: its edited copy still takes the earlier export's sidecar.
      part(
        b,
        [media('Photos from 2019/IMG_1-edited.jpg', 2, 2), media('Trip/IMG_1.jpg', 1, 1)],
        [sidecar('Trip/IMG_1.jpg.json', 'IMG_1.jpg', t)],
        [{ dir: 'Trip', title: 'Trip' }],
      ),
      {
        ...part(
          a,
          [
            media('Photos from 2019/IMG_1.jpg', 1, 1),
            // Two photos of one title in one month; the first seen is the one whose group is read last.
            media('Photos from 2019/X.jpg', 9, 9),
            media('Photos from 2019/Y.jpg', 10, 10),
            media('Trash/gone.jpg', 4, 4),
            media('Sad/gone.jpg', 4, 4),
          ],
          [
            sidecar('Photos from 2019/IMG_1.jpg.json', 'IMG_1.jpg', t),
            sidecar('Photos from 2019/X.jpg.json', 'same.jpg', '2019-08-01T00:00:00.000Z'),
            sidecar('Photos from 2019/Y.jpg.json', 'same.jpg', '2019-08-02T00:00:00.000Z'),
            sidecar('Trash/gone.jpg.json', 'gone.jpg', '2018-01-01T00:00:00.000Z'),
            sidecar('Sad/gone.jpg.json', 'gone.jpg', '2018-01-01T00:00:00.000Z', { trashed: true }),
          ],
          [{ dir: 'Sad', title: 'Sad' }],
        ),
        path: `takeout-${a}-002.zip`,
      },
      // An export with a part that cannot be read: its media without a sidecar wait.
      part(
        c,
        [media('Photos from 2020/alone.jpg', 5, 5), media('Photos from 2020/dated.jpg', 6, 6)],
        [sidecar('Photos from 2020/dated.jpg.json', 'dated.jpg', '2020-03-03T00:00:00.000Z')],
      ),
    ];
    const built3 = await built(parts, new Set([c]));
    expect(built3.media.map((m) => [m.path, m.trashed])).toEqual([
      ['2019/07/IMG_1-edited.jpg', false],
      ['2019/07/IMG_1.jpg', false],
      ['2019/08/same.jpg', false],
      ['2019/08/same (1).jpg', false],
      ['2018/01/gone.jpg', true],
      ['2020/03/dated.jpg', false],
    ]);
    expect(built3.media[2].entry.name).toBe('Takeout/Google Photos/Photos from 2019/X.jpg');
    // An album whose only photo is in the trash still has its file, listing nothing.
    expect(built3.albums.map((x) => [x.path, JSON.parse(x.json).items])).toEqual([
      ['Albums/Trip.json', ['2019/07/IMG_1.jpg']],
      ['Albums/Sad.json', []],
    ]);
  },
);

/**
 * The longest the event loop was busy between two runs of a timer while `work` ran: what /healthz
 * would wait. Counted in this thread's CPU time, not wall time, so a machine busy with other
 * processes does not make it look longer.
 */
async function worstLag<T>(work: () => Promise<T>): Promise<{ result: T; lag: number }> {
  const cpu = () => {
    const u = process.threadCpuUsage();
    return (u.user + u.system) / 1000;
  };
  let last = cpu();
  let lag = 0;
  const timer = setInterval(() => {
    const now = cpu();
    lag = Math.max(lag, now - last);
    last = now;
  }, 5);
  try {
    return { result: await work(), lag };
  } finally {
    clearInterval(timer);
  }
}

async function listAll(items: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const i of items) out.push(i);
  return out;
}

test(
  'a crafted part of 30,000 empty entries (and sidecars of other files) ' +
    'is indexed with the event loop answering throughout',
  async () => {
    const dir = 'Takeout/Google Photos/Photos from 2019/';
    const empty = Array.from({ length: 30_000 }, (_, i) => ({
      name: `${dir}IMG_${String(i).padStart(5, '0')}.jpg`,
      method: 0 as const,
    }));
    // Sidecars whose names match no file: each file looks for one by title among them.
    const strays = Array.from({ length: 2_000 }, (_, i) => ({
      name: `${dir}other_${i}.jpg.json`,
      data: Buffer.from(JSON.stringify({ title: `other_${i}.jpg` })),
    }));
    const zip = zipFile([...empty, ...strays]);
    const { source } = takeoutSource({ 'takeout-20260501T000000Z-001.zip': zip });
    const { result: items, lag } = await worstLag(() => listAll(source.list('')));
    // Indexing it takes over 3 s of CPU; the longest step left without a yield is the part record's
    // JSON on its way into the cloud's state (about 110 ms here alone, twice that on a loaded
    // machine), which goes when the catalogue moves into rows of its own.
    expect(lag).toBeLessThan(500);
    // Empty files are all the same (no) bytes: one file, and its XMP.
    expect(items.map((i) => i.id.slice(0, 2)).sort()).toEqual(['m:', 'x:']);
    expect(items.find((i) => i.id.startsWith('m:'))!.size).toBe(0);
  },
);

test(
  'a part with entries sharing their data, or with too many entries, ' +
    'is a failed item saying why; the other parts are read',
  async () => {
    const photo = Buffer.from('a photo');
    const good = writeZip([
      { name: 'Takeout/Google Photos/Photos from 2019/IMG_1.jpg', data: photo },
      {
        name: 'Takeout/Google Photos/Photos from 2019/IMG_1.jpg.json',
        data: Buffer.from(JSON.stringify({ title: 'IMG_1.jpg', photoTakenTime: { timestamp: '1563107400' } })),
      },
    ]);
    const name = (i: number) => `Takeout/Google Photos/Photos from 2019/${String(i).padStart(3, '0')}.jpg`;
    const overlapping = zipFile([
      { name: name(0), data: Buffer.alloc(1024 * 1024) },
      ...Array.from({ length: 99 }, (_, i) => ({ name: name(i + 1), sharesDataOf: 0 })),
    ]);
    const many = writeZip([{ name: 'Takeout/Google Photos/Photos from 2019/x.jpg', data: Buffer.from('x') }], {
      zip64: true,
    });
    const rec = many.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
    many.writeBigUInt64LE(600_000n, rec + 24);
    many.writeBigUInt64LE(600_000n, rec + 32);
    const { source, stats } = takeoutSource({
      'takeout-20260501T000000Z-001.zip': fromBuffer(good),
      'takeout-20260501T000000Z-002.zip': overlapping,
      'takeout-20260501T000000Z-003.zip': fromBuffer(many),
    });
    const items = await listAll(source.list(''));
    const problems = Object.fromEntries(items.filter((i) => i.problem).map((i) => [i.path, i.problem]));
    expect(problems['takeout-20260501T000000Z-002.zip']!).toMatch(
      /zip archive is damaged: ".*" overlaps ".*" .*entries must not share their data/,
    );
    expect(problems['takeout-20260501T000000Z-003.zip']!).toMatch(
      /lists 600000 entries, more than the 500000 Ferry reads from one archive part/,
    );
    expect(
      items
        .filter((i) => !i.problem)
        .map((i) => i.path)
        .sort(),
    ).toEqual(['2019/07/IMG_1.jpg', '2019/07/IMG_1.jpg.xmp']);
    expect(stats.bytes).toBeLessThan(200_000);
  },
);

test(
  'an export past the entries Ferry holds from one export: ' +
    'the parts beyond are failed items saying what to do, the others are read',
  async () => {
    const photos = (set: string, from: number, n: number) =>
      Array.from({ length: n }, (_, i) => {
        const name = `Takeout/Google Photos/Photos from 2019/IMG_${set}_${from + i}.jpg`;
        return [
          { name, data: Buffer.from(`photo ${set} ${from + i}`) },
          {
            name: `${name}.json`,
            data: Buffer.from(
              JSON.stringify({
                title: `IMG_${set}_${from + i}.jpg`,
                photoTakenTime: { timestamp: String(1563107400 + from + i) },
              }),
            ),
          },
        ];
      }).flat();
    const saved = limits.entriesPerExport;
    limits.entriesPerExport = 8; // media and JSON files, across the parts of one export
    try {
      const { source, exportStatus } = takeoutSource({
        'takeout-20260501T000000Z-001.zip': fromBuffer(writeZip(photos('a', 0, 3))), // 6 entries
        'takeout-20260501T000000Z-002.zip': fromBuffer(writeZip(photos('a', 3, 2))), // 10: past the cap
        'takeout-20260501T000000Z-003.zip': fromBuffer(writeZip(photos('a', 5, 3))), // 12
        // 8: fits; its directory lists 4 entries, more than what is left, but it keeps 2 of them.
        'takeout-20260501T000000Z-004.zip': fromBuffer(
          writeZip([
            { name: 'Takeout/', data: Buffer.alloc(0) },
            { name: 'Takeout/archive_browser.html', data: Buffer.from('<html></html>') },
            ...photos('a', 8, 1),
          ]),
        ),
        // Another export has an allowance of its own; a .tgz is counted as it is read.
        'takeout-20260701T000000Z-001.tgz': fromBuffer(writeTarGz(photos('b', 0, 3))),
        'takeout-20260701T000000Z-002.tgz': fromBuffer(writeTarGz(photos('b', 3, 2))),
      });
      const items = await listAll(source.list(''));
      const problems = Object.fromEntries(items.filter((i) => i.problem).map((i) => [i.path, i.problem]));
      expect(Object.keys(problems).sort()).toEqual([
        'takeout-20260501T000000Z-002.zip',
        'takeout-20260501T000000Z-003.zip',
        'takeout-20260701T000000Z-002.tgz',
      ]);
      for (const p of Object.values(problems)) {
        expect(p!).toMatch(/its export holds more than the 8 entries Ferry reads from one export/);
        expect(p!).toMatch(/takeout\.google\.com/);
      }
      const photosListed = items.filter((i) => i.id.startsWith('m:')).length;
      expect(photosListed).toBe(3 + 1 + 3);
      // GET /clouds/:id/takeout shows it on the part.
      const status = await exportStatus();
      const parts = status.sets.flatMap((s) => s.parts);
      expect(parts.map((p) => [p.path, p.ingested, !!p.error])).toEqual([
        ['takeout-20260501T000000Z-001.zip', true, false],
        ['takeout-20260501T000000Z-002.zip', false, true],
        ['takeout-20260501T000000Z-003.zip', false, true],
        ['takeout-20260501T000000Z-004.zip', true, false],
        ['takeout-20260701T000000Z-001.tgz', true, false],
        ['takeout-20260701T000000Z-002.tgz', false, true],
      ]);
    } finally {
      limits.entriesPerExport = saved;
    }
  },
);

test('the catalogue is stored a row per medium: a copy job reads its item by its row, not the index', async () => {
  const photo = (n: number) => Buffer.from(`photo ${n}`);
  const zip = writeZip(
    Array.from({ length: 5 }, (_, n) => [
      { name: `Takeout/Google Photos/Photos from 2019/IMG_${n}.jpg`, data: photo(n) },
      {
        name: `Takeout/Google Photos/Photos from 2019/IMG_${n}.jpg.json`,
        data: Buffer.from(JSON.stringify({ title: `IMG_${n}.jpg`, photoTakenTime: { timestamp: '1563107400' } })),
      },
    ]).flat(),
  );
  const files: Record<string, VirtualFile> = { 'takeout-20260501T000000Z-001.zip': fromBuffer(zip) };
  const { source, state, reopened } = takeoutSource(files);
  const items = await listAll(source.list(''));
  expect(items.filter((i) => i.id.startsWith('m:'))).toHaveLength(5);
  const catalogue = async () => (await state.get('catalogue')) as { list: string; previous?: string };
  const first = (await catalogue()).list;
  expect((await state.rows.page(first, 0, 100)).map((r) => r.key.slice(0, 2))).toEqual(Array(5).fill('m:'));

  // Another process: nothing of the index (the part records) is read, only the item's row.
  const asked: string[] = [];
  const listState = state.list;
  state.list = (prefix) => (asked.push(prefix), listState(prefix));
  const copyJob = reopened();
  for (const item of items) {
    const body = Buffer.concat(await (await copyJob.open(item)).toArray()).toString();
    if (item.id.startsWith('m:')) expect(body).toBe(`photo ${/IMG_(\d)/.exec(item.path)![1]}`);
    else expect(body).toContain('<x:xmpmeta');
  }
  expect(asked).toEqual([]);
  // Listed again with nothing new: the catalogue's pages, and no part's whole record.
  expect((await listAll(source.list(''))).map((i) => i.id)).toEqual(items.map((i) => i.id));
  expect(asked).toEqual(['head:']);
  state.list = listState;
  // An index an older Ferry wrote has no heads: they are made from the part records, once.
  for (const key of [...state.values.keys()]) if (key.startsWith('head:') || key === 'heads') state.values.delete(key);
  expect((await listAll(reopened().list(''))).map((i) => i.id)).toEqual(items.map((i) => i.id));
  expect([...state.values.keys()].filter((k) => k.startsWith('head:'))).toHaveLength(1);

  // A new export, a new catalogue: the one before it stays for a listing still reading it, no older one.
  const exported = (month: string, name: string) =>
    Object.assign(files, {
      [`takeout-2026${month}01T000000Z-001.zip`]: fromBuffer(
        writeZip([{ name: `Takeout/Google Photos/Photos from 2020/${name}`, data: Buffer.from(name) }]),
      ),
    });
  exported('07', 'new.jpg');
  await listAll(source.list(''));
  const second = await catalogue();
  expect(second.list).not.toBe(first);
  expect(second.previous).toBe(first);
  exported('09', 'newer.jpg');
  const third = await listAll(source.list(''));
  expect(third.filter((i) => i.id.startsWith('m:'))).toHaveLength(7);
  expect((await catalogue()).previous).toBe(second.list);
  expect(await state.rows.page(first, 0, 1)).toEqual([]);
  // Two listings at once after a new export (two tasks on one source): the catalogue is built once
  // at a time, and both list it whole.
  exported('11', 'newest.jpg');
  const both = await Promise.all([listAll(source.list('')), listAll(reopened().list(''))]);
  expect(both.map((l) => l.filter((i) => i.id.startsWith('m:')).length)).toEqual([8, 8]);
  const whole = await state.rows.page((await catalogue()).list, 0, 100);
  expect(whole).toHaveLength(8);
  // A run an older Ferry planned, copied by this one: no catalogue is stored yet, so it is built once.
  state.values.delete('catalogue');
  await state.rows.dropAllBut([]);
  const photo1 = items.find((i) => i.id.startsWith('m:'))!;
  expect(Buffer.concat(await (await reopened().open(photo1)).toArray()).toString()).toMatch(/^photo \d$/);
  expect(await state.rows.page((await catalogue()).list, 0, 100)).toHaveLength(8);
  // An item listed from the first catalogue is still served: its row is found by its content in the newest.
  expect(Buffer.concat(await (await copyJob.open(items[0])).toArray()).toString()).toMatch(/^photo \d$/);
});

test('a part indexed anew while the catalogue is built: that listing fails and stores nothing', async () => {
  const zip = writeZip([
    { name: 'Takeout/Google Photos/Photos from 2019/IMG_1.jpg', data: Buffer.from('photo 1') },
    {
      name: 'Takeout/Google Photos/Photos from 2019/IMG_1.jpg.json',
      data: Buffer.from(JSON.stringify({ title: 'IMG_1.jpg', photoTakenTime: { timestamp: '1563107400' } })),
    },
  ]);
  const { source, state } = takeoutSource({ 'takeout-20260501T000000Z-001.zip': fromBuffer(zip) });
  // The build reads the part once its head is read; by then another listing has indexed a new file of its name.
  const get = state.get;
  state.get = async (key) => {
    const value = await get(key);
    return key.startsWith('part:') ? { ...(value as PartRecord), version: 'replaced' } : value;
  };
  const failed = await listAll(source.list('')).catch((err: Error) => err);
  expect(failed).toMatchObject({
    reason: 'unreachable',
    message: 'takeout-20260501T000000Z-001.zip changed while the catalogue was built: built again next time.',
  });
  expect(await state.get('catalogue')).toBeUndefined();
  state.get = get;
  expect((await listAll(source.list(''))).map((i) => i.path)).toEqual(['2019/07/IMG_1.jpg', '2019/07/IMG_1.jpg.xmp']);
});
