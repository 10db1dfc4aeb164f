// What the catalogue is made of: the indexed parts of every export seen so far, and what the backup
// holds (each distinct media file once, named by its sidecar's title and filed by its taken time,
// an XMP beside it, and each album as one JSON file), as its stored rows keep it. build.ts makes
// it; these are the rules it names files by and the forms its rows take.
import crypto from 'node:crypto';
import path from 'node:path';
import type { MediaType } from '../types.ts';
import type { FolderKind, Geo, SidecarMetadata } from './metadata.ts';
import { xmpSidecar } from './xmp.ts';

/** Where a media entry's bytes are: enough to read it again without its archive's directory. */
export interface EntryRef {
  /** The entry's name in the archive. */
  name: string;
  size: number;
  crc32: number;
  modifiedAt: string;
  /** zip */
  method?: 0 | 8;
  compressedSize?: number;
  localHeaderOffset?: number;
  /** tgz: the entry's position among the archive's entries. */
  ordinal?: number;
}

export interface IndexedMedia extends EntryRef {
  /** Path under the Google Photos root (localized root removed), e.g. `Photos from 2019/IMG_1.jpg`. */
  rel: string;
  kind: FolderKind;
  /** The file's own date (EXIF, QuickTime), read only for media that turned out to have no sidecar. */
  exif?: { date: string; offsetMinutes?: number } | null;
  /**
   * SHA-256 of the content: always for .tgz entries (read whole anyway), for zip entries when needed (see contentKeys).
   */
  sha256?: string;
}

/** A sidecar as stored: its metadata with dates as strings. */
export interface IndexedSidecar {
  rel: string;
  meta: Omit<SidecarMetadata, 'takenAt'> & { takenAt?: string };
}

/**
 * One indexed archive part (stored as state `part:<set>:<NNN>`); its media and sidecars are kept
 * in pages of their own (parts.ts).
 */
export interface PartRecord {
  set: string;
  number: number;
  format: 'zip' | 'tgz';
  /** The part's path and id in the storage cloud, and its version when indexed. */
  path: string;
  sourceId: string;
  version: string;
  size: number;
  indexedAt: string;
  /** Bytes read from the storage cloud to index it (directory, sidecars, heads). */
  bytesRead: number;
  /** Where its media and sidecars are, and how many of each. */
  pages: PartPages;
  albums: Array<{ dir: string; title: string; description?: string }>;
  /** Deleted from the storage cloud after it was ingested (cloud option deleteArchives). */
  deleted?: boolean;
  /** Files of other Google products in the part (an "export once" of the whole account): never deleted then. */
  otherEntries?: number;
}

/** A part's media and sidecars: pages of state under `tag` (a new one each time the part is indexed). */
export interface PartPages {
  tag: string;
  media: number;
  sidecars: number;
}

/** A part's record as an older Ferry stored it: its media and sidecars within. */
export type InlinePart = Omit<PartRecord, 'pages'> & { media: IndexedMedia[]; sidecars: IndexedSidecar[] };

/** What reading a medium needs of its archive part (a stored catalogue row keeps this, not the part's index). */
export type PartRef = Pick<PartRecord, 'set' | 'path' | 'sourceId' | 'size' | 'format' | 'deleted'>;

export interface CatalogueMedia {
  /** The content's identity (see contentKeys). */
  key: string;
  path: string;
  size: number;
  mediaType: MediaType;
  takenAt: Date;
  title: string;
  trashed: boolean;
  /** The sidecar's, when there is one. */
  meta?: SidecarMetadata;
  offsetMinutes?: number;
  /** Where to read it: an archive not deleted if any holds it. */
  part: PartRef;
  entry: EntryRef & Pick<IndexedMedia, 'kind'>;
  /** Its XMP's size and version, as a stored row keeps them (xmpStamp): a listing need not make the XMP. */
  xmp?: XmpStamp;
}

export interface XmpStamp {
  size: number;
  version: string;
}

export interface CatalogueAlbum {
  /** The album's folder in the exports: its identity (two albums may share a title). */
  dir: string;
  title: string;
  path: string;
  json: string;
}

/** The XMP written beside a medium (made when needed: a library's worth would fill memory). */
export function xmpOf(m: CatalogueMedia): string {
  return xmpSidecar({
    // A date corrected in Google Photos reaches the XMP (the file keeps its first folder).
    takenAt: m.meta?.takenAt ?? m.takenAt,
    timeZoneOffsetMinutes: m.meta?.takenAt ? undefined : m.offsetMinutes,
    geo: m.meta?.geo as Geo | undefined,
    description: m.meta?.description,
    people: m.meta?.people ?? [],
    favorited: m.meta?.favorited ?? false,
    archived: m.meta?.archived === true || m.entry.kind === 'archive',
    title: m.meta?.title,
  });
}

