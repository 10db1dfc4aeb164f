// Indexing one archive part: which media it holds and where, and what its JSON files say. A zip is
// indexed from its central directory and its JSON entries alone (the media are read only when
// copied); a .tgz has no directory, so it is read once, front to back, and each medium's checksum
// and date are taken on the way. Media and sidecars go to their pages as they are found (parts.ts),
// not into one record of the whole part; a zip's directory is read a window at a time, once per pass.
import crypto from 'node:crypto';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Source } from '../types.ts';
import type { IndexedMedia, IndexedSidecar, PartRecord } from './catalogue.ts';
import { exifDate } from './exif.ts';
import {
  googlePhotosRoot,
  isAlbumJson,
  isAlbumMetadataName,
  isNonItemJson,
  parseAlbum,
  parseSidecar,
} from './metadata.ts';
import type { PageWriter } from './parts.ts';
import { head, openZipEntry, readPartAt, readStats, readZipEntry, streamPart, type PartFile } from './read.ts';
import { readTarGz } from './tar.ts';
import { yielder } from './yield-point.ts';
import { ArchiveError, MAX_ENTRIES, openCentralDirectory, type ZipEntry } from './zip.ts';

/** A JSON entry bigger than this is no sidecar (real ones are a few KB). */
const MAX_JSON = 1024 * 1024;
/** How much of a medium is read to find its own date (EXIF sits in the first segments). */
export const HEAD_BYTES = 128 * 1024;
/** JSON entries read at once from a zip. */
const PARALLEL_READS = 8;
/** JSON entries of a zip read, then filed, at a time: their texts are held until filed. */
const JSON_WINDOW = 1000;

/**
 * Entries (media and JSON files) Ferry holds from one export set, across its parts. A set's
 * catalogue is built a group at a time (build.ts), but its work and the database rows it writes
 * grow with the set, and MAX_ENTRIES bounds a part, not how many parts a set has: many crafted
 * parts each just under it would keep a worker and the database busy for hours. A real library is far
 * below this: a million photos with their sidecars, album copies and edited versions are 2-3
 * million entries. (A variable so tests can make it small.)
 */
export const MAX_EXPORT_ENTRIES = 5_000_000;
export const limits = { entriesPerExport: MAX_EXPORT_ENTRIES };

const exportTooBig = () =>
  new ArchiveError(
    'unsupported',
    `With this part its export holds more than the ${limits.entriesPerExport} ` +
      `entries Ferry reads from one export (photos, videos and their JSON files, ` +
      'across all its parts; a library of a million photos has about 3 million), ' +
      "so this part is left out and the export's other parts are backed up. " +
      'If it is a genuine Google Takeout export, split the library: ' +
      'at https://takeout.google.com/takeout/custom/photos make two exports, each with some of ' +
      'the albums (the "Photos from <year>" folders are albums there), both delivered to this folder.',
  );

export interface PartToIndex extends PartFile {
  set: string;
  number: number;
  format: 'zip' | 'tgz';
  path: string;
  version: string;
}

type Classified =
  | { type: 'media'; rel: string; kind: IndexedMedia['kind'] }
  | { type: 'json'; rel: string; folder: string; album: boolean }
  | { type: 'skip'; other?: boolean };

function classify(name: string): Classified {
  const loc = googlePhotosRoot(name);
  // Another product of an "export once" (counted: such a part is never deleted), or the index page every export has.
  if (!loc) return { type: 'skip', other: !/(^|\/)archive_browser\.html$/i.test(name) };
  const rel = name.slice(loc.root.length + 1);
  const base = path.posix.basename(rel);
  if (!base) return { type: 'skip' };
  if (base.toLowerCase().endsWith('.json')) {
    if (isAlbumMetadataName(base)) return { type: 'json', rel, folder: loc.folder, album: true };
    if (isNonItemJson(base)) return { type: 'skip' };
    return { type: 'json', rel, folder: loc.folder, album: false };
  }
  return { type: 'media', rel, kind: loc.kind };
}

