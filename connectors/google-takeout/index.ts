// Google Photos through Google Takeout: a source that reads the scheduled exports Google delivers
// into a folder of another of the user's clouds (Drive, Dropbox, OneDrive, S3, a local folder), the
// way rclone's wrapping backends sit on another backend. Each ready export set is indexed once
// (zip directories and JSON files only; .tgz parts are read once), and every run lists the backup
// the indexed parts make up: each distinct medium once, its XMP beside it, and the album files.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { cloudPath, segmentsOf } from '../lib/paths.ts';
import { photoIdentity } from '../media.ts';
import {
  CloudError,
  defineAction,
  defineConnector,
  type CloudConfig,
  type CloudHandle,
  type CloudNotice,
  type CloudState,
  type ConnectorEnv,
  type Features,
  type Source,
  type SourceItem,
} from '../types.ts';
import { buildCatalogue, pairSidecars, patched, unhashed, type Layout, type PartStore } from './build.ts';
import {
  partRef,
  revivedMedia,
  versionOf,
  xmpOf,
  xmpStamp,
  type CatalogueAlbum,
  type CatalogueMedia,
  type IndexedMedia,
  type InlinePart,
  type PartRecord,
  type PartRef,
} from './catalogue.ts';
import { exportSets, exportStatus, schedule, type ExportSet, type ExportStatus } from './export-sets.ts';
import { hashEntry, indexPart, limits, probeDate } from './index-part.ts';
import {
  changedMeanwhile,
  headOf,
  loadHeads,
  PART_KEY,
  paged,
  pagesIn,
  pageWriter,
  paging,
  readPage,
  savePart,
  writePage,
  type PartHead,
} from './parts.ts';
import { openZipEntry, skip, streamPart } from './read.ts';
import { exportLate, scheduleEnding, SETUP_URL } from './messages.ts';
import { withScratch } from './sorted-rows.ts';
import { readTarGz, type TarEntry } from './tar.ts';
import { ArchiveError } from './zip.ts';

const options = z.strictObject({
  cloudId: z
    .uuid()
    .describe(
      'The connected cloud Google Takeout delivers the exports to ' +
        '(Google Drive, Dropbox, OneDrive, S3 or a local folder)',
    ),
  path: cloudPath
    .default('')
    .describe("The folder there that receives the exports ('' for the root; Drive: usually Takeout)"),
  settleMinutes: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(60)
    .describe('An export is ingested once no new part has arrived for this long'),
  deleteArchives: z
    .boolean()
    .default(false)
    .describe(
      'Delete the archives from that cloud once everything in them is backed up (they count against the storage there)',
    ),
});
type Options = z.infer<typeof options>;

const SETUP_STEPS = (folder: string) => [
  `Open ${SETUP_URL} (Google Photos only is selected; keep "All photo albums included").`,
  'Under Frequency choose "Export every 2 months for 1 year".',
  `Under Destination choose the cloud this source reads (Add to Drive, Dropbox or OneDrive); ` +
    `Ferry looks in ${folder || 'its root folder'}.`,
  'Choose file type .zip and size 50 GB, then create the export. ' +
    'Ferry takes each export up by itself once all its parts have arrived.',
];

const EMPTY_SHA256 = crypto.createHash('sha256').digest('hex');

/** A part that cannot be read (damaged, truncated, encrypted…), until the file is replaced. */
interface BrokenPart {
  path: string;
  set: string;
  sourceId: string;
  version: string;
  message: string;
}

interface StoredSets {
  sets: Array<{ id: string; createdAt: string }>;
  /** When a run last looked at the delivery folder. */
  checkedAt?: string;
}

/** An export is called late only when the folder was looked at this recently (a task runs the source). */
const LOOKED_WITHIN_MS = 3 * 86_400_000;

/** A token that changes whenever the indexed parts do: the catalogue is built again for a new one. */
async function revision(state: CloudState): Promise<string> {
  return (await state.putIfAbsent('revision', crypto.randomUUID())) as string;
}
/** Gives the index a new revision, and says which. */
async function bumpRevision(state: CloudState): Promise<string> {
  const next = crypto.randomUUID();
  await state.set('revision', next);
  return next;
}

