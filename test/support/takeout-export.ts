// Google Takeout exports of Google Photos for end-to-end tests, with the quirks real exports have
// (the ones connectors/google-takeout/ handles), and the truth a correct backup is checked against.
//
// Two exports of one library: export 0 (English, 1 May 2026, three parts, the second written with
// ZIP64 records) and export 1 (German, 1 July 2026, two parts) that repeats a few items unchanged,
// as an incremental Takeout does, and adds new ones. Every item is declared once below with the
// metadata its sidecar holds and the places (export, part, folder) it sits in; the archives and the
// truth are both derived from those declarations, so they cannot disagree.
//
// How Takeout names things, as reproduced here:
//   * a sidecar is `{title}.supplemental-metadata.json` (since late 2024) or `{title}.json` (before),
//     the part before `.json` clipped to 46 UTF-16 units, then the `(n)` of a duplicate, then `.json`;
//   * the second item titled `IMG_3479.JPG` in a folder is stored as `IMG_3479(1).JPG`;
//   * media names over 47 characters are clipped in the archive (extension kept);
//   * edited copies (`-edited`, `-bearbeitet`…) have no sidecar of their own;
//   * an album folder holds copies of its items with their own sidecars, and a `metadata.json`
//     (localized: `Metadaten.json`); its name is the title with characters such as `&` replaced.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { makeJpeg, makeMp4, seededBytes } from '../fakes/google/media.ts';
import {
  fromBuffer,
  materialize,
  writeTarGz,
  zipFile,
  type TarInput,
  type VirtualFile,
  type ZipInput,
} from './archives.ts';
import { jpegWithExif } from './exif-jpeg.ts';

export interface TruthMedia {
  sha256: string; // hex of the bytes
  bytes: Buffer;
  /**
   * Expected file name at the destination (NFC), before any " (n)" suffix a same-month name collision adds:
   * the sidecar's `title`; for an edited copy (which shares its original's sidecar)
   * and for media without sidecar, the archive entry's own base name (NFC).
   */
  name: string;
  /** The instant it is filed under (folder = UTC year and month of it). */
  takenAt: Date;
  dateFrom: 'sidecar' | 'exif' | 'archive';
  /** Offset east of UTC in minutes when the date came from EXIF with OffsetTimeOriginal. */
  offsetMinutes?: number;
  // only when the sidecar has a non-zero one (geoDataExif preferred over geoData)
  geo?: { latitude: number; longitude: number; altitude: number };
  description?: string;
  people: string[];
  favorited: boolean;
  archived: boolean;
  partnerShared: boolean;
  /**
   * Titles of the albums holding it (album metadata `title`, or the folder name when the album has no metadata file).
   */
  albums: string[];
  /** Index of the first export that holds it. */
  firstExport: number;
  /** Which quirk this item exercises, for assertion messages. */
  quirk: string;
}

export interface TakeoutFixture {
  exports: Array<{
    stamp: string /* 20260501T101500Z */;
    createdAt: Date;
    language: string;
    format: 'zip' | 'tgz';
    parts: Array<{ name: string /* takeout-<stamp>-001.zip */; file: VirtualFile }>;
  }>;
  /** Every distinct content a correct backup of exports [0..i] holds exactly once (filter by firstExport <= i). */
  media: TruthMedia[];
  /** Content that must NOT arrive (trashed), with why. */
  excluded: Array<{ sha256: string; why: string }>;
  /**
   * Album title → its description and member contents (sha256),
   * complete across parts and exports (members carry firstExport through media).
   */
  albums: Array<{ title: string; description?: string; members: string[] }>;
}

// ---- Languages -----------------------------------------------------------------------------------

