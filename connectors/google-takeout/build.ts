// From the indexed parts to the stored catalogue, a group at a time. A library of a million media
// does not fit a worker's memory as objects (1.6 GB, most of it the parts' records), so the work
// that looks across parts writes rows under a grouping key and reads them back grouped, through an
// external sort (sorted-rows.ts): sidecars are paired among the names of a folder alike in their
// start (sidecars.ts: pairingKey), copies of one file are found among the entries alike in size and
// CRC-32, and files are named a month at a time. A process then holds a page of a part's entries,
// one such group, and a few values per part and per album.
// Each step gives what the rules over the whole library gave, as each rule looks within its group;
// the same parts, in the same order, give the same catalogue.
import path from 'node:path';
import { mediaTypeOf } from '../media.ts';
import type { CloudRow, CloudRows } from '../types.ts';
import {
  fileName,
  freeName,
  reviveSidecar,
  signature,
  sizeAndCrc,
  storedMedia,
  two,
  type CatalogueAlbum,
  type CatalogueMedia,
  type IndexedMedia,
  type IndexedSidecar,
  type PartRecord,
  type PartRef,
} from './catalogue.ts';
import { itemDate } from './metadata.ts';
import { editedOriginal, matchSidecars, pairingKey } from './sidecars.ts';
import type { Row, SortedRows } from './sorted-rows.ts';
import { albumJson } from './xmp.ts';
import { yielder } from './yield-point.ts';

/**
 * The indexed parts, in the order they were indexed: what reading each needs (from their heads),
 * their records, and their entries a page at a time (parts.ts); where the build sorts its rows
 * (withScratch), and the cloud's lists, where it writes the catalogue.
 */
export interface PartStore {
  refs: PartRef[];
  /** A part's record: its albums, and how many media and sidecars it holds. */
  load(i: number): Promise<PartRecord>;
  /** Its media, a page at a time, in archive order. */
  media(part: PartRecord): AsyncIterable<IndexedMedia[]>;
  sidecars(part: PartRecord): AsyncIterable<IndexedSidecar[]>;
  sorted: () => SortedRows;
  rows: CloudRows;
  /** Ends a build whose listing was cancelled. */
  signal?: AbortSignal;
}

/** What pairing learned of the parts, kept for the steps after it: a few values per part and per album. */
export interface Layout {
  /** Each part's first entry's ordinal: the library's media numbered from 1, part after part. */
  first: number[];
  /** The last ordinal. */
  total: number;
  /** Album folder (NFC) → its title and description, as the latest export says. */
  albums: Map<string, { title: string; description?: string }>;
  /** The media that have neither a sidecar's date nor their own read yet: part, and place in it. */
  undated: Array<{ p: number; j: number }>;
  /** Every entry under its size and CRC-32, with its sidecar, n its ordinal. */
  occurrences: SortedRows;
}

/** A medium's sidecar, as stored. */
type StoredMeta = IndexedSidecar['meta'];

/** Catalogue rows written at a time. */
const PAGE = 1000;

/** Rows added to a list of the cloud a page at a time. */
function writer(rows: CloudRows, list: string) {
  let batch: CloudRow[] = [];
  return {
    async push(row: CloudRow) {
      batch.push(row);
      if (batch.length >= PAGE) await this.flush();
    },
    async flush() {
      if (batch.length) await rows.add(list, batch);
      batch = [];
    },
  };
}

/** Sorted rows a group of equal keys at a time (a group is held whole: keep them small). */
async function* groups(store: PartStore, sorted: SortedRows): AsyncGenerator<Row[]> {
  let group: Row[] = [];
  for await (const row of sorted.read()) {
    if (group.length && row.key !== group[0].key) {
      store.signal?.throwIfAborted();
      yield group;
      group = [];
    }
    group.push(row);
  }
  if (group.length) yield group;
}

/** A path's folder as matchSidecars groups it (NFC, up to and with the last slash), and its name. */
function split(rel: string): [folder: string, name: string] {
  const nfc = rel.normalize('NFC');
  const slash = nfc.lastIndexOf('/');
  return [nfc.slice(0, slash + 1), nfc.slice(slash + 1)];
}

