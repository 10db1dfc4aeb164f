// From the indexed parts of every export seen so far to what the backup holds: each distinct media
// file once, named by its sidecar's title and filed by its taken time, an XMP beside it, and each
// album as one JSON file. Pure and deterministic: the same parts, in the same order, give the same
// paths, so the run that plans and the jobs that copy agree without storing the result. Every loop
// is linear in the entries (maps keyed by what they look up) and lets the event loop run now and
// then: a library, or a crafted part, may hold hundreds of thousands of entries.
import crypto from 'node:crypto';
import path from 'node:path';
import { mediaTypeOf } from '../media.ts';
import type { MediaType } from '../types.ts';
import { itemDate, type FolderKind, type Geo, type SidecarMetadata } from './metadata.ts';
import { editedOriginal, matchSidecars } from './sidecars.ts';
import { albumJson, xmpSidecar } from './xmp.ts';
import { yielder } from './yield-point.ts';

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

/** One indexed archive part (stored as state `part:<set>:<NNN>`). */
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
  media: IndexedMedia[];
  sidecars: IndexedSidecar[];
  albums: Array<{ dir: string; title: string; description?: string }>;
  /** Deleted from the storage cloud after it was ingested (cloud option deleteArchives). */
  deleted?: boolean;
  /** Files of other Google products in the part (an "export once" of the whole account): never deleted then. */
  otherEntries?: number;
}

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

export interface Catalogue {
  media: CatalogueMedia[];
  byKey: Map<string, CatalogueMedia>;
  albums: CatalogueAlbum[];
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

const sizeAndCrc = (e: EntryRef) => `${e.size}-${(e.crc32 >>> 0).toString(16).padStart(8, '0')}`;

/** A title as a file name: no folders, no control characters, NFC. */
function fileName(title: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = title
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f/\\]/g, '_')
    .trim();
  return clean === '' || clean === '.' || clean === '..' ? '_' : clean;
}

const two = (n: number) => String(n).padStart(2, '0');

function reviveSidecar(s: IndexedSidecar): SidecarMetadata {
  const { takenAt, ...rest } = s.meta;
  return { ...rest, ...(takenAt ? { takenAt: new Date(takenAt) } : {}) };
}

type Located = { part: PartRecord; entry: IndexedMedia };

/** What a medium says it is: its sidecar's title and time, or else its own name. */
function signature(entry: IndexedMedia, meta: SidecarMetadata | undefined): string {
  return meta?.title
    ? `${meta.title.normalize('NFC')}@${meta.takenAt?.toISOString() ?? ''}`
    : path.posix.basename(entry.rel).normalize('NFC');
}

/**
 * Which entries hold the same file. The zip directory gives each entry's size and CRC-32 for free,
 * so copies that agree on those and on what they say they are (the year folder's photo and its
 * album copies, the same photo in a later export) are one file without reading them. Where size and
 * CRC-32 agree but the entries say they are different photos, their SHA-256s decide: the caller
 * reads them (`unhashed`), and entries whose SHA-256s differ get keys of their own.
 */
export async function contentKeys(
  parts: PartRecord[],
  sidecars?: SidecarPairs,
): Promise<{ keys: Map<IndexedMedia, string>; unhashed: Located[] }> {
  sidecars ??= await pairSidecars(parts);
  const y = yielder();
  const keys = new Map<IndexedMedia, string>();
  // Most entries are alone in their size and CRC-32 and keep it as their key: only those that share
  // it are gathered, with what they say they are (a library's worth of those would fill memory).
  const firstOf = new Map<string, Located>();
  const groups = new Map<string, Array<Located & { sig: string }>>();
  const member = (m: Located) => ({ ...m, sig: signature(m.entry, sidecars.get(m.part)?.get(m.entry.rel)) });
  for (const part of parts) {
    for (const entry of part.media) {
      await y.tick();
      const k = sizeAndCrc(entry);
      keys.set(entry, k);
      const first = firstOf.get(k);
      if (!first) firstOf.set(k, { part, entry });
      else {
        const group = groups.get(k);
        if (group) group.push(member({ part, entry }));
        else groups.set(k, [member(first), member({ part, entry })]);
      }
    }
  }
  firstOf.clear();
  const unhashed: Located[] = [];
  for (const [k, members] of groups) {
    await y.tick();
    const shas = new Set(members.flatMap((m) => (m.entry.sha256 ? [m.entry.sha256] : [])));
    const sigs = new Set(members.map((m) => m.sig));
    if (shas.size <= 1 && sigs.size <= 1) continue; // one file: the key they have
    // One entry of each signature must have its SHA-256; the others of that signature share it.
    // The one to read is the first of its signature in an archive still there, else the first.
    const shaOf = new Map<string, string>();
    const first = new Map<string, Located>();
    const firstKept = new Map<string, Located>();
    for (const m of members) {
      if (m.entry.sha256) shaOf.set(m.sig, m.entry.sha256);
      if (!first.has(m.sig)) first.set(m.sig, m);
      if (!m.part.deleted && !firstKept.has(m.sig)) firstKept.set(m.sig, m);
    }
    for (const sig of sigs) {
      if (!shaOf.has(sig)) {
        const m = firstKept.get(sig) ?? first.get(sig)!;
        unhashed.push({ part: m.part, entry: m.entry });
      }
    }
    const distinct = new Set([...shas, ...shaOf.values()]);
    for (const m of members) {
      await y.tick();
      const sha = m.entry.sha256 ?? shaOf.get(m.sig);
      keys.set(m.entry, distinct.size > 1 && sha ? `${k}-${sha.slice(0, 16)}` : k);
    }
  }
  return { keys, unhashed };
}