interface Language {
  code: string;
  /** `Takeout/<product>`: the product folder is localized. */
  root: string;
  albumMetadata: string;
  edited: string;
  trash: string;
  archive: string;
  /** photoTakenTime.formatted, as Google writes it in this language. */
  formatted(d: Date): string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

const EN: Language = {
  code: 'en',
  root: 'Takeout/Google Photos',
  albumMetadata: 'metadata.json',
  edited: '-edited',
  trash: 'Trash',
  archive: 'Archive',
  formatted: (d) => {
    const h = d.getUTCHours();
    return (
      `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 || 12}:` +
      `${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'} UTC`
    );
  },
};

const DE: Language = {
  code: 'de',
  root: 'Takeout/Google Fotos',
  albumMetadata: 'Metadaten.json',
  edited: '-bearbeitet',
  trash: 'Papierkorb',
  archive: 'Archiv',
  formatted: (d) =>
    `${two(d.getUTCDate())}.${two(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}, ${two(d.getUTCHours())}:` +
    `${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`,
};

interface ExportPlan {
  stamp: string;
  lang: Language;
  parts: number;
  /** Part indexes (from 0) written with ZIP64 end records and extra fields. */
  zip64: number[];
}

const EXPORTS: ExportPlan[] = [
  { stamp: '20260501T101500Z', lang: EN, parts: 3, zip64: [1] },
  { stamp: '20260701T083000Z', lang: DE, parts: 2, zip64: [] },
];

function stampDate(stamp: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp)!;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

// ---- Names ---------------------------------------------------------------------------------------

const SIDECAR_CLIP = 46; // UTF-16 units before `.json`
const MEDIA_CLIP = 47; // a media name in the archive, extension included

function splitExt(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

/** The name Takeout gives the sidecar of the item titled `title`, stored as duplicate `index` ('(1)'). */
export function sidecarName(title: string, naming: 'new' | 'old', index = ''): string {
  const base = naming === 'new' ? `${title}.supplemental-metadata` : title;
  return `${base.slice(0, SIDECAR_CLIP) + index}.json`;
}

/** The media's name in the archive: long names are clipped, keeping the extension. */
function archiveName(title: string): string {
  if (title.length <= MEDIA_CLIP) return title;
  const [stem, ext] = splitExt(title);
  return stem.slice(0, MEDIA_CLIP - ext.length) + ext;
}

// ---- Content -------------------------------------------------------------------------------------

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid 1×1 greyscale PNG without any Exif (no eXIf chunk), padded to `size` with a tEXt comment. */
function makePng(seed: number, size: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const idat = zlib.deflateSync(Buffer.from([0, seed & 0xff]));
  const fixed = 8 + 25 + 12 + idat.length + 12;
  const room = Math.max(0, size - fixed - 12 - 'Comment\0'.length);
  const filler = Buffer.from(seededBytes(seed, room).toString('base64').slice(0, room), 'latin1');
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('tEXt', Buffer.concat([Buffer.from('Comment\0', 'latin1'), filler])),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Bytes that start like a HEIF file (an `ftyp` box of brand heic) and are seeded noise after. */
function makeHeicBlob(seed: number, size: number): Buffer {
  const ftyp = Buffer.concat([
    Buffer.from([0, 0, 0, 24]),
    Buffer.from('ftypheic', 'latin1'),
    Buffer.alloc(4),
    Buffer.from('mif1heic', 'latin1'),
  ]);
  return Buffer.concat([ftyp, seededBytes(seed, size - ftyp.length)]);
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

// ---- Sidecars ------------------------------------------------------------------------------------

type Geo = { latitude: number; longitude: number; altitude: number };

/** What an item's sidecar says. */
interface Meta {
  title: string;
  /** photoTakenTime; absent: the sidecar has only creationTime. */
  takenAt?: Date;
  /** creationTime (the upload); default: three hours after takenAt. */
  uploadedAt?: Date;
  description?: string;
  geoExif?: Geo;
  geo?: Geo;
  people?: string[];
  favorited?: boolean;
  archived?: boolean;
  trashed?: boolean;
  partner?: boolean;
}

const NO_GEO: Geo = { latitude: 0, longitude: 0, altitude: 0 };
const nonZero = (g?: Geo) => (g && (g.latitude !== 0 || g.longitude !== 0) ? g : undefined);

function sidecarJson(meta: Meta, lang: Language, id: number): Buffer {
  const uploaded = meta.uploadedAt ?? new Date(meta.takenAt!.getTime() + 3 * 3600_000);
  const time = (d: Date) => ({ timestamp: String(Math.floor(d.getTime() / 1000)), formatted: lang.formatted(d) });
  const place = (g: Geo = NO_GEO) => ({
    latitude: g.latitude,
    longitude: g.longitude,
    altitude: g.altitude,
    latitudeSpan: 0,
    longitudeSpan: 0,
  });
  // Key order and shapes as Google writes them; flags only when true, people only when tagged.
  const json: Record<string, unknown> = {
    title: meta.title,
    description: meta.description ?? '',
    imageViews: String(id % 17),
    creationTime: time(uploaded),
  };
  if (meta.takenAt) json.photoTakenTime = time(meta.takenAt);
  json.geoData = place(meta.geo);
  json.geoDataExif = place(meta.geoExif);
  if (meta.people?.length) json.people = meta.people.map((name) => ({ name }));
  json.url =
    `https://photos.google.com/photo/AF1QipN` +
    `${crypto.createHash('md5').update(String(id)).digest('hex').slice(0, 24)}`;
  json.googlePhotosOrigin = meta.partner
    ? { fromPartnerSharing: {} }
    : { mobileUpload: { deviceType: 'ANDROID_PHONE' } };
  if (meta.favorited) json.favorited = true;
  if (meta.archived) json.archived = true;
  if (meta.trashed) json.trashed = true;
  return Buffer.from(JSON.stringify(json, null, 2), 'utf8');
}

// ---- Declarations --------------------------------------------------------------------------------

interface Place {
  exp: number;
  part: number;
  folder: string;
  /** The media's name in the archive; default archiveName(title). */
  file?: string;
  /** How its sidecar is named, and in which part it is; false: no sidecar (edited copies). */
  sidecar?: { naming: 'new' | 'old'; index?: string; name?: string; part?: number } | false;
  method?: 0 | 8;
  modifiedAt?: Date;
}

interface Item {
  quirk: string;
  bytes: Buffer;
  /** The sidecar's content (for an edited copy: its original's, which it shares). */
  meta?: Meta;
  /** For media without sidecar: the date a reader must find. */
  date?: { takenAt: Date; from: 'exif' | 'archive'; offsetMinutes?: number };
  /** Expected name when it is not the sidecar's title (edited copies, no sidecar). */
  name?: string;
  places: Place[];
  /** Why it must not arrive. */
  excluded?: string;
}

interface AlbumDecl {
  folder: string;
  title: string;
  description?: string;
  /** Where its metadata file is; none: the album is named after its folder. */
  metadata: Array<{ exp: number; part: number }>;
}

const utc = (s: string) => new Date(s);

function declarations(seed: number): { items: Item[]; albums: AlbumDecl[] } {
  let n = 0;
  const nextSeed = () => seed * 1000 + ++n;
  // Sizes between 2 and 40 KB, varied so no two contents share a size and CRC by accident.
  const size = () => 2048 + ((n * 7919) % 38000);
  const jpeg = () => makeJpeg(nextSeed(), size());
  const mp4 = () => makeMp4(nextSeed(), size());

  // biome-ignore lint/correctness/noComponentHookFactories: a folder name, not a component
  const Y = (year: number) => `Photos from ${year}`;
  const KIDS = 'Kids _ Dogs'; // the folder of the album titled "Kids & Dogs"
  const ROAD = 'Road Trip 2019'; // an album without metadata file

  const albums: AlbumDecl[] = [
    {
      folder: KIDS,
      title: 'Kids & Dogs',
      description: 'Alle Fotos mit Kindern und Hunden – Sommer & Winter',
      metadata: [
        { exp: 0, part: 2 },
        { exp: 1, part: 1 },
      ],
    },
    { folder: ROAD, title: ROAD, metadata: [] },
  ];

  const birthday: Meta = {
    title: 'IMG_20190714_123000.jpg',
    takenAt: utc('2019-07-14T12:30:00Z'),
    description: 'Birthday <cake> & "candles"',
    people: ['Ada', 'Grace Hopper'],
    geoExif: { latitude: 55.269423, longitude: 37.665591, altitude: 214.492 },
    geo: { latitude: 55.27, longitude: 37.66, altitude: 214.492 },
    favorited: true,
  };
  const paris: Meta = {
    title: 'IMG_1234.JPG',
    takenAt: utc('2019-03-02T15:04:05Z'),
    geo: { latitude: 48.85837, longitude: 2.294481, altitude: 35.5 },
  };
  const cafe: Meta = {
    title: 'Café Zürich.jpg'.normalize('NFC'),
    takenAt: utc('2020-01-18T09:41:00Z'),
    people: ['Zoë'],
  };
  const video: Meta = {
    title: 'VID_20210704_200000.mp4',
    takenAt: utc('2021-07-04T20:00:00Z'),
    description: 'Feuerwerk',
  };
  const garden: Meta = {
    title: 'IMG_20260612_143000.jpg',
    takenAt: utc('2026-06-12T14:30:00Z'),
    description: 'Geburtstag im Garten',
  };
  const long = 'Hochzeit von Anna und Thomas im Schlosspark Sanssouci 2019.jpg';
  const name47 = 'IMG_20191012_Sommerfest_Vereinsheim_Nachbar.jpg';
  if (name47.length !== 47 || long.length <= MEDIA_CLIP)
    throw new Error('takeout-export: the clipped-name fixtures lost their lengths');

  const birthdayBytes = jpeg();
  const parisBytes = jpeg();
  const cafeBytes = jpeg();
  const videoBytes = mp4();
  const partnerBytes = jpeg();

  const items: Item[] = [
    {
      quirk:
        'new naming sidecar; geoDataExif with altitude; people; description; ' +
        'favorited; album copy; repeated unchanged in export 1',
      bytes: birthdayBytes,
      meta: birthday,
      places: [
        { exp: 0, part: 0, folder: Y(2019) },
        { exp: 0, part: 0, folder: KIDS },
        { exp: 1, part: 0, folder: Y(2019) },
        { exp: 1, part: 0, folder: KIDS },
      ],
    },
    {
      quirk: "edited copy (-edited) shares its original's sidecar",
      bytes: jpeg(),
      meta: birthday,
      name: 'IMG_20190714_123000-edited.jpg',
      places: [{ exp: 0, part: 1, folder: Y(2019), file: 'IMG_20190714_123000-edited.jpg', sidecar: false }],
    },
    {
      quirk:
        'old name.ext.json sidecar in a later part than its media; ' +
        'geoData only (geoDataExif 0,0); album without metadata file',
      bytes: parisBytes,
      meta: paris,
      places: [
        { exp: 0, part: 0, folder: Y(2019), sidecar: { naming: 'old', part: 1 }, method: 0 },
        { exp: 0, part: 1, folder: ROAD, sidecar: { naming: 'old' } },
      ],
    },
    {
      quirk: 'edited copy (-bearbeitet) in export 1 whose original and sidecar are only in export 0',
      bytes: jpeg(),
      meta: paris,
      name: 'IMG_1234-bearbeitet.JPG',
      places: [{ exp: 1, part: 0, folder: Y(2019), file: 'IMG_1234-bearbeitet.JPG', sidecar: false }],
    },
    {
      quirk: '(n) duplicate: the first IMG_3479.JPG of the month',
      bytes: jpeg(),
      meta: { title: 'IMG_3479.JPG', takenAt: utc('2019-08-03T09:15:00Z') },
      places: [{ exp: 0, part: 0, folder: Y(2019) }],
    },
    {
      quirk:
        '(n) duplicate: IMG_3479(1).JPG ↔ IMG_3479.JPG.supplemental-metadata(1).json, ' +
        'same title and month (arrives as "IMG_3479 (1).JPG")',
      bytes: jpeg(),
      meta: { title: 'IMG_3479.JPG', takenAt: utc('2019-08-21T18:02:00Z') },
      places: [{ exp: 0, part: 0, folder: Y(2019), file: 'IMG_3479(1).JPG', sidecar: { naming: 'new', index: '(1)' } }],
    },
    {
      quirk: 'old naming (n) duplicate of a HEIC: the original',
      bytes: makeHeicBlob(nextSeed(), size()),
      meta: { title: 'IMG_2710.HEIC', takenAt: utc('2019-05-05T07:07:07Z') },
      places: [{ exp: 0, part: 2, folder: Y(2019), sidecar: { naming: 'old' }, method: 0 }],
    },
    {
      quirk: 'old naming (n) duplicate IMG_2710(1).HEIC ↔ IMG_2710.HEIC(1).json, another month (no " (1)" suffix)',
      bytes: makeHeicBlob(nextSeed(), size()),
      meta: { title: 'IMG_2710.HEIC', takenAt: utc('2019-11-11T11:11:12Z') },
      places: [
        { exp: 0, part: 2, folder: Y(2019), file: 'IMG_2710(1).HEIC', sidecar: { naming: 'old', index: '(1)' } },
      ],
    },
    {
      quirk: 'sidecar clipped to 51 characters: .supplemen.json; sidecar in an earlier part than its media',
      bytes: jpeg(),
      meta: { title: 'PXL_20231006_063000139.PORTRAIT1.jpg', takenAt: utc('2023-10-06T06:30:00Z') },
      places: [{ exp: 0, part: 1, folder: Y(2023), sidecar: { naming: 'new', part: 0 }, method: 0 }],
    },
    {
      quirk: "sidecar clipped inside the media's own 47-character name (….jp.json)",
      bytes: jpeg(),
      meta: { title: name47, takenAt: utc('2019-10-12T16:20:00Z') },
      places: [{ exp: 0, part: 0, folder: Y(2019) }],
    },
    {
      quirk: 'media name clipped to 47 characters in the archive; the sidecar title keeps the whole name',
      bytes: jpeg(),
      meta: { title: long, takenAt: utc('2019-09-14T13:00:00Z'), description: 'Trauung im Park' },
      places: [{ exp: 0, part: 1, folder: Y(2019) }],
    },
    {
      quirk: 'NFD name in the archive, NFC title in the sidecar; repeated unchanged in export 1',
      bytes: cafeBytes,
      meta: cafe,
      places: [
        { exp: 0, part: 0, folder: Y(2020), file: cafe.title.normalize('NFD') },
        { exp: 1, part: 1, folder: Y(2020), file: cafe.title.normalize('NFD') },
      ],
    },
    {
      quirk:
        "sidecar without the media's extension (uploaded without one): Peanut Butter Balls.supplemental-metadata.json",
      bytes: jpeg(),
      meta: { title: 'Peanut Butter Balls', takenAt: utc('2020-12-24T17:00:00Z') },
      // The backup keeps the extension the archive gave it, so viewers know what it is.
      name: 'Peanut Butter Balls.jpg',
      places: [{ exp: 0, part: 0, folder: Y(2020), file: 'Peanut Butter Balls.jpg' }],
    },
    {
      quirk: 'no sidecar: EXIF DateTimeOriginal with OffsetTimeOriginal (+02:00, local 1 April is UTC 31 March)',
      bytes: jpegWithExif({
        seed: nextSeed(),
        size: size(),
        dateTimeOriginal: '2021:04:01 01:30:00',
        offsetTimeOriginal: '+02:00',
      }),
      date: { takenAt: utc('2021-03-31T23:30:00Z'), from: 'exif', offsetMinutes: 120 },
      name: 'IMG_20210401_013000.jpg',
      places: [{ exp: 0, part: 1, folder: Y(2021), file: 'IMG_20210401_013000.jpg', sidecar: false }],
    },
    {
      quirk: 'no sidecar, no EXIF (PNG): dated by the archive entry',
      bytes: makePng(nextSeed(), size()),
      date: { takenAt: utc('2018-11-23T17:42:08Z'), from: 'archive' },
      name: 'drawing.png',
      places: [
        {
          exp: 0,
          part: 1,
          folder: Y(2018),
          file: 'drawing.png',
          sidecar: false,
          modifiedAt: utc('2018-11-23T17:42:08Z'),
        },
      ],
    },
    {
      quirk: 'no sidecar, JPEG whose EXIF has no date: dated by the archive entry',
      bytes: jpegWithExif({ seed: nextSeed(), size: size() }),
      date: { takenAt: utc('2018-11-24T19:03:22Z'), from: 'archive' },
      name: 'IMG-20181124-WA0007.jpg',
      places: [
        {
          exp: 0,
          part: 2,
          folder: Y(2018),
          file: 'IMG-20181124-WA0007.jpg',
          sidecar: false,
          modifiedAt: utc('2018-11-24T19:03:22Z'),
        },
      ],
    },
    {
      quirk: 'geo 0,0 in both geoData and geoDataExif: no location',
      bytes: jpeg(),
      meta: { title: 'IMG_20200606_161616.jpg', takenAt: utc('2020-06-06T16:16:16Z'), geo: NO_GEO, geoExif: NO_GEO },
      places: [{ exp: 0, part: 1, folder: Y(2020) }],
    },
    {
      quirk: 'archived: in the Archive folder (flag set too), kept',
      bytes: jpeg(),
      meta: { title: 'IMG_20200202_101010.jpg', takenAt: utc('2020-02-02T10:10:10Z'), archived: true },
      places: [{ exp: 0, part: 1, folder: EN.archive }],
    },
    {
      quirk: 'archived flag on an item in a year folder, kept',
      bytes: jpeg(),
      meta: { title: 'IMG_20200303_080808.jpg', takenAt: utc('2020-03-03T08:08:08Z'), archived: true },
      places: [{ exp: 0, part: 1, folder: Y(2020), sidecar: { naming: 'old' } }],
    },
    {
      quirk: 'partner-shared (googlePhotosOrigin.fromPartnerSharing), kept; album copy',
      bytes: partnerBytes,
      meta: {
        title: 'PXL_20200815_120000000.jpg',
        takenAt: utc('2020-08-15T12:00:00Z'),
        partner: true,
        geoExif: { latitude: -33.856784, longitude: 151.215297, altitude: 0 },
      },
      places: [
        { exp: 0, part: 1, folder: Y(2020) },
        { exp: 0, part: 2, folder: KIDS },
      ],
    },
    {
      quirk: 'trashed flag in a year folder: excluded',
      bytes: jpeg(),
      meta: { title: 'IMG_20200910_101112.jpg', takenAt: utc('2020-09-10T10:11:12Z'), trashed: true },
      places: [{ exp: 0, part: 2, folder: Y(2020) }],
      excluded: 'trashed: true in its sidecar',
    },
    {
      quirk: 'in the Trash folder (sidecar without the flag): excluded',
      bytes: jpeg(),
      meta: { title: 'IMG_20200411_094500.jpg', takenAt: utc('2020-04-11T09:45:00Z') },
      places: [{ exp: 0, part: 2, folder: EN.trash }],
      excluded: 'in the Trash folder',
    },
    {
      quirk: 'in the Papierkorb folder of the German export, without sidecar: excluded',
      bytes: jpeg(),
      places: [{ exp: 1, part: 1, folder: DE.trash, file: 'IMG_20260101_000500.jpg', sidecar: false }],
      excluded: 'in the Papierkorb (trash) folder',
    },
    {
      quirk: 'Failed Videos: kept',
      bytes: mp4(),
      meta: { title: 'VID_20210611_181500.mp4', takenAt: utc('2021-06-11T18:15:00Z') },
      places: [{ exp: 0, part: 2, folder: 'Failed Videos', method: 0 }],
    },
    {
      quirk: 'video with sidecar, stored; repeated unchanged in export 1',
      bytes: videoBytes,
      meta: video,
      places: [
        { exp: 0, part: 2, folder: Y(2021), method: 0 },
        { exp: 1, part: 1, folder: Y(2021), method: 0 },
      ],
    },
    {
      quirk: 'photoTakenTime missing, creationTime present: dated by creationTime',
      bytes: jpeg(),
      meta: { title: 'scan_0001.jpg', uploadedAt: utc('2017-05-06T10:00:00Z') },
      places: [{ exp: 0, part: 2, folder: Y(2017), sidecar: { naming: 'old' } }],
    },
    {
      quirk: 'album-only photo (in no year folder)',
      bytes: jpeg(),
      meta: { title: 'IMG_20190901_090000.jpg', takenAt: utc('2019-09-01T09:00:00Z'), favorited: true },
      places: [{ exp: 0, part: 2, folder: KIDS }],
    },
    {
      quirk: 'new in export 1 (German timestamps), with its -bearbeitet copy',
      bytes: jpeg(),
      meta: garden,
      places: [{ exp: 1, part: 0, folder: Y(2026) }],
    },
    {
      quirk: 'edited copy (-bearbeitet) in another part than its original, sharing its sidecar',
      bytes: jpeg(),
      meta: garden,
      name: 'IMG_20260612_143000-bearbeitet.jpg',
      places: [{ exp: 1, part: 1, folder: Y(2026), file: 'IMG_20260612_143000-bearbeitet.jpg', sidecar: false }],
    },
    {
      quirk: 'album continued in export 1 with a new member',
      bytes: jpeg(),
      meta: { title: 'IMG_20260620_170000.jpg', takenAt: utc('2026-06-20T17:00:00Z'), people: ['Bello'] },
      places: [
        { exp: 1, part: 1, folder: Y(2026) },
        { exp: 1, part: 0, folder: KIDS },
      ],
    },
  ];
  return { items, albums };
}

// ---- Assembly ------------------------------------------------------------------------------------

interface Entry {
  path: string;
  data: Buffer;
  method: 0 | 8;
  modifiedAt: Date;
}

const isYearFolder = (folder: string) => /^Photos from \d{4}$/.test(folder);

export function takeoutFixture(opts: { format?: 'zip' | 'tgz'; seed?: number } = {}): TakeoutFixture {
  const format = opts.format ?? 'zip';
  const { items, albums } = declarations(opts.seed ?? 1);
  const albumByFolder = new Map(albums.map((a) => [a.folder, a]));
  const created = EXPORTS.map((e) => stampDate(e.stamp));
  const parts: Entry[][][] = EXPORTS.map((e) => Array.from({ length: e.parts }, () => []));
  let mediaCount = 0;
  let sidecarId = 0;

  const add = (exp: number, part: number, rel: string, data: Buffer, method: 0 | 8, modifiedAt?: Date) => {
    parts[exp][part].push({
      path: `${EXPORTS[exp].lang.root}/${rel}`,
      data,
      method,
      modifiedAt: modifiedAt ?? created[exp],
    });
  };

  // Takeout's own index page, outside the product folder, and a non-item JSON in its root.
  for (const [i, e] of EXPORTS.entries()) {
    parts[i][0].push({
      path: 'Takeout/archive_browser.html',
      data: Buffer.from(`<!doctype html><html lang="${e.lang.code}"><title>Takeout</title></html>\n`),
      method: 8,
      modifiedAt: created[i],
    });
  }
  add(0, 0, 'print-subscriptions.json', Buffer.from('[]\n'), 8);

  const media = new Map<string, TruthMedia>();
  const excluded: Array<{ sha256: string; why: string }> = [];
  const albumMembers = new Map<string, string[]>(albums.map((a) => [a.title, []]));
  const sidecarBytes = new Map<Meta, Buffer>(); // one JSON per item: copies and repeats are identical

  for (const item of items) {
    const sha = sha256(item.bytes);
    for (const p of item.places) {
      const lang = EXPORTS[p.exp].lang;
      const file = p.file ?? archiveName(item.meta!.title);
      const method = p.method ?? (mediaCount++ % 2 === 0 ? 8 : 0);
      if (
        !isYearFolder(p.folder) &&
        ![lang.archive, lang.trash, 'Failed Videos'].includes(p.folder) &&
        !albumByFolder.has(p.folder)
      ) {
        throw new Error(
          `takeout-export: folder "${p.folder}" is neither a special folder of ${lang.code} nor a declared album`,
        );
      }
      add(p.exp, p.part, `${p.folder}/${file}`, item.bytes, method, p.modifiedAt);
      if (p.sidecar !== false && item.meta) {
        const naming = p.sidecar ?? { naming: 'new' as const };
        const name = naming.name ?? sidecarName(item.meta.title, naming.naming, naming.index);
        let json = sidecarBytes.get(item.meta);
        if (!json) sidecarBytes.set(item.meta, (json = sidecarJson(item.meta, lang, ++sidecarId)));
        add(p.exp, naming.part ?? p.part, `${p.folder}/${name}`, json, 8);
      }
    }

    const firstExport = Math.min(...item.places.map((p) => p.exp));
    if (item.excluded) {
      excluded.push({ sha256: sha, why: `${item.excluded} (${item.quirk})` });
      continue;
    }
    const albumTitles = [
      ...new Set(item.places.filter((p) => albumByFolder.has(p.folder)).map((p) => albumByFolder.get(p.folder)!.title)),
    ];
    for (const t of albumTitles) if (!albumMembers.get(t)!.includes(sha)) albumMembers.get(t)!.push(sha);
    const meta = item.meta;
    const takenAt = meta ? (meta.takenAt ?? meta.uploadedAt!) : item.date!.takenAt;
    const truth: TruthMedia = {
      sha256: sha,
      bytes: item.bytes,
      name: (item.name ?? meta!.title).normalize('NFC'),
      takenAt,
      dateFrom: meta ? 'sidecar' : item.date!.from,
      people: meta?.people ?? [],
      favorited: meta?.favorited === true,
      archived: meta?.archived === true || item.places.some((p) => p.folder === EXPORTS[p.exp].lang.archive),
      partnerShared: meta?.partner === true,
      albums: albumTitles,
      firstExport,
      quirk: item.quirk,
    };
    if (!meta && item.date?.offsetMinutes !== undefined) truth.offsetMinutes = item.date.offsetMinutes;
    const geo = nonZero(meta?.geoExif) ?? nonZero(meta?.geo);
    if (geo) truth.geo = { ...geo };
    if (meta?.description) truth.description = meta.description;
    if (media.has(sha))
      throw new Error(`takeout-export: "${item.quirk}" repeats the bytes of "${media.get(sha)!.quirk}"`);
    media.set(sha, truth);
  }

  // Album metadata files, where declared (an album may have one in each export).
  for (const a of albums) {
    for (const { exp, part } of a.metadata) {
      const made = utc('2019-07-14T18:00:00Z');
      const json = {
        title: a.title,
        description: a.description ?? '',
        access: 'protected',
        date: { timestamp: String(made.getTime() / 1000), formatted: EXPORTS[exp].lang.formatted(made) },
      };
      add(exp, part, `${a.folder}/${EXPORTS[exp].lang.albumMetadata}`, Buffer.from(JSON.stringify(json, null, 2)), 8);
    }
  }

  // The catalogue tells contents apart by size and CRC-32: make sure no two differ only in SHA-256.
  const identities = new Map<string, string>();
  for (const item of items) {
    const id = `${item.bytes.length}-${zlib.crc32(item.bytes)}`;
    const sha = sha256(item.bytes);
    if (identities.has(id) && identities.get(id) !== sha)
      throw new Error(`takeout-export: two contents share size and CRC-32 (${id})`);
    identities.set(id, sha);
  }

  return {
    exports: EXPORTS.map((e, i) => ({
      stamp: e.stamp,
      createdAt: created[i],
      language: e.lang.code,
      format,
      parts: parts[i].map((entries, p) => ({
        name: `takeout-${e.stamp}-${String(p + 1).padStart(3, '0')}.${format}`,
        file: format === 'zip' ? zipPart(entries, e.zip64.includes(p)) : tgzPart(entries, i),
      })),
    })),
    media: [...media.values()],
    excluded,
    albums: albums.map((a) => ({
      title: a.title,
      ...(a.description ? { description: a.description } : {}),
      members: albumMembers.get(a.title)!,
    })),
  };
}

function zipPart(entries: Entry[], zip64: boolean): VirtualFile {
  const inputs: ZipInput[] = entries.map((e) => ({
    name: e.path,
    data: e.data,
    method: e.method,
    modifiedAt: e.modifiedAt,
  }));
  return zipFile(inputs, { zip64 });
}

function tgzPart(entries: Entry[], exp: number): VirtualFile {
  const inputs: TarInput[] = entries.map((e) => ({ name: e.path, data: e.data, modifiedAt: e.modifiedAt }));
  // Both long-name conventions a reader meets: pax records for one export, GNU for the other.
  return fromBuffer(writeTarGz(inputs, exp === 0 ? { pax: true } : { gnuLongNames: true }));
}

/**
 * Writes export `index`'s parts into `dir` with their modification
 * time set to the export's createdAt; returns the paths written.
 */
export async function writeExport(fixture: TakeoutFixture, index: number, dir: string): Promise<string[]> {
  const exp = fixture.exports[index];
  if (!exp) throw new Error(`writeExport: the fixture has no export ${index} (it has ${fixture.exports.length})`);
  await fs.mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const part of exp.parts) {
    const file = path.join(dir, part.name);
    await fs.writeFile(file, materialize(part.file));
    await fs.utimes(file, exp.createdAt, exp.createdAt);
    written.push(file);
  }
  return written;
}