/** What a JSON entry says, filed as an album's metadata or an item's sidecar; malformed ones are left out. */
async function fileJson(
  text: string,
  c: Extract<Classified, { type: 'json' }>,
  albums: PartRecord['albums'],
  pages: PageWriter,
) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return; // its media is kept, dated by other means
  }
  // Album files in a language not listed are still recognised by their content.
  if (c.album || isAlbumJson(json)) {
    if (!c.folder) return;
    const a = parseAlbum(json, c.folder);
    albums.push({
      dir: c.folder,
      title: a.title || c.folder,
      ...(a.description ? { description: a.description } : {}),
    });
    return;
  }
  const meta = parseSidecar(json);
  const { takenAt, ...rest } = meta;
  const sidecar: IndexedSidecar = {
    rel: c.rel,
    meta: { ...rest, ...(takenAt ? { takenAt: takenAt.toISOString() } : {}) },
  };
  await pages.sidecar(sidecar);
}

/** A part's record as indexing fills it: its pages are named once all are written. */
type Indexed = Omit<PartRecord, 'pages'>;

/**
 * The record of a part, its media and sidecars written to `pages`. `maxEntries`: what is left of the
 * export's allowance (limits.entriesPerExport less its other parts' entries); a part with more is
 * refused before its JSON files are read.
 */
export async function indexPart(
  storage: Source,
  part: PartToIndex,
  pages: PageWriter,
  signal?: AbortSignal,
  maxEntries = limits.entriesPerExport,
): Promise<PartRecord> {
  const before = readStats.bytes;
  const record: Indexed = {
    set: part.set,
    number: part.number,
    format: part.format,
    path: part.path,
    sourceId: part.sourceId,
    version: part.version,
    size: part.size,
    indexedAt: new Date().toISOString(),
    bytesRead: 0,
    albums: [],
  };
  if (part.format === 'zip') await indexZip(storage, part, record, pages, maxEntries, signal);
  else await indexTgz(storage, part, record, pages, maxEntries, signal);
  record.bytesRead = readStats.bytes - before;
  return { ...record, pages: await pages.close() };
}

async function indexZip(
  storage: Source,
  part: PartToIndex,
  record: Indexed,
  pages: PageWriter,
  maxEntries: number,
  signal?: AbortSignal,
) {
  const directory = await openCentralDirectory(
    (offset, length, s) => readPartAt(storage, part, offset, length, s ?? signal),
    part.size,
    signal,
  );
  const y = yielder();
  // Counted first: a part over the allowance is refused before anything is read or written. Only
  // a directory that lists more entries than the allowance can hold too many that Ferry keeps.
  if (directory.count > maxEntries) {
    let held = 0;
    for await (const entry of directory.entries()) {
      await y.tick();
      const c = entry.isDirectory ? undefined : classify(entry.name);
      if (c?.type === 'media' || (c?.type === 'json' && entry.size <= MAX_JSON)) held++;
    }
    if (held > maxEntries) throw exportTooBig();
  }
  let jsons: Array<{ entry: ZipEntry; c: Extract<Classified, { type: 'json' }> }> = [];
  for await (const entry of directory.entries()) {
    await y.tick();
    if (entry.isDirectory) continue;
    const c = classify(entry.name);
    if (c.type === 'skip' && c.other) record.otherEntries = (record.otherEntries ?? 0) + 1;
    if (c.type === 'media') {
      await pages.media({
        rel: c.rel,
        kind: c.kind,
        name: entry.name,
        size: entry.size,
        crc32: entry.crc32,
        modifiedAt: entry.modifiedAt.toISOString(),
        method: entry.method,
        compressedSize: entry.compressedSize,
        localHeaderOffset: entry.localHeaderOffset,
      });
    } else if (c.type === 'json' && entry.size <= MAX_JSON) {
      jsons.push({ entry, c });
      if (jsons.length === JSON_WINDOW) {
        await fileJsons(storage, part, jsons, record.albums, pages, signal);
        jsons = [];
      }
    }
  }
  await fileJsons(storage, part, jsons, record.albums, pages, signal);
}

/** JSON entries of a zip, a few at a time, each in one request; filed in archive order. */
async function fileJsons(
  storage: Source,
  part: PartToIndex,
  jsons: Array<{ entry: ZipEntry; c: Extract<Classified, { type: 'json' }> }>,
  albums: PartRecord['albums'],
  pages: PageWriter,
  signal?: AbortSignal,
) {
  const y = yielder();
  const texts: string[] = new Array(jsons.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL_READS, jsons.length) }, async () => {
      while (next < jsons.length) {
        const i = next++;
        const { entry } = jsons[i];
        const ref = { ...entry, modifiedAt: entry.modifiedAt.toISOString() };
        texts[i] = (await readZipEntry(storage, part, ref, signal)).toString('utf8');
        // A source that answers at once (a local disk) gives a file after the other without the
        // event loop running in between: let it run.
        await y.tick();
      }
    }),
  );
  for (const [i, j] of jsons.entries()) {
    await y.tick();
    await fileJson(texts[i], j.c, albums, pages);
  }
}

