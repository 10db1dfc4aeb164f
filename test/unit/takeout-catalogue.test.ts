// The catalogue: which entries are one file, where each goes, and what its album files say.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCatalogue, contentKeys, type IndexedMedia, type PartRecord } from '../../connectors/google-takeout/catalogue.ts';

function part(set: string, media: IndexedMedia[], sidecars: PartRecord['sidecars'] = [], albums: PartRecord['albums'] = []): PartRecord {
  return { set, number: 1, format: 'zip', path: `takeout-${set}-001.zip`, sourceId: `takeout-${set}-001.zip`, version: '1', size: 1e6, indexedAt: '', bytesRead: 0, media, sidecars, albums };
}

function media(rel: string, size: number, crc32: number, extra: Partial<IndexedMedia> = {}): IndexedMedia {
  const folder = rel.split('/')[0];
  const kind = folder.startsWith('Photos from') ? 'year' : folder === 'Trash' ? 'trash' : 'album';
  return { rel, kind, name: `Takeout/Google Photos/${rel}`, size, crc32, modifiedAt: '2024-01-01T00:00:00.000Z', method: 0, compressedSize: size, localHeaderOffset: 0, ...extra };
}

const sidecar = (rel: string, title: string, takenAt: string, extra: object = {}) => ({
  rel,
  meta: { title, takenAt, people: [], favorited: false, archived: false, trashed: false, partnerShared: false, ...extra },
});

test('copies that agree on size, CRC-32 and what they are are one file, read from none but the first', () => {
  const parts = [
    part(
      '20260501T000000Z',
      [media('Photos from 2019/IMG_1.jpg', 100, 7), media('Summer/IMG_1.jpg', 100, 7)],
      [sidecar('Photos from 2019/IMG_1.jpg.json', 'IMG_1.jpg', '2019-07-14T10:00:00.000Z'), sidecar('Summer/IMG_1.jpg.json', 'IMG_1.jpg', '2019-07-14T10:00:00.000Z')],
      [{ dir: 'Summer', title: 'Summer & Sea', description: 'Beach' }],
    ),
  ];
  assert.deepEqual(contentKeys(parts).unhashed, []);
  const c = buildCatalogue(parts);
  assert.deepEqual(
    c.media.map((m) => [m.path, m.entry.rel]),
    [['2019/07/IMG_1.jpg', 'Photos from 2019/IMG_1.jpg']],
  );
  assert.deepEqual(JSON.parse(c.albums[0].json), { title: 'Summer & Sea', description: 'Beach', items: ['2019/07/IMG_1.jpg'] });
  assert.equal(c.albums[0].path, 'Albums/Summer & Sea.json');
});

test('alike in size and CRC-32 but saying they are different photos: their SHA-256s decide', () => {
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
  const first = contentKeys(parts).unhashed.map((u) => u.entry.rel);
  assert.deepEqual(first, ['Photos from 2019/IMG_1.jpg', 'Photos from 2019/IMG_2.jpg'], 'one entry of each, not the album copy');

  // Different bytes after all (a CRC-32 collision): two files, the album copy with its own photo.
  a.sha256 = 'a'.repeat(64);
  b.sha256 = 'b'.repeat(64);
  assert.deepEqual(contentKeys(parts).unhashed, []);
  const c = buildCatalogue(parts);
  assert.deepEqual(c.media.map((m) => m.path).sort(), ['2019/07/IMG_1.jpg', '2019/07/IMG_2.jpg']);
  assert.equal(new Set(c.media.map((m) => m.key)).size, 2);

  // The same bytes uploaded twice under two names: one file (the first name).
  b.sha256 = a.sha256;
  assert.deepEqual(
    buildCatalogue(parts).media.map((m) => m.path),
    ['2019/07/IMG_1.jpg'],
  );
});

test('names: the title, collision-safe per month, an extension kept from the archive; trashed copies only when all are', () => {
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
  const c = buildCatalogue(parts);
  assert.deepEqual(
    c.media.map((m) => [m.path, m.trashed]),
    [
      ['2019/03/IMG_9.jpg', false],
      ['2019/03/IMG_9 (1).jpg', false],
      ['2020/12/Peanut.jpg', false],
      ['2018/01/old.jpg', true],
      ['2020/05/kept.jpg', false],
    ],
  );
});

test('an album continued by a later export, whose album file is the minimal 2025 form, keeps its description and all members', () => {
  const parts = [
    part('20260501T000000Z', [media('Trip/a.jpg', 1, 1)], [sidecar('Trip/a.jpg.json', 'a.jpg', '2019-01-01T00:00:00.000Z')], [{ dir: 'Trip', title: 'Trip', description: 'Our trip' }]),
    part('20260701T000000Z', [media('Trip/b.jpg', 2, 2)], [sidecar('Trip/b.jpg.json', 'b.jpg', '2019-02-01T00:00:00.000Z')], [{ dir: 'Trip', title: 'Trip' }]),
  ];
  const c = buildCatalogue(parts);
  assert.deepEqual(JSON.parse(c.albums[0].json), { title: 'Trip', description: 'Our trip', items: ['2019/01/a.jpg', '2019/02/b.jpg'] });
});