/** The size and version of a medium's XMP. */
export function xmpStamp(m: CatalogueMedia): XmpStamp {
  const xmp = xmpOf(m);
  return { size: Buffer.byteLength(xmp), version: versionOf(xmp) };
}

/**
 * A medium as a catalogue row stores it: JSON (dates as ISO strings), with what its files (the
 * medium and its XMP) and reading it need, and no more (a row per medium of a library). Its part is
 * stored once for all its media, and named here by its place in that list (`part`).
 */
export function storedMedia(m: CatalogueMedia, part: number): unknown {
  const { name, crc32, modifiedAt, method, compressedSize, localHeaderOffset, ordinal, kind } = m.entry;
  const meta = m.meta && {
    title: m.meta.title,
    description: m.meta.description,
    takenAt: m.meta.takenAt,
    geo: m.meta.geo,
    people: m.meta.people.length ? m.meta.people : undefined,
    favorited: m.meta.favorited || undefined,
    archived: m.meta.archived || undefined,
    trashed: m.meta.trashed || undefined,
  };
  return {
    ...m,
    meta,
    part,
    entry: { name, size: m.entry.size, crc32, modifiedAt, method, compressedSize, localHeaderOffset, ordinal, kind },
    // Made once as the row is stored, instead of at every listing of the catalogue (0.9 of a listing's
    // 7.4 s of CPU for 100,000 media).
    xmp: xmpStamp(m),
  };
}

/** What reading a medium needs of its part, as a stored catalogue keeps it once for all its media. */
export const partRef = ({ set, path, sourceId, size, format, deleted }: PartRef): PartRef => ({
  set,
  path,
  sourceId,
  size,
  format,
  deleted,
});

/** A medium from its catalogue row and the catalogue's parts (storedMedia's inverse). */
export function revivedMedia(value: unknown, parts: PartRef[]): CatalogueMedia {
  const m = value as Omit<CatalogueMedia, 'takenAt' | 'meta' | 'part'> & {
    part: number;
    takenAt: string;
    meta?: Partial<IndexedSidecar['meta']> & { title: string };
  };
  const meta = m.meta && {
    people: [],
    favorited: false,
    archived: false,
    trashed: false,
    partnerShared: false,
    ...m.meta,
  };
  return { ...m, part: parts[m.part], takenAt: new Date(m.takenAt), meta: meta && reviveSidecar({ rel: '', meta }) };
}

export const sizeAndCrc = (e: EntryRef) => `${e.size}-${(e.crc32 >>> 0).toString(16).padStart(8, '0')}`;

/** A title as a file name: no folders, no control characters, NFC. */
export function fileName(title: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = title
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f/\\]/g, '_')
    .trim();
  return clean === '' || clean === '.' || clean === '..' ? '_' : clean;
}

export const two = (n: number) => String(n).padStart(2, '0');

export function reviveSidecar(s: IndexedSidecar): SidecarMetadata {
  const { takenAt, ...rest } = s.meta;
  return { ...rest, ...(takenAt ? { takenAt: new Date(takenAt) } : {}) };
}

/** What a medium says it is: its sidecar's title and time, or else its own name. */
export function signature(entry: IndexedMedia, meta: IndexedSidecar['meta'] | undefined): string {
  return meta?.title
    ? `${meta.title.normalize('NFC')}@${meta.takenAt ?? ''}`
    : path.posix.basename(entry.rel).normalize('NFC');
}

/**
 * `folder/name`, or `folder/name (n).ext` with the first n that is free (case-insensitively), marked
 * taken. `next` remembers where each name's search got to, so many files of one name stay linear.
 */
export function freeName(taken: Set<string>, next: Map<string, number>, folder: string, name: string): string {
  let dest = `${folder}/${name}`;
  const wanted = dest.toLowerCase();
  if (taken.has(wanted)) {
    const ext = path.posix.extname(name);
    let n = next.get(wanted) ?? 1;
    for (; taken.has((dest = `${folder}/${name.slice(0, name.length - ext.length)} (${n})${ext}`).toLowerCase()); n++);
    next.set(wanted, n + 1);
  }
  taken.add(dest.toLowerCase());
  return dest;
}

export const versionOf = (text: string) => crypto.createHash('sha256').update(text).digest('hex').slice(0, 32);