/**
 * Media that still lack a date: no sidecar and no probe of their own date yet. The caller reads
 * their heads and stores what it found in `entry.exif` (null: nothing) before building the catalogue.
 */
export async function needingDates(parts: PartRecord[], sidecars?: SidecarPairs): Promise<Located[]> {
  sidecars ??= await pairSidecars(parts);
  const y = yielder();
  const out: Located[] = [];
  for (const part of parts) {
    for (const entry of part.media) {
      await y.tick();
      if (entry.exif === undefined && !sidecars.get(part)?.get(entry.rel)?.takenAt) out.push({ part, entry });
    }
  }
  return out;
}

/** A path's folder as matchSidecars groups it: NFC, up to and with the last slash. */
function folderOf(rel: string): string {
  const nfc = rel.normalize('NFC');
  return nfc.slice(0, nfc.lastIndexOf('/') + 1);
}

/** Each part's media → sidecar metadata (see pairSidecars). */
export type SidecarPairs = Map<PartRecord, Map<string, SidecarMetadata>>;

/**
 * Each part's media → sidecar metadata. Matching runs per export over its own sidecars and those of
 * earlier exports (an edited copy whose original came before): a media file's own export wins.
 * It depends on the parts' names and sidecars alone, not on the dates and checksums read later: the
 * caller that reads those, then builds the catalogue, pairs once and passes the pairs on.
 */
export async function pairSidecars(parts: PartRecord[]): Promise<SidecarPairs> {
  const y = yielder();
  const bySet = new Map<string, PartRecord[]>();
  for (const p of parts) {
    const list = bySet.get(p.set);
    if (list) list.push(p);
    else bySet.set(p.set, [p]);
  }
  const earlier = new Map<string, IndexedSidecar>();
  const out = new Map<PartRecord, Map<string, SidecarMetadata>>();
  for (const setParts of [...bySet.values()].sort((a, b) => a[0].set.localeCompare(b[0].set))) {
    const own = new Map<string, IndexedSidecar>();
    for (const p of setParts) for (const s of p.sidecars) own.set(s.rel, s);
    const pool = new Map(own);
    for (const [rel, s] of earlier) if (!pool.has(rel)) pool.set(rel, s);
    // A sidecar goes with media of its own folder only (each of matchSidecars' rules looks within
    // one), so each folder is matched alone: what matching holds at once is a folder's worth, not
    // the whole export's (that was most of a large library's peak memory).
    const folders = new Map<string, { media: string[]; sidecars: IndexedSidecar[] }>();
    const folder = (rel: string) => {
      const key = folderOf(rel);
      let f = folders.get(key);
      if (!f) folders.set(key, (f = { media: [], sidecars: [] }));
      return f;
    };
    for (const p of setParts) for (const m of p.media) folder(m.rel).media.push(m.rel);
    for (const s of pool.values()) folder(s.rel).sidecars.push(s);
    const matched = new Map<string, string>();
    for (const f of folders.values()) {
      if (!f.media.length) continue;
      const found = await matchSidecars(
        f.media,
        f.sidecars.map((s) => ({ path: s.rel, title: s.meta.title || undefined })),
      );
      for (const [m, s] of found) matched.set(m, s);
    }
    folders.clear();
    for (const p of setParts) {
      const metas = new Map<string, SidecarMetadata>();
      for (const m of p.media) {
        await y.tick();
        const sidecar = matched.get(m.rel);
        if (sidecar) metas.set(m.rel, reviveSidecar(pool.get(sidecar)!));
      }
      out.set(p, metas);
    }
    for (const [rel, s] of own) earlier.set(rel, s);
  }
  return out;
}