/** Where a name is paired: its folder, then its pairing key (sidecars.ts). */
function pairingPlace(rel: string): string {
  const [folder, name] = split(rel);
  return `${folder}\0${pairingKey(name)}`;
}

/**
 * Rows matched at once, at least: whole pairing keys are added until there are as many; and how many
 * sidecars whose title gives another key than their name are linked, at most: past it, their folders
 * are matched whole. (Tests make them small.)
 */
export const pairing = { rows: 4000, links: 100_000 };

/**
 * The pairing places that must be matched together: a sidecar's name gives one, and its title may
 * give another (a sidecar renamed, or crafted), which rule 5 finds it by. The places are linked as
 * the rows are written; read in order, the rows so far may be matched once the last place linked
 * to one of them has been read.
 */
function placeLinks() {
  const parent = new Map<string, string>();
  const root = (place: string): string => {
    let r = place;
    for (let up = parent.get(r); up !== undefined && up !== r; up = parent.get(r)) r = up;
    // Each place passed on the way now points at the root: a chain of crafted links is walked once.
    for (let p = place, up = parent.get(p); up !== undefined && up !== r; p = up, up = parent.get(p)) parent.set(p, r);
    return r;
  };
  const whole = new Set<string>();
  let links = 0;
  let last: Map<string, string> | undefined;
  return {
    link(folder: string, a: string, b: string) {
      if (a === b || whole.has(folder)) return;
      if (++links > pairing.links) {
        whole.add(folder);
        return;
      }
      const [ra, rb] = [root(a), root(b)];
      parent.set(ra, rb);
      parent.set(rb, rb);
    },
    /** The last place to read before the rows read up to `place` (in `folder`) can be matched alone. */
    until(folder: string, place: string): string {
      // After every place of the folder: a place is the folder, a NUL, then a key.
      if (whole.has(folder)) return `${folder}\u0001`;
      if (!parent.has(place)) return place;
      if (!last) {
        last = new Map();
        for (const p of parent.keys()) {
          const r = root(p);
          if (p > (last.get(r) ?? '')) last.set(r, p);
        }
      }
      return last.get(root(place))!;
    },
  };
}

/**
 * Pairs each medium with its sidecar, and lays the parts out. Matching runs per export over its own
 * sidecars and those of earlier exports (an edited copy whose original came before): a media
 * file's own export wins. A sidecar goes with media of its own folder and pairing key only (each of
 * matchSidecars' rules looks within one, a sidecar's title linking a second key), so a folder of
 * 60,000 photos is matched a few thousand names at a time, exports in order. Gives every entry with
 * its sidecar as the layout's `occurrences`.
 */
