// The Takeout export generator (test/support/takeout-export.ts) checked with the project's own
// readers: every part opens, the archives hold what the truth claims, and the sidecar matcher and
// metadata parser, run over each set as the connector runs them, agree with the truth item by item.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { expect, test } from '@jest/globals';
import {
  googlePhotosRoot,
  isAlbumMetadataName,
  keepItem,
  parseAlbum,
  parseSidecar,
  type FolderKind,
  type SidecarMetadata,
} from '../../connectors/google-takeout/metadata.ts';
import { editedOriginal, matchSidecars } from '../../connectors/google-takeout/sidecars.ts';
import { readTarGz } from '../../connectors/google-takeout/tar.ts';
import { openEntry } from '../../connectors/google-takeout/zip.ts';
import { listZip, rangeAccess, streamOf } from '../support/archives.ts';
import { takeoutFixture, writeExport, type TakeoutFixture, type TruthMedia } from '../support/takeout-export.ts';
import { labelled } from '../support/labelled.ts';

interface Read {
  exp: number;
  part: number;
  name: string;
  data: Buffer;
  modifiedAt: Date;
  method?: 0 | 8;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

/** Every entry of every part, read with the connector's readers (zip entries are CRC-checked as they stream). */
async function readFixture(fx: TakeoutFixture): Promise<Read[]> {
  const out: Read[] = [];
  for (const [exp, e] of fx.exports.entries()) {
    for (const [part, p] of e.parts.entries()) {
      if (e.format === 'zip') {
        const access = rangeAccess(p.file);
        const { entries } = await listZip(access.readAt, p.file.size);
        expect(entries.length).toBeGreaterThan(0);
        for (const entry of entries) {
          out.push({
            exp,
            part,
            name: entry.name,
            data: await readAll(await openEntry(entry, access.readAt, access.streamFrom)),
            modifiedAt: entry.modifiedAt,
            method: entry.method,
          });
        }
      } else {
        let n = 0;
        for await (const entry of readTarGz(streamOf(p.file))) {
          const data = await readAll(entry.body);
          if (entry.type !== 'file') continue;
          n++;
          out.push({ exp, part, name: entry.name, data, modifiedAt: entry.modifiedAt });
        }
        expect(n).toBeGreaterThan(0);
      }
    }
  }
  return out;
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

interface Located extends Read {
  rel: string;
  kind: FolderKind;
  folder: string;
}

/** Entries under the (localized) Google Photos root, with their path under it. */
function located(reads: Read[]): Located[] {
  const out: Located[] = [];
  for (const r of reads) {
    const loc = googlePhotosRoot(r.name);
    if (!loc) continue;
    out.push({ ...r, rel: r.name.slice(loc.root.length + 1), kind: loc.kind, folder: loc.folder });
  }
  return out;
}

const isJson = (e: Located) => /\.json$/i.test(e.rel);

/**
 * Media → sidecar, as the connector pairs them: per export, over its own sidecars and those of
 * earlier exports (its own win), so an edited copy finds an original's sidecar from before.
 */
async function pairings(
  fx: TakeoutFixture,
  entries: Located[],
): Promise<Map<Located, { entry: Located; meta: SidecarMetadata }>> {
  const out = new Map<Located, { entry: Located; meta: SidecarMetadata }>();
  const earlier = new Map<string, Located>();
  for (let exp = 0; exp < fx.exports.length; exp++) {
    const own = entries.filter((e) => e.exp === exp);
    const sidecars = new Map<string, Located>();
    for (const e of own) if (isJson(e) && !isAlbumMetadataName(base(e.rel)) && e.folder !== '') sidecars.set(e.rel, e);
    const pool = new Map(sidecars);
    for (const [rel, e] of earlier) if (!pool.has(rel)) pool.set(rel, e);
    const media = own.filter((e) => !isJson(e) && e.folder !== '');
    const matched = await matchSidecars(
      media.map((m) => m.rel),
      [...pool.values()].map((s) => ({ path: s.rel, title: parseSidecar(s.data.toString('utf8')).title || undefined })),
    );
    for (const m of media) {
      const rel = matched.get(m.rel);
      if (rel) out.set(m, { entry: pool.get(rel)!, meta: parseSidecar(pool.get(rel)!.data.toString('utf8')) });
    }
    for (const [rel, e] of sidecars) earlier.set(rel, e);
  }
  return out;
}

function exifText(m: TruthMedia): { local: string; offset: string } {
  const local = new Date(m.takenAt.getTime() + (m.offsetMinutes ?? 0) * 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  const sign = (m.offsetMinutes ?? 0) < 0 ? '-' : '+';
  const off = Math.abs(m.offsetMinutes ?? 0);
  return {
    local:
      `${local.getUTCFullYear()}:${two(local.getUTCMonth() + 1)}:${two(local.getUTCDate())} ` +
      `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}`,
    offset: `${sign}${two(Math.floor(off / 60))}:${two(off % 60)}`,
  };
}

const fixtures: Record<'zip' | 'tgz', TakeoutFixture> = {
  zip: takeoutFixture({ format: 'zip' }),
  tgz: takeoutFixture({ format: 'tgz' }),
};
const readCache = new Map<TakeoutFixture, Promise<Read[]>>();
const reads = (fx: TakeoutFixture) => {
  let r = readCache.get(fx);
  if (!r) readCache.set(fx, (r = readFixture(fx)));
  return r;
};

test('the fixture is deterministic and both formats carry the same truth', () => {
  const again = takeoutFixture({ format: 'zip' });
  const zip = fixtures.zip;
  const tgz = fixtures.tgz;
  expect(again.media.map((m) => m.sha256)).toEqual(zip.media.map((m) => m.sha256));
  for (const key of ['media', 'excluded', 'albums'] as const)
    expect(JSON.parse(JSON.stringify(tgz[key]))).toEqual(JSON.parse(JSON.stringify(zip[key])));
  expect(tgz.exports.map((e) => e.parts.map((p) => p.name.replace(/\.tgz$/, '.zip')))).toEqual(
    zip.exports.map((e) => e.parts.map((p) => p.name)),
  );
  // another seed, other bytes
  expect(takeoutFixture({ seed: 2 }).media[0].sha256).not.toEqual(zip.media[0].sha256);
  expect(zip.exports.map((e) => [e.stamp, e.createdAt.toISOString(), e.language, e.parts.length])).toEqual([
    ['20260501T101500Z', '2026-05-01T10:15:00.000Z', 'en', 3],
    ['20260701T083000Z', '2026-07-01T08:30:00.000Z', 'de', 2],
  ]);
  for (const m of zip.media) expect(m.bytes.length >= 2048 && m.bytes.length <= 40 * 1024).toBeTruthy();
});

test('the ZIP64 part really ends with ZIP64 records, the others do not', () => {
  for (const [i, p] of fixtures.zip.exports[0].parts.entries()) {
    const tail = p.file.read(p.file.size - 22 - 20 - 56, 22 + 20 + 56);
    const eocd = tail.subarray(76);
    expect(eocd.readUInt32LE(0)).toBe(0x06054b50);
    const locator = tail.subarray(56, 76);
    if (i !== 1) {
      expect(locator.readUInt32LE(0)).not.toBe(0x07064b50);
      continue;
    }
    expect(locator.readUInt32LE(0)).toBe(0x07064b50);
    const at = Number(locator.readBigUInt64LE(8));
    const rec = p.file.read(at, 56);
    expect(rec.readUInt32LE(0)).toBe(0x06064b50);
    // the classic record defers its count to the ZIP64 record
    expect(eocd.readUInt16LE(10)).toBe(0xffff);
    expect(Number(rec.readBigUInt64LE(32))).toBe(Number(rec.readBigUInt64LE(24)));
  }
});

for (const format of ['zip', 'tgz'] as const) {
  const fx = fixtures[format];

  test(`${format}: every part opens, and every media entry is a truth item or an excluded one`, async () => {
    const all = await reads(fx);
    const entries = located(all);
    // Takeout's index page sits outside the product folder
    expect(all.some((r) => r.name === 'Takeout/archive_browser.html')).toBeTruthy();
    expect([...new Set(entries.map((e) => `${e.exp}:${e.name.split('/').slice(0, 2).join('/')}`))].sort()).toEqual([
      '0:Takeout/Google Photos',
      '1:Takeout/Google Fotos',
    ]);
    const truth = new Map(fx.media.map((m) => [m.sha256, m]));
    const excluded = new Map(fx.excluded.map((x) => [x.sha256, x]));
    for (const e of entries) {
      if (isJson(e)) continue;
      const sha = sha256(e.data);
      expect(truth.has(sha) || excluded.has(sha)).toBeTruthy();
    }
    // Each part name as Google writes it, in order.
    for (const e of fx.exports)
      for (const [i, p] of e.parts.entries())
        expect(p.name).toBe(`takeout-${e.stamp}-${String(i + 1).padStart(3, '0')}.${format}`);
  });

  test(
    `${format}: each truth item is first in the export it claims, ` +
      `each excluded one is in an archive and only as trash`,
    async () => {
      const entries = located(await reads(fx));
      const paired = await pairings(fx, entries);
      const exportsOf = (sha: string) =>
        new Set(entries.filter((e) => !isJson(e) && sha256(e.data) === sha).map((e) => e.exp));
      for (const m of fx.media) {
        const holding = exportsOf(m.sha256);
        expect(holding.has(m.firstExport)).toBeTruthy();
        expect(Math.min(...holding)).toBe(m.firstExport);
      }
      // export 1 repeats some of export 0
      expect(fx.media.some((m) => m.firstExport === 0 && exportsOf(m.sha256).has(1))).toBeTruthy();
      expect(fx.excluded.length).toBeGreaterThanOrEqual(3);
      for (const x of fx.excluded) {
        const copies = entries.filter((e) => !isJson(e) && sha256(e.data) === x.sha256);
        expect(copies.length).toBeGreaterThan(0);
        for (const c of copies) expect(keepItem(paired.get(c)?.meta, c.kind)).toBe(false);
      }
      expect(
        fx.excluded.some((x) =>
          entries.some((e) => e.kind === 'trash' && e.folder === 'Trash' && sha256(e.data) === x.sha256),
        ),
      ).toBeTruthy();
      expect(
        fx.excluded.some((x) =>
          entries.some((e) => e.kind === 'trash' && e.folder === 'Papierkorb' && sha256(e.data) === x.sha256),
        ),
      ).toBeTruthy();
    },
  );

  test(`${format}: matchSidecars and parseSidecar agree with the truth for each media entry`, async () => {
    const entries = located(await reads(fx));
    const paired = await pairings(fx, entries);
    const truth = new Map(fx.media.map((m) => [m.sha256, m]));
    let checked = 0;
    for (const e of entries) {
      if (isJson(e) || e.folder === '') continue;
      const m = truth.get(sha256(e.data));
      if (!m) continue; // excluded, checked above
      checked++;
      const what = `${m.quirk}: ${e.name} (export ${e.exp}, part ${e.part + 1})`;
      labelled(what, () => {
        const pair = paired.get(e);
        expect(keepItem(pair?.meta, e.kind)).toBe(true);
        if (m.dateFrom !== 'sidecar') {
          expect(pair).toBe(undefined);
          expect(base(e.rel).normalize('NFC')).toBe(m.name);
          if (m.dateFrom === 'archive') expect(e.modifiedAt.toISOString()).toBe(m.takenAt.toISOString());
          else {
            const { local, offset } = exifText(m);
            expect(e.data.includes(Buffer.from(`${local}\0`, 'latin1'))).toBe(true);
            if (m.offsetMinutes !== undefined) expect(e.data.includes(Buffer.from(`${offset}\0`, 'latin1'))).toBe(true);
          }
          return;
        }
        expect(pair).toBeTruthy();
        const meta = pair!.meta;
        expect(meta.takenAt?.toISOString()).toBe(m.takenAt.toISOString());
        const edited = editedOriginal(base(e.rel));
        if (edited) expect(base(e.rel).normalize('NFC')).toBe(m.name);
        // A title without an extension gets the archive's (the backup keeps it so viewers know the type).
        else
          expect(
            meta.title.normalize('NFC') + (path.posix.extname(meta.title) ? '' : path.posix.extname(base(e.rel))),
          ).toBe(m.name);
        expect(meta.geo).toEqual(m.geo);
        expect(meta.people).toEqual(m.people);
        expect(meta.description).toBe(m.description);
        expect(meta.favorited).toBe(m.favorited);
        expect(meta.partnerShared).toBe(m.partnerShared);
        expect(meta.trashed).toBe(false);
        // Archived: the flag, or the Archive folder of any copy.
        const copies = entries.filter((c) => !isJson(c) && sha256(c.data) === m.sha256);
        expect(copies.some((c) => c.kind === 'archive' || paired.get(c)?.meta.archived === true)).toBe(m.archived);
      });
    }
    expect(checked).toBeGreaterThanOrEqual(fx.media.length);

    // The pairings the quirks are about, named.
    const pairOf = (nameEnd: string, exp = 0) => {
      const e = entries.find((x) => x.exp === exp && x.rel.normalize('NFC').endsWith(nameEnd) && !isJson(x));
      expect(e).toBeTruthy();
      return paired.get(e!);
    };
    expect(pairOf('Photos from 2019/IMG_3479(1).JPG')?.entry.rel).toBe(
      'Photos from 2019/IMG_3479.JPG.supplemental-metadata(1).json',
    );
    expect(pairOf('Photos from 2019/IMG_3479.JPG')?.entry.rel).toBe(
      'Photos from 2019/IMG_3479.JPG.supplemental-metadata.json',
    );
    expect(pairOf('Photos from 2019/IMG_2710(1).HEIC')?.entry.rel).toBe('Photos from 2019/IMG_2710.HEIC(1).json');
    expect(pairOf('Photos from 2019/IMG_1234.JPG')?.entry.rel).toBe('Photos from 2019/IMG_1234.JPG.json');
    expect(pairOf('Photos from 2023/PXL_20231006_063000139.PORTRAIT1.jpg')?.entry.rel).toBe(
      'Photos from 2023/PXL_20231006_063000139.PORTRAIT1.jpg.supplemen.json',
    );
    expect(pairOf('Photos from 2019/IMG_20191012_Sommerfest_Vereinsheim_Nachbar.jpg')?.entry.rel).toBe(
      'Photos from 2019/IMG_20191012_Sommerfest_Vereinsheim_Nachbar.jp.json',
    );
    expect(pairOf('Photos from 2019/Hochzeit von Anna und Thomas im Schlosspark.jpg')?.entry.rel).toBe(
      'Photos from 2019/Hochzeit von Anna und Thomas im Schlosspark Sa.json',
    );
    expect(pairOf('Photos from 2020/Peanut Butter Balls.jpg')?.entry.rel).toBe(
      'Photos from 2020/Peanut Butter Balls.supplemental-metadata.json',
    );
    expect(pairOf('Photos from 2020/Café Zürich.jpg')?.entry.rel).toBe(
      'Photos from 2020/Café Zürich.jpg.supplemental-metadata.json',
    );
    expect(pairOf('Photos from 2019/IMG_20190714_123000-edited.jpg')?.entry.rel).toBe(
      'Photos from 2019/IMG_20190714_123000.jpg.supplemental-metadata.json',
    );
    const fromBefore = pairOf('Photos from 2019/IMG_1234-bearbeitet.JPG', 1);
    expect(fromBefore?.entry.rel).toBe('Photos from 2019/IMG_1234.JPG.json');
    // the edited copy in export 1 uses export 0's sidecar
    expect(fromBefore?.entry.exp).toBe(0);
    const german = pairOf('Photos from 2026/IMG_20260612_143000-bearbeitet.jpg', 1);
    expect(german?.entry.rel).toBe('Photos from 2026/IMG_20260612_143000.jpg.supplemental-metadata.json');
    // edited copy and sidecar in different parts
    expect(german?.entry.part).not.toBe(
      entries.find((x) => x.rel.endsWith('IMG_20260612_143000-bearbeitet.jpg'))!.part,
    );
    // creationTime stands in for photoTakenTime
    expect(pairOf('Photos from 2017/scan_0001.jpg')?.meta.takenAt?.toISOString()).toBe('2017-05-06T10:00:00.000Z');
    expect(entries.find((x) => x.rel === 'Photos from 2017/scan_0001.jpg.json')!.data.toString()).toMatch(
      /"creationTime": \{\s*"timestamp": "1494064800",\s*"formatted": "May 6, 2017, 10:00:00 AM UTC"/,
    );
    expect(entries.find((x) => x.rel === 'Photos from 2017/scan_0001.jpg.json')!.data.toString()).not.toMatch(
      /photoTakenTime/,
    );
    expect(
      entries
        .find((x) => x.exp === 1 && x.rel === 'Photos from 2026/IMG_20260612_143000.jpg.supplemental-metadata.json')!
        .data.toString(),
    ).toMatch(/"formatted": "12\.06\.2026, 14:30:00 UTC"/);
  });

  test(`${format}: the layout has every quirk the truth names`, async () => {
    const entries = located(await reads(fx));
    const paired = await pairings(fx, entries);
    const names = entries.map((e) => e.rel);
    // Sidecar in another part than its media, both ways.
    const split = [...paired].filter(
      ([m, s]) => m.exp === s.entry.exp && m.part !== s.entry.part && !editedOriginal(base(m.rel)),
    );
    // a sidecar in a later part than its media
    expect(split.some(([m, s]) => m.part < s.entry.part)).toBeTruthy();
    // a sidecar in an earlier part than its media
    expect(split.some(([m, s]) => m.part > s.entry.part)).toBeTruthy();
    // Old and new naming, clips, moved indexes, an NFD name.
    // old naming
    expect(names.some((n) => /\.(jpg|JPG|HEIC)\.json$/.test(n))).toBeTruthy();
    // new naming
    expect(names.some((n) => n.endsWith('.supplemental-metadata.json'))).toBeTruthy();
    // a clip inside .supplemental-metadata
    expect(names.some((n) => n.endsWith('.supplemen.json'))).toBeTruthy();
    // moved (n) indexes
    expect(
      names.some((n) => /\.supplemental-metadata\(1\)\.json$/.test(n)) &&
        names.some((n) => /\.HEIC\(1\)\.json$/.test(n)),
    ).toBeTruthy();
    for (const n of names.filter((n) => n.endsWith('.json')))
      expect(base(n).length).toBeLessThanOrEqual(51 + '(1)'.length);
    const nfd = entries.filter((e) => e.rel !== e.rel.normalize('NFC'));
    // NFD media names, NFC sidecar names
    expect(nfd.length >= 2 && nfd.every((e) => !isJson(e))).toBeTruthy();
    // a media name clipped in the archive
    expect(
      entries.some(
        (e) =>
          !isJson(e) &&
          base(e.rel).length === 47 &&
          fx.media.some((m) => m.sha256 === sha256(e.data) && m.name.length > 47),
      ),
    ).toBeTruthy();
    // Localized folders and files; special folders; album metadata in another part than members.
    expect(entries.some((e) => e.exp === 1 && base(e.rel) === 'Metadaten.json')).toBeTruthy();
    expect(entries.some((e) => e.exp === 0 && base(e.rel) === 'metadata.json')).toBeTruthy();
    expect(
      entries.some((e) => e.kind === 'archive') && entries.some((e) => e.kind === 'failed' && e.rel.endsWith('.mp4')),
    ).toBeTruthy();
    expect(
      entries.some(
        (e) =>
          e.kind === 'album' &&
          !isJson(e) &&
          e.part !==
            entries.find((m) => m.exp === e.exp && m.folder === e.folder && isAlbumMetadataName(base(m.rel)))?.part,
      ),
    ).toBeTruthy();
    // Item sidecars deflated; media stored and deflated.
    if (format === 'zip') {
      // JSON deflated
      expect(entries.filter(isJson).every((e) => e.method === 8)).toBeTruthy();
      const methods = new Set(entries.filter((e) => !isJson(e)).map((e) => e.method));
      expect([...methods].sort()).toEqual([0, 8]);
    }
    // Every quirk the brief lists has an item.
    const quirks = [...fx.media.map((m) => m.quirk), ...fx.excluded.map((x) => x.why)].join('\n');
    for (const q of [
      '(n) duplicate',
      '-edited',
      '-bearbeitet',
      'export 1 whose original and sidecar are only in export 0',
      "without the media's extension",
      'clipped to 47',
      'NFD',
      'album-only',
      'album without metadata',
      'album continued',
      'OffsetTimeOriginal',
      'dated by the archive entry',
      'geoDataExif',
      'geoData only',
      'geo 0,0',
      'people',
      'description',
      'favorited',
      'archived',
      'partner-shared',
      'trashed',
      'Trash folder',
      'Papierkorb',
      'Failed Videos',
      'creationTime',
      '.supplemen.json',
      "inside the media's own",
      'repeated unchanged in export 1',
    ]) {
      expect(quirks).toContain(q);
    }
  });

  test(`${format}: albums as the archives hold them`, async () => {
    const entries = located(await reads(fx));
    const paired = await pairings(fx, entries);
    const titles = new Map<string, { title: string; description?: string }>();
    for (const e of entries)
      if (e.kind === 'album' && isAlbumMetadataName(base(e.rel)))
        titles.set(e.folder, parseAlbum(e.data.toString('utf8'), e.folder));
    const found = new Map<string, { description?: string; members: Set<string> }>();
    for (const e of entries) {
      if (e.kind !== 'album' || isJson(e) || !keepItem(paired.get(e)?.meta, e.kind)) continue;
      const info = titles.get(e.folder) ?? { title: e.folder };
      const a = found.get(info.title) ?? { description: info.description, members: new Set<string>() };
      a.members.add(sha256(e.data));
      found.set(info.title, a);
    }
    expect(
      fx.albums
        .map((a) => ({ title: a.title, description: a.description, members: new Set(a.members) }))
        .sort((a, b) => a.title.localeCompare(b.title)),
    ).toEqual(
      [...found]
        .map(([title, a]) => ({ title, description: a.description, members: a.members }))
        .sort((a, b) => a.title.localeCompare(b.title)),
    );
    for (const m of fx.media) {
      expect(m.albums.toSorted()).toEqual(
        fx.albums
          .filter((a) => a.members.includes(m.sha256))
          .map((a) => a.title)
          .sort(),
      );
    }
    const kids = fx.albums.find((a) => a.title === 'Kids & Dogs')!;
    // an album with title and description
    expect(kids.description).toBeTruthy();
    const byExport = (exp: number) =>
      kids.members.filter((sha) => fx.media.find((m) => m.sha256 === sha)!.firstExport === exp);
    // an album continued in export 1
    expect(byExport(0).length > 0 && byExport(1).length > 0).toBeTruthy();
    // the folder is the sanitised title
    expect(entries.some((e) => e.folder === 'Kids _ Dogs')).toBeTruthy();
  });
}

test('names collide within a month only where the truth says so: the two IMG_3479.JPG', () => {
  const groups = new Map<string, TruthMedia[]>();
  for (const m of fixtures.zip.media) {
    const key = `${m.takenAt.getUTCFullYear()}/${m.takenAt.getUTCMonth() + 1}/${m.name.toLowerCase()}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const clashes = [...groups].filter(([, ms]) => ms.length > 1);
  expect(clashes.map(([k, ms]) => [k, ms.length])).toEqual([['2019/8/img_3479.jpg', 2]]);
  // The EXIF offset moves an item into the previous month (UTC), which is where it is filed.
  const exif = fixtures.zip.media.find((m) => m.dateFrom === 'exif')!;
  expect(exif.offsetMinutes).toBe(120);
  expect(exif.takenAt.toISOString()).toBe('2021-03-31T23:30:00.000Z');
});

test("writeExport writes the parts with the export's time", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'takeout-export-'));
  try {
    for (const format of ['zip', 'tgz'] as const) {
      const fx = fixtures[format];
      for (const [i, e] of fx.exports.entries()) {
        const written = await writeExport(fx, i, path.join(dir, format));
        expect(written.map((p) => path.basename(p))).toEqual(e.parts.map((p) => p.name));
        for (const [j, p] of written.entries()) {
          const st = await fs.stat(p);
          expect(st.size).toBe(e.parts[j].file.size);
          expect(st.mtime.getTime()).toBe(e.createdAt.getTime());
          expect(await fs.readFile(p)).toEqualBytes(e.parts[j].file.read(0, st.size));
        }
      }
    }
    await expect(writeExport(fixtures.zip, 2, dir)).rejects.toThrow(/no export 2/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
