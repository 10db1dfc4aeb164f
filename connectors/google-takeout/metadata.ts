// What a Google Takeout export of Google Photos says about its items and albums: the per-item JSON
// sidecars, the album JSON files, the (localized) folders, and what we keep. Pure functions: the
// caller reads the archive entries and hands us their names and parsed JSON.
//
// Google documents none of this; the shapes below are the ones the open-source importers
// (immich-go, GooglePhotosTakeoutHelper and its Neo fork) have met in real exports since 2019.
// Every field may be missing: exports from different
// years, accounts and languages differ, and the February 2025 album JSON is only `{"title": …}`.

export interface Geo {
  latitude: number;
  longitude: number;
  /** Metres above sea level; 0 when unknown (Google writes 0.0 for "no altitude"). */
  altitude: number;
}

export interface SidecarMetadata {
  /** The file name as uploaded (the archive's name may be clipped or carry a "(n)"); '' if absent. */
  title: string;
  description?: string;
  /** photoTakenTime, else creationTime (the upload); absent when both are missing or 0. */
  takenAt?: Date;
  /** geoDataExif (the camera's), else geoData (possibly set by the user); absent at 0,0. */
  geo?: Geo;
  /** Names of the people tagged by hand (Google exports no face boxes and no unnamed faces). */
  people: string[];
  favorited: boolean;
  archived: boolean;
  trashed: boolean;
  /** The item reached this library through partner sharing (googlePhotosOrigin.fromPartnerSharing). */
  partnerShared: boolean;
}

export interface AlbumMetadata {
  title: string;
  description?: string;
}

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function parsed(json: unknown, what: string): Json {
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch (err) {
      throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
    }
  }
  return asObject(json) ?? {};
}

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  return t === '' ? undefined : t;
}