export async function pairSidecars(store: PartStore): Promise<Layout> {
  const y = yielder();
  const { refs } = store;
  const media: number[] = [];
  const partAlbums: Array<PartRecord['albums']> = [];
  const places = store.sorted();
  const links = placeLinks();
  // The parts export by export (sets in order), so a place's rows come export by export too.
  const sets = new Map<string, number[]>();
  refs.forEach((r, i) => {
    const same = sets.get(r.set);
    if (same) same.push(i);
    else sets.set(r.set, [i]);
  });
  let n = 0;
  for (const set of [...sets.keys()].sort((a, b) => a.localeCompare(b))) {
    for (const p of sets.get(set)!) {
      const part = await store.load(p);
      media[p] = part.pages.media;
      partAlbums[p] = part.albums;
      let j = 0;
      for await (const page of store.media(part))
        for (const m of page) {
          await y.tick();
          await places.push({ n: ++n, key: pairingPlace(m.rel), value: { s: set, p, j: j++, entry: m } });
        }
      for await (const page of store.sidecars(part))
        for (const s of page) {
          await y.tick();
          const place = pairingPlace(s.rel);
          if (s.meta.title) {
            const folder = split(s.rel)[0];
            links.link(folder, place, `${folder}\0${pairingKey(s.meta.title.normalize('NFC'))}`);
          }
          await places.push({ n: ++n, key: place, value: { s: set, rel: s.rel, meta: s.meta } });
        }
    }
  }
  const first: number[] = [];
  let total = 0;
  const albums = new Map<string, { title: string; description?: string }>();
  for (let p = 0; p < refs.length; p++) {
    first.push(total + 1);
    total += media[p];
    // Album titles in the order the parts were indexed: a later export's minimal album file (2025)
    // does not erase a description.
    for (const a of partAlbums[p]) {
      const dir = a.dir.normalize('NFC');
      albums.set(dir, { title: a.title, description: a.description ?? albums.get(dir)?.description });
    }
  }

  // A medium's row has its part, place and entry; a sidecar's its path and metadata.
  type Row = { s: string; rel?: string; p?: number; j?: number; entry?: IndexedMedia; meta?: StoredMeta };
  const undated: Layout['undated'] = [];
  const occurrences = store.sorted();
  /** Matches rows of whole places (and all places linked to them), export by export. */
  const match = async (rows: Array<{ n: number; value: unknown }>) => {
    rows.sort((a, b) => a.n - b.n);
    let own = new Map<string, StoredMeta>();
    let files: Array<Row & { rel: string }> = [];
    // The latest sidecar of each name in earlier exports.
    const earlier = new Map<string, StoredMeta>();
    const matchSet = async () => {
      const pool = new Map(own);
      for (const [rel, s] of earlier) if (!pool.has(rel)) pool.set(rel, s);
      if (files.length) {
        const found = await matchSidecars(
          files.map((f) => f.rel),
          [...pool].map(([rel, s]) => ({ path: rel, title: s.title || undefined })),
        );
        for (const f of files) {
          const [p, j, entry] = [f.p!, f.j!, f.entry!];
          const meta = pool.get(found.get(f.rel) ?? '');
          if (entry.exif === undefined && !meta?.takenAt) undated.push({ p, j });
          const value: Occurrence = { p, entry, meta };
          await occurrences.push({ n: first[p] + j, key: sizeAndCrc(entry), value });
        }
      }
      for (const [rel, s] of own) earlier.set(rel, s);
      own = new Map();
      files = [];
    };
    let set: string | undefined;
    for (const row of rows) {
      const r = row.value as Row;
      if (r.s !== set) await matchSet();
      set = r.s;
      if ('meta' in r) own.set(r.rel!, r.meta!);
      else files.push({ ...r, rel: r.entry!.rel });
    }
    await matchSet();
  };
  // Places are read in order; the rows read are matched once there are enough of them, and no place
  // read is linked to one still to come.
  let batch: Array<{ n: number; value: unknown }> = [];
  let place: string | undefined;
  let until = '';
  for await (const row of places.read()) {
    await y.tick();
    if (row.key !== place) {
      if (place !== undefined && batch.length >= pairing.rows && place >= until) {
        store.signal?.throwIfAborted();
        await match(batch);
        batch = [];
      }
      place = row.key;
      const r = row.value as Row;
      const last = links.until(split(r.rel ?? r.entry!.rel)[0], place);
      if (last > until) until = last;
    }
    batch.push(row);
  }
  await match(batch);
  await places.drop();
  return { first, total, albums, undated, occurrences };
}

/** An entry, with its sidecar, among those alike in size and CRC-32 (pairSidecars); n its ordinal. */
interface Occurrence {
  p: number;
  entry: IndexedMedia;
  meta?: StoredMeta;
}

/**
 * The occurrences again, with what was read into their entries since (dates, checksums: by
 * ordinal): the old ones are dropped.
 */
export async function patched(
  occurrences: SortedRows,
  changes: ReadonlyMap<number, Pick<IndexedMedia, 'exif' | 'sha256'>>,
  sorted: () => SortedRows,
): Promise<SortedRows> {
  const y = yielder();
  const out = sorted();
  for await (const row of occurrences.read()) {
    await y.tick();
    const o = row.value as Occurrence;
    const change = changes.get(row.n);
    await out.push(change ? { ...row, value: { ...o, entry: { ...o.entry, ...change } } } : row);
  }
  await occurrences.drop();
  return out;
}

/**
 * Which of a group of entries alike in size and CRC-32 hold the same file: their content keys. The
 * zip directory gives each entry's size and CRC-32 for free, so copies that agree on those and on
 * what they say they are (the year folder's photo and its album copies, the same photo in a later
 * export) are one file without reading them. Where they say they are different photos, their
 * SHA-256s decide: `unhashed` are the entries to read (one of each signature, in an archive still
 * there if any), and entries whose SHA-256s differ get keys of their own.
 */