/**
 * The catalogue the listings and copy jobs read (state `catalogue`): the name of its row list
 * (state.rows), a row per medium in the backup's order, then a row per album. It is built once for
 * each revision of the index (and set of exports with a damaged part) and kept in PostgreSQL, so a
 * plan reads it a page at a time and a copy job reads the one row of its item: no process holds a
 * library's catalogue but the one building it. The list before it is kept too, for a listing that
 * began before it.
 */
interface StoredCatalogue {
  list: string;
  /** The parts its media are read from (a row names its medium's by its place here). */
  parts: PartRef[];
  previous?: string;
}
/** Rows written, and read, at a time. */
const CATALOGUE_PAGE = 1000;
const MEDIA_ROW = 'm:';
const ALBUM_ROW = 'a:';

/** A medium's files, the medium and its XMP (made, measured and dropped: a library's worth would fill memory). */
function* mediaItems(m: CatalogueMedia): Generator<SourceItem> {
  const modifiedAt = m.takenAt.toISOString();
  // The item's own name (an edited copy is not the photo it was made from).
  const identity = m.meta?.takenAt ? photoIdentity(m.title, m.meta.takenAt) : undefined;
  yield {
    id: `m:${m.key}`,
    path: m.path,
    size: m.size,
    modifiedAt,
    mediaType: m.mediaType,
    version: m.key,
    trashed: m.trashed,
    identity,
    // A .tgz part is read front to back, one entry after the other.
    ...(m.part.format === 'tgz' ? { sequential: true } : {}),
  };
  // A row stored by an older Ferry has no stamp: its XMP is made here.
  const xmp = m.xmp ?? xmpStamp(m);
  yield {
    id: `x:${m.key}`,
    path: `${m.path}.xmp`,
    size: xmp.size,
    modifiedAt,
    mediaType: 'other',
    version: xmp.version,
    trashed: m.trashed,
  };
}

/** The catalogue builds of one process, by cloud: one at a time (see storedCatalogue). */
const building = new Map<string, Promise<unknown>>();

/** Runs `fn` after the builds of `key` this process started before it. */
function afterOthers<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const next = (building.get(key) ?? Promise.resolve()).catch(() => {}).then(fn);
  building.set(key, next);
  void next
    .finally(() => {
      if (building.get(key) === next) building.delete(key);
    })
    .catch(() => {});
  return next;
}

const albumItem = (a: CatalogueAlbum): SourceItem => ({
  id: `a:${a.dir}`,
  path: a.path,
  size: Buffer.byteLength(a.json),
  mediaType: 'other',
  version: versionOf(a.json),
});

export default defineConnector({
  kind: 'google-takeout',
  title: 'Google Photos via Takeout exports',
  titles: {
    en: 'Google Photos (Takeout exports)',
    de: 'Google Fotos (Takeout-Exporte)',
    fr: 'Google Photos (exports Takeout)',
  },
  auth: 'credentials',
  source: true,
  destination: false,
  options,
  wraps: { kinds: ['google-drive', 'dropbox', 'onedrive', 's3', 'local'], cloudId: (o: Options) => o.cloudId },
  keepsState: true,
  unavailable: () => null,
  async prepare(o) {
    return {
      ...o,
      path: o.path
        .split('/')
        .filter((s) => s && s !== '.')
        .join('/'),
    };
  },

  async notices(state, now, names): Promise<CloudNotice[]> {
    const stored = (await state.get('sets')) as StoredSets | undefined;
    if (!stored?.sets.length) return [];
    const s = schedule(
      stored.sets.map((x) => ({ createdAt: new Date(x.createdAt) })),
      now.getTime(),
    );
    const out: CloudNotice[] = [];
    const last = stored.sets.at(-1)!.id;
    const looked = stored.checkedAt !== undefined && now.getTime() - Date.parse(stored.checkedAt) < LOOKED_WITHIN_MS;
    // The exports go to the cloud this one reads: the advice names it.
    const words = { cloud: names.cloud, delivery: names.wrapped };
    if (s.late && looked && s.nextExpected) out.push(exportLate(`late:${last}`, s.nextExpected, words));
    if (s.endsSoon && s.scheduleEnds)
      out.push(scheduleEnding(`ends:${s.scheduleEnds.toISOString().slice(0, 10)}`, s.scheduleEnds, words));
    return out;
  },

  actions: [
    defineAction<Options, undefined, undefined, typeof exportStatus>({
      method: 'GET',
      path: 'takeout',
      summary:
        'Google Photos via Takeout: the export sets in the delivery folder, ' +
        'their parts and state, when the next is due, and how to set up the export',
      response: exportStatus,
      run: ({ cloud, env, signal }) => takeout(cloud, env).exportStatus(signal),
    }),
  ],

  open: (cloud, env) => takeout(cloud, env).handle,
});