/**
 * The backup's contents from the parts indexed so far, in the order they were indexed.
 * `incomplete`: exports with a part that cannot be read; their media without a sidecar wait (the
 * sidecar, and so the date that files them, may be in that part).
 */
export async function buildCatalogue(
  parts: PartRecord[],
  incomplete: ReadonlySet<string> = new Set(),
  sidecars?: SidecarPairs,
): Promise<Catalogue> {
  sidecars ??= await pairSidecars(parts);
  const { keys } = await contentKeys(parts, sidecars);
  const y = yielder();
  const byKey = new Map<string, CatalogueMedia>();
  const taken = new Set<string>(); // destination paths (lower case)
  // Per wanted path, the number its next " (n)" try starts from: all below it were taken, and
  // stay so, so trying from 1 again would find the same free name after a scan per file.
  const nextSuffix = new Map<string, number>();
  const albumTitles = new Map<string, { title: string; description?: string }>(); // album folder → its metadata
  for (const p of parts) {
    for (const a of p.albums) {
      // A later export's album file may be the minimal 2025 form: it does not erase a description.
      const dir = a.dir.normalize('NFC');
      albumTitles.set(dir, { title: a.title, description: a.description ?? albumTitles.get(dir)?.description });
    }
  }
  const albums = new Map<string, Set<string>>(); // album folder → members' keys, in order

  for (const part of parts) {
    for (const entry of part.media) {
      await y.tick();
      const key = keys.get(entry)!;
      const meta = sidecars.get(part)?.get(entry.rel);
      if (!meta && incomplete.has(part.set)) continue;
      const trashed = entry.kind === 'trash' || meta?.trashed === true;
      let media = byKey.get(key);
      if (!media) {
        const base = path.posix.basename(entry.rel).normalize('NFC');
        // An edited copy shares its original's sidecar, whose title names the original. An item
        // uploaded without an extension keeps the one the archive gave it, so viewers know its type.
        let title = fileName(editedOriginal(base) || !meta?.title ? base : meta.title);
        const archiveExt = path.posix.extname(base);
        if (!path.posix.extname(title) && archiveExt) title += archiveExt;
        const exif = entry.exif
          ? { date: new Date(entry.exif.date), offsetMinutes: entry.exif.offsetMinutes }
          : undefined;
        const when = itemDate(meta, exif?.date, new Date(entry.modifiedAt));
        const folder = `${when.date.getUTCFullYear()}/${two(when.date.getUTCMonth() + 1)}`;
        const dest = freeName(taken, nextSuffix, folder, title);
        const offsetMinutes = when.source === 'exif' ? exif?.offsetMinutes : undefined;
        media = {
          key,
          path: dest,
          size: entry.size,
          mediaType: mediaTypeOf(title),
          takenAt: when.date,
          title,
          trashed,
          meta,
          offsetMinutes,
          part,
          entry,
        };
        byKey.set(key, media);
      } else {
        // The same bytes again (an album's copy, a later export): one file; it is in the trash only
        // if every copy is, and a later export's metadata (an edited description) is the newer.
        media.trashed &&= trashed;
        if (meta && part.set > media.part.set) media.meta = meta;
        // Read from an archive that is still there.
        if (media.part.deleted && !part.deleted) Object.assign(media, { part, entry });
      }
      if (entry.kind === 'album') {
        const dir = entry.rel.slice(0, entry.rel.indexOf('/')).normalize('NFC');
        const album = albums.get(dir) ?? new Set<string>();
        album.add(key);
        albums.set(dir, album);
      }
    }
  }

  const albumFiles = new Set<string>();
  const nextAlbumSuffix = new Map<string, number>();
  const catalogueAlbums: CatalogueAlbum[] = [];
  for (const [dir, members] of albums) {
    await y.tick();
    const { title, description } = albumTitles.get(dir) ?? { title: dir };
    const items = [...members].map((k) => byKey.get(k)!).filter((m) => !m.trashed);
    const file = freeName(albumFiles, nextAlbumSuffix, 'Albums', `${fileName(title)}.json`);
    catalogueAlbums.push({
      dir,
      title,
      path: file,
      json: albumJson(
        title,
        description,
        items.map((m) => m.path),
      ),
    });
  }
  return { media: [...byKey.values()], byKey, albums: catalogueAlbums };
}

/**
 * `folder/name`, or `folder/name (n).ext` with the first n that is free (case-insensitively), marked
 * taken. `next` remembers where each name's search got to, so many files of one name stay linear.
 */
function freeName(taken: Set<string>, next: Map<string, number>, folder: string, name: string): string {
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