function contentKeys(key: string, members: Occurrence[], refs: PartRef[]): { keys: string[]; unhashed: number[] } {
  if (members.length === 1) return { keys: [key], unhashed: [] };
  const sigs = members.map((m) => signature(m.entry, m.meta));
  const shas = new Set(members.flatMap((m) => (m.entry.sha256 ? [m.entry.sha256] : [])));
  if (shas.size <= 1 && new Set(sigs).size <= 1) return { keys: members.map(() => key), unhashed: [] };
  const shaOf = new Map<string, string>();
  const first = new Map<string, number>();
  const firstKept = new Map<string, number>();
  members.forEach((m, i) => {
    if (m.entry.sha256) shaOf.set(sigs[i], m.entry.sha256);
    if (!first.has(sigs[i])) first.set(sigs[i], i);
    if (!refs[m.p].deleted && !firstKept.has(sigs[i])) firstKept.set(sigs[i], i);
  });
  const unhashed = [...first.keys()].filter((s) => !shaOf.has(s)).map((s) => firstKept.get(s) ?? first.get(s)!);
  const distinct = new Set([...shas, ...shaOf.values()]);
  const keys = members.map((m, i) => {
    const sha = m.entry.sha256 ?? shaOf.get(sigs[i]);
    return distinct.size > 1 && sha ? `${key}-${sha.slice(0, 16)}` : key;
  });
  return { keys, unhashed };
}

/** Each entry in a group of size and CRC-32, with its ordinal and content key. */
async function* keyedGroups(
  store: PartStore,
  occurrences: SortedRows,
): AsyncGenerator<{ members: Array<Occurrence & { o: number; key: string }>; unhashed: number[] }> {
  for await (const group of groups(store, occurrences)) {
    const copies = group.map((r) => ({ ...(r.value as Occurrence), o: r.n }));
    const { keys, unhashed } = contentKeys(group[0].key, copies, store.refs);
    yield { members: copies.map((m, i) => ({ ...m, key: keys[i] })), unhashed };
  }
}

/** The entries whose SHA-256 must be read (see contentKeys): their part, and place in it. */
export async function unhashed(
  store: PartStore,
  layout: Layout,
  occurrences: SortedRows,
): Promise<Array<{ p: number; j: number }>> {
  const out: Array<{ p: number; j: number }> = [];
  for await (const { members, unhashed } of keyedGroups(store, occurrences))
    for (const i of unhashed) out.push({ p: members[i].p, j: members[i].o - layout.first[members[i].p] });
  return out;
}

/** A medium as the group of its copies gives it, before its name; sorted by month, n its first ordinal. */
interface Unnamed extends Omit<CatalogueMedia, 'path' | 'takenAt' | 'meta' | 'part'> {
  p: number;
  folder: string;
  takenAt: string;
  meta?: StoredMeta;
  /** Its album folders, each with the ordinal of its first copy there. */
  albums: Array<[string, number]>;
}

/**
 * Writes the catalogue of the parts, from their occurrences (pairSidecars, and patched), into
 * the list `list`: a row per medium (key `m:<content key>`), then a row per album (`a:<folder>`),
 * each medium named by its sidecar's title and filed by its taken time, as the parts' order has it.
 * `incomplete`: exports with a part that cannot be read; their media without a sidecar wait (the
 * sidecar, and so the date that files them, may be in that part). `keepAlbum` gets each album's file.
 * The occurrences are read for the last time here, and dropped.
 */