/** A Takeout source over its delivery folder: the handle open() gives, and the export status the API shows. */
function takeout(cloud: CloudConfig<Options>, env: ConnectorEnv) {
  const o = cloud.options;
  if (!cloud.wrapped?.source || !cloud.state)
    throw new CloudError('invalid_options', 'A Takeout source needs the cloud it reads the exports from.');
  const wrapped = cloud.wrapped;
  const storage: Source = cloud.wrapped.source;
  const state: CloudState = cloud.state;
  const settleMs = o.settleMinutes * 60_000;
  // A run lists the newest export set, not every file ever exported: nothing missing from it was deleted.
  const features: Features = { partialListing: true };

  /** The Takeout parts in the delivery folder, grouped into export sets, with the storage items behind them. */
  async function scan(signal?: AbortSignal) {
    const files = new Map<string, SourceItem>();
    try {
      for await (const item of storage.list(o.path, signal))
        if (/(^|\/)takeout-[^/]*\.(zip|tgz)$/i.test(item.path)) files.set(item.path, item);
    } catch (err) {
      if (err instanceof CloudError && err.reason === 'not_found') {
        throw new CloudError(
          'not_found',
          `The folder ${o.path || '/'} that should receive the Takeout exports does not exist: ` +
            `check the export's destination, or this source's path.`,
        );
      }
      throw err;
    }
    const sets = exportSets(
      [...files.values()].map((f) => ({ path: f.path, size: f.size, modifiedAt: f.modifiedAt })),
      { settleMs },
    );
    return { sets, files };
  }

  /** The name of the catalogue's row list for a revision of the index and the exports left incomplete. */
  const listFor = (rev: string, incomplete: Set<string>) =>
    `catalogue:${versionOf(JSON.stringify([rev, [...incomplete].sort()])).slice(0, 16)}`;

  /**
   * The catalogue of the index as it is now, built and stored first if it is not yet. `settle`: the
   * media's dates and checksums are read first where the index lacks them (a listing does; a copy
   * job only builds what its run listed). `incomplete`: exports with a part that cannot be read
   * (see buildCatalogue). Builds of one cloud's catalogue run one at a time, in this process and
   * across processes (env.shared): a build saves the parts it read dates and checksums into, and
   * drops the lists before the last, and must not do so under another build, nor put an older
   * catalogue over a newer.
   */
  async function storedCatalogue(settle: boolean, incomplete: Set<string>, signal?: AbortSignal) {
    // The token first: parts read after it are at least as new as it says.
    const rev = await revision(state);
    const current = (await state.get('catalogue')) as StoredCatalogue | undefined;
    const settled = !settle || (await state.get('settled')) === rev;
    if (settled && current?.list === listFor(rev, incomplete)) return current;
    const key = `google-takeout:catalogue:${o.cloudId}:${o.path}`;
    const build = () => buildStored(settle, incomplete, signal);
    return afterOthers(key, () => (env.shared ? env.shared.exclusive(key, build, signal) : build()));
  }

  /** storedCatalogue's work, one build at a time. */
  async function buildStored(settle: boolean, incomplete: Set<string>, signal?: AbortSignal) {
    // The newest revision, which a build this one waited for may have stored already.
    let rev = await revision(state);
    const before = (await state.get('catalogue')) as StoredCatalogue | undefined;
    const needsSettling = settle && (await state.get('settled')) !== rev;
    if (!needsSettling && before?.list === listFor(rev, incomplete)) return before;
    const heads = await loadHeads(state);
    return withScratch(async (sorted) => {
      const store: PartStore = {
        refs: heads.map(partRef),
        load: (i) => loadPart(heads[i]),
        media: (part) => pagesIn(state, part, 'm'),
        sidecars: (part) => pagesIn(state, part, 's'),
        sorted,
        rows: state.rows,
        signal,
      };
      const layout = await pairSidecars(store);
      let occurrences = layout.occurrences;
      if (needsSettling) {
        const settled = await settleIndex(store, layout, rev, signal);
        if (settled.changes.size) occurrences = await patched(occurrences, settled.changes, sorted);
        rev = settled.revision;
      }
      const list = listFor(rev, incomplete);
      if (before?.list === list) return before;
      // A build stopped halfway (a crash) may have left some of the list: the list is written anew.
      await state.rows.dropAllBut([before?.list, before?.previous].filter((l) => l !== undefined));
      await buildCatalogue(store, layout, occurrences, list, incomplete, async (json) => {
        // Album files change as exports arrive; each version listed is kept, so a copy job of this
        // run serves the very file this listing described even if another run indexed more since.
        await state.putIfAbsent(`album:${versionOf(json)}`, json);
      });
      // Only once it is whole does the catalogue become the one read.
      const stored: StoredCatalogue = { list, parts: store.refs.map(partRef), previous: before?.list };
      await state.set('catalogue', stored);
      await state.rows.dropAllBut(stored.previous ? [list, stored.previous] : [list]);
      return stored;
    });
  }

  /**
   * The record of the part `head` describes; one an older Ferry stored with its entries inside is
   * moved to pages first. A part indexed again meanwhile (its file replaced) ends the build: the next
   * listing builds with it.
   */
  async function loadPart(head: PartHead): Promise<PartRecord> {
    const part = (await state.get(PART_KEY(head.set, head.number))) as PartRecord | InlinePart | undefined;
    if (part?.sourceId !== head.sourceId || part.version !== head.version) throw changedMeanwhile(head.path);
    return 'pages' in part ? part : paged(state, part);
  }

  /**
   * Reads what the index lacks for revision `rev`: the dates of media without a sidecar date (from
   * their own bytes: EXIF), then the SHA-256s of entries alike in size and CRC-32 that say they are
   * different photos. Saves the parts it changed; says what it read (by the entries' ordinals) and
   * the revision that makes (`rev` if nothing). A read that fails for a passing reason is tried
   * again by the next listing, not taken for "none".
   */
  async function settleIndex(store: PartStore, layout: Layout, rev: string, signal?: AbortSignal) {
    let unsettled = false;
    const changes = new Map<number, Pick<IndexedMedia, 'exif' | 'sha256'>>();
    /**
     * What `read` finds for each entry `at` (undefined: it failed; null: nothing to read), into the
     * entry, a page of a part at a time (each read once, and saved if something was found).
     */
    const readInto = async (
      at: Array<{ p: number; j: number }>,
      read: (
        part: PartRecord,
        entry: IndexedMedia,
      ) => Promise<Pick<IndexedMedia, 'exif' | 'sha256'> | null | undefined>,
    ) => {
      at.sort((a, b) => a.p - b.p || a.j - b.j);
      const pageOf = (k: number) => Math.floor(at[k].j / paging.entries);
      for (let k = 0; k < at.length; ) {
        const p = at[k].p;
        const part = await store.load(p);
        while (k < at.length && at[k].p === p) {
          const pg = pageOf(k);
          const page = await readPage(state, part, 'm', pg);
          let found = false;
          for (; k < at.length && at[k].p === p && pageOf(k) === pg; k++) {
            const entry = page[at[k].j - pg * paging.entries];
            const change = await read(part, entry);
            signal?.throwIfAborted();
            if (change === undefined) unsettled = true;
            else if (change) {
              const o = layout.first[p] + at[k].j;
              Object.assign(entry, change);
              changes.set(o, { ...changes.get(o), ...change });
              found = true;
            }
          }
          if (found) await writePage(state, part, 'm', pg, page);
        }
      }
    };
    await readInto(layout.undated, async (part, entry) => {
      // An empty entry has no date of its own: nothing to read.
      const readable = part.format === 'zip' && !part.deleted && entry.size > 0;
      const exif = readable
        ? await probeDate(storage, part, entry, signal).catch((err) => (err instanceof ArchiveError ? null : undefined))
        : null;
      return exif === undefined ? undefined : { exif };
    });
    await readInto(await unhashed(store, layout, layout.occurrences), async (part, entry) => {
      // An archive deleted since, or a .tgz (read whole when indexed): nothing to read here.
      if (part.format !== 'zip' || part.deleted) return null;
      // A damaged entry stays as its size and CRC-32 say; its copy fails on its own, with the
      // reason. (An empty one's is known without reading it.)
      const sha256 =
        entry.size === 0
          ? EMPTY_SHA256
          : await hashEntry(storage, part, entry, signal).catch((err) => {
              if (signal?.aborted) throw err;
              return undefined;
            });
      return sha256 ? { sha256 } : undefined;
    });
    const revision = changes.size ? await bumpRevision(state) : rev;
    if (!unsettled) await state.set('settled', revision);
    return { revision, changes };
  }

  /** A row of the catalogue now read, by its key, and that catalogue's parts. */
  async function catalogueRow(
    key: string,
    signal?: AbortSignal,
  ): Promise<{ value: unknown; parts: PartRef[] } | undefined> {
    // An index an older Ferry wrote has no stored catalogue (a run it planned, copied by this one): built once.
    const current =
      ((await state.get('catalogue')) as StoredCatalogue | undefined) ??
      (await storedCatalogue(false, new Set(), signal));
    const value = await state.rows.get(current.list, key);
    return value === undefined ? undefined : { value, parts: current.parts };
  }

  /** Indexes the parts of ready sets not indexed yet; records the sets seen (for the lifecycle mails). */
  async function ingest(signal?: AbortSignal): Promise<{ sets: ExportSet[]; broken: BrokenPart[] }> {
    const { sets, files } = await scan(signal);
    const indexed = new Map((await loadHeads(state)).map((p) => [p.path, p]));
    // Sets seen before (whose archives may have been deleted since) stay in the history.
    const seen = ((await state.get('sets')) as StoredSets | undefined)?.sets ?? [];
    const history = new Map(seen.map((x) => [x.id, x]));
    for (const x of sets) history.set(x.id, { id: x.id, createdAt: x.createdAt.toISOString() });
    const stored: StoredSets = {
      sets: [...history.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
      checkedAt: new Date().toISOString(),
    };
    await state.set('sets', stored);
    const broken: BrokenPart[] = [];
    for (const set of sets) {
      if (!set.ready) continue;
      for (const part of set.parts) {
        const file = files.get(part.path)!;
        const known = indexed.get(part.path);
        // Indexed already, unless the file was replaced since (a part downloaded again).
        if (known && known.sourceId === file.id && known.version === file.version) continue;
        const failed = (await state.get(`broken:${part.path}`)) as BrokenPart | undefined;
        if (!known && failed && failed.sourceId === file.id && failed.version === file.version) {
          broken.push(failed);
          continue;
        }
        // Each export holds at most limits.entriesPerExport entries across its parts (see there):
        // what its other parts indexed, deleted since or not, counts.
        let others = 0;
        for (const p of indexed.values()) if (p.set === set.id && p.path !== part.path) others += p.entries;
        const toIndex = {
          sourceId: file.id,
          size: file.size ?? 0,
          set: set.id,
          number: part.number,
          format: part.format,
          path: part.path,
          version: file.version,
        };
        const pages = pageWriter(state, toIndex);
        let record: PartRecord;
        try {
          record = await indexPart(storage, toIndex, pages, signal, Math.max(0, limits.entriesPerExport - others));
        } catch (err) {
          await pages.discard().catch(() => {}); // or left to the part's next indexing
          // A damaged part stays out (its set's other parts go on) until it is replaced; each run
          // reports it as a failed item, with what to do. Other errors end the listing: retried.
          if (!(err instanceof ArchiveError)) throw err;
          const b: BrokenPart = {
            path: part.path,
            set: set.id,
            sourceId: file.id,
            version: file.version,
            message: err.message,
          };
          await state.set(`broken:${part.path}`, b);
          broken.push(b);
          continue;
        }
        await savePart(state, record);
        await bumpRevision(state);
        indexed.set(part.path, headOf(record));
      }
    }
    return { sets, broken };
  }

  // .tgz parts are read front to back: one reader per part, moved forward as items are opened
  // (a run from a .tgz source opens its items one at a time, in order). A reader left idle is
  // closed, so its download does not linger after the run.
  const cursors = new Map<string, { ordinal: number; entries: AsyncGenerator<TarEntry>; idle?: NodeJS.Timeout }>();
  const IDLE_MS = 30_000;
  async function openTarEntry(part: PartRef, ordinal: number, signal?: AbortSignal): Promise<Readable> {
    let cursor = cursors.get(part.path);
    clearTimeout(cursor?.idle);
    if (!cursor || cursor.ordinal >= ordinal) {
      await cursor?.entries.return(undefined);
      const body = await streamPart(storage, { sourceId: part.sourceId, size: part.size }, 0, signal);
      cursor = { ordinal: -1, entries: readTarGz(body) };
      cursors.set(part.path, cursor);
    }
    const c = cursor;
    try {
      for (;;) {
        const next = await c.entries.next();
        if (next.done)
          throw new CloudError(
            'not_found',
            `${part.path} ends before the entry this item was indexed from: ` +
              `was the archive replaced? Its next run indexes it again.`,
          );
        c.ordinal++;
        if (c.ordinal === ordinal) {
          next.value.body.once('close', () => {
            c.idle = setTimeout(() => {
              if (cursors.get(part.path) === c) cursors.delete(part.path);
              void c.entries.return(undefined);
            }, IDLE_MS);
            c.idle.unref();
          });
          return next.value.body;
        }
      }
    } catch (err) {
      // A broken download: the next attempt starts the part over.
      cursors.delete(part.path);
      void c.entries.return(undefined).catch(() => {});
      if (err instanceof CloudError || signal?.aborted) throw err;
      throw new CloudError('unreachable', `Reading ${part.path} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  const source: Source = {
    async *list(folder, signal) {
      // The backup is laid out by date (2024/05/…) with Albums/ beside it: a folder of that layout
      // lists what is under it, with paths from that folder, as every source does.
      const under = segmentsOf(folder).join('/');
      const { broken } = await ingest(signal);
      const { list, parts: read } = await storedCatalogue(true, new Set(broken.map((b) => b.set)), signal);
      let found = !under;
      for (let after = 0; ; ) {
        const page = await state.rows.page(list, after, CATALOGUE_PAGE);
        if (!page.length) break;
        after = page.at(-1)!.n;
        for (const row of page) {
          const items = row.key.startsWith(MEDIA_ROW)
            ? mediaItems(revivedMedia(row.value, read))
            : [albumItem(row.value as CatalogueAlbum)];
          for (const item of items) {
            if (!under) yield item;
            else if (item.path.startsWith(`${under}/`)) {
              found = true;
              yield { ...item, path: item.path.slice(under.length + 1) };
            }
          }
        }
      }
      if (!found)
        throw new CloudError('not_found', `There is no folder ${under} in the backup the Takeout exports make up.`);
      // A damaged part is a failed item of every run until it is replaced: the user hears of it.
      for (const b of broken)
        yield {
          id: `p:${b.path}`,
          path: b.path,
          size: 0,
          mediaType: 'other',
          version: `${b.sourceId}:${b.version}`,
          problem: b.message,
        };
    },

    async open(item, opts = {}) {
      const [type, key] = [item.id.slice(0, 1), item.id.slice(2)];
      const generated = (text: string) => {
        if (item.version !== undefined && versionOf(text) !== item.version) {
          throw new CloudError(
            'not_found',
            'This file changed after the run was planned (a newer export arrived); the next run copies the new one.',
          );
        }
        return Readable.from([Buffer.from(text).subarray(opts.offset ?? 0)]);
      };
      if (type === 'a') {
        const listed = item.version !== undefined ? await state.get(`album:${item.version}`) : undefined;
        if (typeof listed === 'string') return generated(listed);
        const album = (await catalogueRow(`${ALBUM_ROW}${key}`, opts.signal))?.value as CatalogueAlbum | undefined;
        if (!album) throw new CloudError('not_found', `No album folder "${key}" in the exports indexed.`);
        return generated(album.json);
      }
      const row = await catalogueRow(`${MEDIA_ROW}${key}`, opts.signal);
      if (!row) throw new CloudError('not_found', `${item.id} is in none of the exports indexed.`);
      const media = revivedMedia(row.value, row.parts);
      if (type === 'x') return generated(xmpOf(media));
      if (media.part.deleted) {
        throw new CloudError(
          'not_found',
          `${media.part.path}, the archive holding ${media.entry.name}, was deleted once another backup ` +
            `had it (option deleteArchives). Copy it from that backup, or request a new Takeout export.`,
        );
      }
      const stream =
        media.part.format === 'zip'
          ? await openZipEntry(
              storage,
              { sourceId: media.part.sourceId, size: media.part.size },
              media.entry,
              opts.signal,
            )
          : await openTarEntry(media.part, media.entry.ordinal!, opts.signal);
      return skip(stream, opts.offset ?? 0);
    },

    async release(signal, context) {
      if (!o.deleteArchives || !context?.complete || !wrapped.destination?.remove) return;
      // Parts indexed before this run listed the backup, of sets wholly indexed: all they hold is copied.
      const parts = await loadHeads(state);
      const indexedPaths = new Set(parts.map((p) => p.path));
      const { sets, files } = await scan(signal);
      for (const part of parts) {
        if (part.deleted || Date.parse(part.indexedAt) > context.listedAt.getTime()) continue;
        // Only whole Google Photos exports: an archive that also holds other products (an
        // "export once" of the whole account) was only partly read, and is left alone.
        if (part.otherEntries) continue;
        const set = sets.find((s) => s.id === part.set);
        if (set?.parts.some((p) => !indexedPaths.has(p.path))) continue;
        // The very file that was indexed: not one of the same name put there since.
        const file = files.get(part.path);
        if (!file || file.id !== part.sourceId || file.version !== part.version) continue;
        await wrapped.destination.remove([o.path, part.path].filter(Boolean).join('/'), signal);
        await savePart(state, { ...(await loadPart(part)), deleted: true });
        await bumpRevision(state);
      }
    },
  };

  const handle: CloudHandle = {
    features,
    source,
    async check(signal) {
      await scan(signal);
    },
    browse: (p, cursor, signal) => wrapped.browse([o.path, p].filter(Boolean).join('/'), cursor, signal),
  };

  async function status(signal?: AbortSignal): Promise<ExportStatus> {
    const { sets, files } = await scan(signal);
    const parts = await loadHeads(state);
    const byPath = new Map(parts.map((p) => [p.path, p]));
    const broken = new Map(
      (await state.list('broken:'))
        .map((r) => r.value as BrokenPart)
        .filter(
          (b) =>
            files.get(b.path)?.id === b.sourceId && files.get(b.path)?.version === b.version && !byPath.has(b.path),
        )
        .map((b) => [b.path, b.message]),
    );
    const stored = ((await state.get('sets')) as StoredSets | undefined)?.sets ?? [];
    // Sets whose archives were deleted after ingest are still part of the history.
    const all = [...sets];
    for (const s of stored) {
      if (!all.some((x) => x.id === s.id)) {
        const own = parts.filter((p) => p.set === s.id);
        all.push({
          id: s.id,
          createdAt: new Date(s.createdAt),
          format: own[0]?.format ?? 'zip',
          parts: own.map((p) => ({ path: p.path, number: p.number, format: p.format, size: p.size })),
          missing: [],
          ready: own.length > 0,
        });
      }
    }
    all.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const when = schedule(all);
    return {
      folder: o.path,
      sets: all.map((s) => {
        const partViews = s.parts.map((p) => ({
          number: p.number,
          path: p.path,
          size: p.size,
          ingested: byPath.has(p.path),
          deleted: byPath.get(p.path)?.deleted === true,
          ...(broken.has(p.path) ? { error: broken.get(p.path) } : {}),
        }));
        const ingested = partViews.filter((p) => p.ingested).length;
        const progress =
          ingested === 0 ? (s.ready ? 'ready' : 'waiting') : ingested === partViews.length ? 'ingested' : 'grown';
        return {
          id: s.id,
          createdAt: s.createdAt.toISOString(),
          format: s.format,
          state: progress,
          ...(s.waitingFor ? { waitingFor: s.waitingFor } : {}),
          missing: s.missing,
          parts: partViews,
        };
      }),
      nextExpectedAt: when.nextExpected?.toISOString(),
      late: when.late,
      scheduleEndsAt: when.scheduleEnds?.toISOString(),
      endsSoon: when.endsSoon,
      setupUrl: SETUP_URL,
      setup: SETUP_STEPS(o.path),
    };
  }

  return { handle, exportStatus: status };
}