/** `{timestamp: "1563107400", formatted: …}` → a Date; 0, '' and garbage mean "unknown". */
function timestamp(value: unknown): Date | undefined {
  const raw = asObject(value)?.timestamp;
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^-?\d+$/.test(s)) return undefined;
  const seconds = Number(s);
  if (seconds === 0) return undefined; // Google's "no date", seen on screenshots and messaging media
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function number(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** 0,0 is Google's "no location" (a real photo at Null Island is not worth the false positives). */
function geo(value: unknown): Geo | undefined {
  const g = asObject(value);
  if (!g) return undefined;
  const latitude = number(g.latitude);
  const longitude = number(g.longitude);
  if (latitude === undefined || longitude === undefined) return undefined;
  if (latitude === 0 && longitude === 0) return undefined;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  return { latitude, longitude, altitude: number(g.altitude) ?? 0 };
}

/** A per-item sidecar (`IMG_1234.JPG.json`, `….supplemental-metadata.json`), parsed or as text. */
export function parseSidecar(json: unknown): SidecarMetadata {
  const j = parsed(json, 'Takeout sidecar');
  const people = new Set<string>(); // in order, once each, however long the list
  if (Array.isArray(j.people)) {
    for (const p of j.people) {
      const name = text(asObject(p)?.name);
      if (name) people.add(name);
    }
  }
  const meta: SidecarMetadata = {
    title: typeof j.title === 'string' ? j.title : '',
    people: [...people],
    favorited: j.favorited === true,
    archived: j.archived === true,
    trashed: j.trashed === true,
    partnerShared: asObject(j.googlePhotosOrigin)?.fromPartnerSharing !== undefined,
  };
  const description = text(j.description);
  if (description) meta.description = description;
  const takenAt = timestamp(j.photoTakenTime) ?? timestamp(j.creationTime);
  if (takenAt) meta.takenAt = takenAt;
  const place = geo(j.geoDataExif) ?? geo(j.geoData);
  if (place) meta.geo = place;
  // The item's page on photos.google.com (`url`) is not kept: nothing in the backup needs it, and
  // it was an eighth of a large library's index in memory.
  return meta;
}

/**
 * An album's JSON (`metadata.json` and its translations). The folder name is a sanitised copy of the
 * title ("One & Two" arrives as "One _ Two"), so the JSON's title wins; `fallbackTitle` (the folder)
 * covers `{}` and `{"title": ""}`, both seen in 2025 exports. Text "enrichments" added on the web
 * stand in for a missing description.
 */
export function parseAlbum(json: unknown, fallbackTitle = ''): AlbumMetadata {
  const j = parsed(json, 'Takeout album metadata');
  const album: AlbumMetadata = { title: text(j.title) ?? fallbackTitle };
  let description = text(j.description);
  if (!description && Array.isArray(j.enrichments)) {
    const notes = j.enrichments
      .map((e) => text(asObject(asObject(e)?.narrativeEnrichment)?.text))
      .filter((t): t is string => t !== undefined);
    if (notes.length > 0) description = notes.join('\n');
  }
  if (description) album.description = description;
  return album;
}

/**
 * A JSON that describes an album rather than an item, whatever its file name: the language-neutral
 * check immich-go settled on after meeting album files named in languages nobody had listed.
 */
export function isAlbumJson(json: unknown): boolean {
  const j = asObject(json);
  if (!j) return false;
  const itemFields = ['photoTakenTime', 'creationTime', 'geoData', 'geoDataExif', 'url', 'imageViews', 'people'];
  return !itemFields.some((f) => f in j);
}

// Album metadata file names by export language (Takeout names them in the account's language).
const ALBUM_METADATA_NAMES = new Set(
  [
    'metadata.json', // en, nl, sv, da, nb, cs
    'metadaten.json', // de
    'métadonnées.json', // fr
    'metadati.json', // it
    'metadatos.json', // es
    'metadados.json', // pt
    'metadane.json', // pl
    'metadáta.json', // sk
    'metaadatok.json', // hu
    'metatiedot.json', // fi
    'meta veriler.json', // tr
    'meta-veriler.json', // tr
    'metaveriler.json', // tr
    'метаданные.json', // ru
    'метадані.json', // uk
    'метаданни.json', // bg
    'μεταδεδομένα.json', // el
    'メタデータ.json', // ja
    '메타데이터.json', // ko
    '元数据.json', // zh-CN
    '中繼資料.json', // zh-TW
  ].map((n) => n.normalize('NFC')),
);

/** `metadata.json`, `Metadaten.json`, `métadonnées.json`… (NFD names from macOS archives too). */
export function isAlbumMetadataName(basename: string): boolean {
  return ALBUM_METADATA_NAMES.has(basename.normalize('NFC').toLowerCase());
}

// JSON files that sit among the items but describe neither an item nor an album.
const OTHER_JSON = new Set([
  'print-subscriptions.json',
  'shared_album_comments.json',
  'user-generated-memory-titles.json',
]);

/** A JSON file in a Google Photos folder that is not an item's sidecar. */
export function isNonItemJson(basename: string): boolean {
  const n = basename.normalize('NFC').toLowerCase();
  return ALBUM_METADATA_NAMES.has(n) || OTHER_JSON.has(n);
}

// "Google Photos" as Takeout names the product folder in each language. Not exhaustive: the caller can
// add names (a user's export in a language missing here), and the report names what was unrecognised.
const ROOT_NAMES = new Set(
  [
    'Google Photos', // en, fr, th
    'Google Fotos', // de, es, pt, nl, ca
    'Google Foto', // it, id, ms
    'Google Foton', // sv
    'Google Fotoer', // da, nb
    'Google Kuvat', // fi
    'Google Fotók', // hu
    'Google Fotoğraflar', // tr
    'Fotky Google', // cs, sk
    'Zdjęcia Google', // pl
    'Google Фото', // ru, uk
    'Google Снимки', // bg
    'Google Φωτογραφίες', // el
    'Google フォト', // ja
    'Google 포토', // ko
    'Google 相册', // zh-CN
    'Google 相簿', // zh-TW
    '谷歌相册', // zh-CN (older exports)
    'Google Ảnh', // vi
    'Google תמונות', // he
    'صور Google', // ar
  ].map((n) => n.normalize('NFC').toLowerCase()),
);

const TRASH_NAMES = new Set(
  [
    'Trash',
    'Bin',
    'Papierkorb',
    'Corbeille',
    'Cestino',
    'Papelera',
    'Lixeira',
    'Lixo',
    'Prullenbak',
    'Kosz',
    'Koš',
    'Papperskorg',
    'Papirkurv',
    'Roskakori',
    'Lomtár',
    'Çöp Kutusu',
    'Корзина',
    'Кошик',
    'Кошче',
    'Κάδος',
    'ゴミ箱',
    '휴지통',
    '回收站',
    '垃圾桶',
    'Thùng rác',
  ].map((n) => n.normalize('NFC').toLowerCase()),
);

const ARCHIVE_NAMES = new Set(
  [
    'Archive',
    'Archiv',
    'Archives',
    'Archivio',
    'Archivo',
    'Arquivo',
    'Archief',
    'Archiwum',
    'Arkiv',
    'Arkisto',
    'Archívum',
    'Arşiv',
    'Архив',
    'Архів',
    'Αρχείο',
    'アーカイブ',
    '보관함',
    '归档',
    '封存',
    'Lưu trữ',
  ].map((n) => n.normalize('NFC').toLowerCase()),
);

const FAILED_NAMES = new Set(['Failed Videos'].map((n) => n.toLowerCase()));

// The Locked Folder is private on the phone; its items are still the user's photos, kept as 'other'.
const LOCKED_NAMES = new Set(
  [
    'Locked Folder',
    'Gesperrter Ordner',
    'Dossier verrouillé',
    'Cartella bloccata',
    'Carpeta bloqueada',
    'Pasta trancada',
    'Vergrendelde map',
    'Folder zablokowany',
  ].map((n) => n.normalize('NFC').toLowerCase()),
);

// Year folders keep their English name in every language seen so far (GPTH matches only this).
const YEAR_FOLDER = /^Photos from (18|19|20)\d{2}$/;

export type FolderKind = 'year' | 'album' | 'trash' | 'archive' | 'failed' | 'other';

export interface PhotosLocation {
  /** `Takeout/Google Fotos` (as spelled in the path given, with anything before it). */
  root: string;
  /** The folder under the root holding the entry ('' for files directly in the root). */
  folder: string;
  kind: FolderKind;
}

/**
 * Where an archive entry sits: under `Takeout/<Google Photos, localized>/`, in which folder and what
 * kind of folder. Undefined for entries of other products (an "export once" may hold Drive, Mail…).
 */
export function googlePhotosRoot(path: string, extraRootNames: readonly string[] = []): PhotosLocation | undefined {
  const parts = path.split('/');
  const extra = new Set(extraRootNames.map((n) => n.normalize('NFC').toLowerCase()));
  for (let i = 0; i + 1 < parts.length; i++) {
    if (parts[i].toLowerCase() !== 'takeout') continue;
    const name = parts[i + 1].normalize('NFC').toLowerCase();
    if (!ROOT_NAMES.has(name) && !extra.has(name)) continue;
    const root = parts.slice(0, i + 2).join('/');
    const rest = parts.slice(i + 2);
    // A folder is a path segment with something after it; a file directly in the root has none.
    if (rest.length < 2) return { root, folder: '', kind: 'other' };
    const folder = rest[0];
    return { root, folder, kind: folderKind(folder) };
  }
  return undefined;
}

function folderKind(folder: string): FolderKind {
  const n = folder.normalize('NFC');
  if (YEAR_FOLDER.test(n)) return 'year';
  const lower = n.toLowerCase();
  if (TRASH_NAMES.has(lower)) return 'trash';
  if (ARCHIVE_NAMES.has(lower)) return 'archive';
  if (FAILED_NAMES.has(lower)) return 'failed';
  if (LOCKED_NAMES.has(lower)) return 'other';
  return 'album';
}

export interface KeepOptions {
  /** Items in the trash (flag or Trash folder): left out unless asked for. */
  includeTrashed?: boolean;
  /** Archived items: kept unless turned off. */
  includeArchived?: boolean;
  /** Items from a partner's library: kept unless turned off. */
  includePartnerShared?: boolean;
  /** "Failed Videos" (uploads Google could not process): kept unless turned off, a backup drops nothing silently. */
  includeFailedVideos?: boolean;
}

/** Whether an item goes into the backup; `meta` is undefined for media without a sidecar (kept). */
export function keepItem(meta: SidecarMetadata | undefined, kind: FolderKind, opts: KeepOptions = {}): boolean {
  if ((kind === 'trash' || meta?.trashed) && opts.includeTrashed !== true) return false;
  if ((kind === 'archive' || meta?.archived) && opts.includeArchived === false) return false;
  if (meta?.partnerShared && opts.includePartnerShared === false) return false;
  if (kind === 'failed' && opts.includeFailedVideos === false) return false;
  return true;
}

export interface ItemDate {
  date: Date;
  source: 'sidecar' | 'exif' | 'archive';
}

/** The date an item is filed under: the sidecar's, else the file's EXIF, else the archive entry's. */
export function itemDate(meta: SidecarMetadata | undefined, exifDate: Date | undefined, entryDate: Date): ItemDate {
  if (meta?.takenAt) return { date: meta.takenAt, source: 'sidecar' };
  if (exifDate && !Number.isNaN(exifDate.getTime())) return { date: exifDate, source: 'exif' };
  return { date: entryDate, source: 'archive' };
}