export async function buildCatalogue(
  store: PartStore,
  layout: Layout,
  occurrences: SortedRows,
  list: string,
  incomplete: ReadonlySet<string>,
  keepAlbum: (json: string) => Promise<void>,
): Promise<void> {
  const y = yielder();
  const { refs } = store;
  // Album folder → its first copy's ordinal: the albums' order.
  const albumFirst = new Map<string, number>();
  const months = store.sorted();
  for await (const { members } of keyedGroups(store, occurrences)) {
    const media = new Map<string, Unnamed & { o: number }>();
    for (const { p, entry, meta: stored, o, key } of members) {
      await y.tick();
      const meta = stored && reviveSidecar({ rel: '', meta: stored });
      if (!meta && incomplete.has(refs[p].set)) continue;
      const trashed = entry.kind === 'trash' || meta?.trashed === true;
      let m = media.get(key);
      if (!m) {
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
        m = {
          o,
          key,
          p,
          folder: `${when.date.getUTCFullYear()}/${two(when.date.getUTCMonth() + 1)}`,
          size: entry.size,
          mediaType: mediaTypeOf(title),
          takenAt: when.date.toISOString(),
          title,
          trashed,
          meta: stored,
          offsetMinutes: when.source === 'exif' ? exif?.offsetMinutes : undefined,
          entry,
          albums: [],
        };
        media.set(key, m);
      } else {
        // The same bytes again (an album's copy, a later export): one file; it is in the trash only
        // if every copy is, and a later export's metadata (an edited description) is the newer.
        m.trashed &&= trashed;
        if (stored && refs[p].set > refs[m.p].set) m.meta = stored;
        // Read from an archive that is still there.
        if (refs[m.p].deleted && !refs[p].deleted) Object.assign(m, { p, entry });
      }
      if (entry.kind === 'album') {
        const dir = entry.rel.slice(0, entry.rel.indexOf('/')).normalize('NFC');
        if (!m.albums.some(([d]) => d === dir)) m.albums.push([dir, o]);
        const seen = albumFirst.get(dir);
        if (seen === undefined || o < seen) albumFirst.set(dir, o);
      }
    }
    // Named in the order first seen: n is the first copy's ordinal.
    for (const { o, ...m } of media.values()) await months.push({ n: o, key: m.folder, value: m });
  }
  await occurrences.drop();

  // Names collide only within a folder, and a month is one: named a month at a time, each medium in
  // the order first seen, the names are those the whole library named at once would have.
  const out = writer(store.rows, list);
  const members = store.sorted();
  let month: string | undefined;
  let taken = new Set<string>();
  let nextSuffix = new Map<string, number>();
  for await (const row of months.read()) {
    await y.tick();
    if (row.key !== month) [month, taken, nextSuffix] = [row.key, new Set(), new Map()];
    const u = row.value as Unnamed;
    const m: CatalogueMedia = {
      key: u.key,
      path: freeName(taken, nextSuffix, u.folder, u.title),
      size: u.size,
      mediaType: u.mediaType,
      takenAt: new Date(u.takenAt),
      title: u.title,
      trashed: u.trashed,
      meta: u.meta && reviveSidecar({ rel: '', meta: u.meta }),
      offsetMinutes: u.offsetMinutes,
      part: refs[u.p],
      entry: u.entry,
    };
    await out.push({ n: row.n, key: `m:${m.key}`, value: storedMedia(m, u.p) });
    if (!m.trashed) for (const [dir, o] of u.albums) await members.push({ n: o, key: dir, value: m.path });
  }
  await months.drop();

  // Album files in the order their albums were first seen, each listing its media in the order
  // first seen there.
  const order = [...albumFirst].sort((a, b) => a[1] - b[1]).map(([dir]) => dir);
  const files = new Set<string>();
  const nextAlbumSuffix = new Map<string, number>();
  const names = new Map(order.map((dir) => [dir, freeName(files, nextAlbumSuffix, 'Albums', albumName(layout, dir))]));
  const place = new Map(order.map((dir, i) => [dir, layout.total + 1 + i]));
  const writeAlbum = async (dir: string, paths: string[]) => {
    const { title, description } = layout.albums.get(dir) ?? { title: dir };
    const album: CatalogueAlbum = { dir, title, path: names.get(dir)!, json: albumJson(title, description, paths) };
    await keepAlbum(album.json);
    await out.push({ n: place.get(dir)!, key: `a:${dir}`, value: album });
    names.delete(dir);
  };
  for await (const group of groups(store, members))
    await writeAlbum(
      group[0].key,
      group.map((r) => r.value as string),
    );
  // Albums whose media are all in the trash.
  for (const dir of [...names.keys()]) await writeAlbum(dir, []);
  await out.flush();
}

const albumName = (layout: Layout, dir: string) => `${fileName(layout.albums.get(dir)?.title ?? dir)}.json`;