async function indexTgz(
  storage: Source,
  part: PartToIndex,
  record: Indexed,
  pages: PageWriter,
  maxEntries: number,
  signal?: AbortSignal,
) {
  const body = await streamPart(storage, part, 0, signal);
  let ordinal = -1;
  let held = 0;
  const y = yielder();
  try {
    for await (const entry of readTarGz(body, signal)) {
      ordinal++;
      // Empty entries come out of an inflated buffer without waiting: let the event loop run.
      await y.tick();
      if (ordinal === MAX_ENTRIES) {
        throw new ArchiveError(
          'unsupported',
          `This .tgz holds more than the ${MAX_ENTRIES} entries Ferry reads from ` +
            `one archive part (a 50 GB Google Takeout part holds far fewer): ` +
            'it was not written by Google Takeout. Check that it is a Takeout export; ' +
            'if it is, export again from Google Takeout with a smaller archive size.',
        );
      }
      const c: Classified = entry.type === 'file' ? classify(entry.name) : { type: 'skip' };
      if (c.type === 'skip' && c.other) record.otherEntries = (record.otherEntries ?? 0) + 1;
      if (c.type === 'skip' || (c.type === 'json' && entry.size > MAX_JSON)) {
        entry.body.resume();
        continue;
      }
      if (++held > maxEntries) throw exportTooBig();
      const chunks: Buffer[] = [];
      let kept = 0;
      let crc = 0;
      const sha = crypto.createHash('sha256');
      for await (const chunk of entry.body as AsyncIterable<Buffer>) {
        crc = zlib.crc32(chunk, crc);
        sha.update(chunk);
        // JSON whole; of a medium only its head, for its date.
        const limit = c.type === 'json' ? MAX_JSON : HEAD_BYTES;
        if (kept < limit) {
          chunks.push(chunk.subarray(0, limit - kept));
          kept += Math.min(chunk.length, limit - kept);
        }
      }
      const bytes = Buffer.concat(chunks);
      if (c.type === 'json') {
        await fileJson(bytes.toString('utf8'), c, record.albums, pages);
        continue;
      }
      const found = exifDate(bytes);
      await pages.media({
        rel: c.rel,
        kind: c.kind,
        name: entry.name,
        size: entry.size,
        crc32: crc >>> 0,
        modifiedAt: entry.modifiedAt.toISOString(),
        ordinal,
        sha256: sha.digest('hex'),
        exif: found
          ? {
              date: found.date.toISOString(),
              ...(found.offsetMinutes !== undefined ? { offsetMinutes: found.offsetMinutes } : {}),
            }
          : null,
      });
    }
  } finally {
    body.destroy();
  }
}

/** A zip medium's SHA-256, read whole (only for entries that must be told apart, see contentKeys). */
export async function hashEntry(
  storage: Source,
  part: Pick<PartRecord, 'sourceId' | 'size'>,
  entry: IndexedMedia,
  signal?: AbortSignal,
): Promise<string> {
  const sha = crypto.createHash('sha256');
  for await (const chunk of await openZipEntry(storage, { sourceId: part.sourceId, size: part.size }, entry, signal))
    sha.update(chunk as Buffer);
  return sha.digest('hex');
}

/** A zip medium's own date, from the head of its bytes (for media without a sidecar). */
export async function probeDate(
  storage: Source,
  part: Pick<PartRecord, 'sourceId' | 'size'>,
  entry: IndexedMedia,
  signal?: AbortSignal,
): Promise<IndexedMedia['exif']> {
  const stream = await openZipEntry(storage, { sourceId: part.sourceId, size: part.size }, entry, signal);
  const found = exifDate(await head(stream, HEAD_BYTES));
  return found
    ? {
        date: found.date.toISOString(),
        ...(found.offsetMinutes !== undefined ? { offsetMinutes: found.offsetMinutes } : {}),
      }
    : null;
}
