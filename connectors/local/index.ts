// Local folder (NAS mount, attached disk) as a cloud, confined to its owner's space under the
// operator's FERRY_LOCAL_ROOTS (space.ts). Every path is walked through open folder handles without
// following links, and every file-system error is said as a CloudError (client.ts); writes are
// upload.ts's.
import { constants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { pathProblem, segmentsOf } from '../lib/paths.ts';
import { mediaTypeOf } from '../media.ts';
import { pageOf } from '../lib/paging.ts';
import {
  CloudError,
  defineConnector,
  type CloudConfig,
  type CloudHandle,
  type ConnectorEnv,
  type Destination,
  type Entry,
  type HashKind,
  type Source,
  type SourceItem,
} from '../types.ts';
import { hasherFor } from '../lib/hashes.ts';
import { type Dir, feed, supported, toCloudError, within } from './client.ts';
import { fileStream } from './file-stream.ts';
import { Kept } from './kept.ts';
import { locate, mainSpace, openSpace } from './space.ts';
import { type FileStat, lstatAll } from './stats.ts';
import { PARTIAL, partialOf, writeFile } from './upload.ts';

const { O_RDONLY, O_NONBLOCK } = constants;

/**
 * Opens a file of `dir` to read: only a regular file with a single link. O_NONBLOCK (no effect on a
 * regular file) so that a FIFO put in a file's place is refused at once: a blocking open would wait
 * for a writer, holding one of the few threads every file-system call of the process shares.
 */
async function openToRead(dir: Dir, name: string, rel: string): Promise<FileHandle> {
  const file = await dir.file(name, O_RDONLY | O_NONBLOCK);
  try {
    const st = await file.stat();
    if (!st.isFile())
      throw new CloudError(
        'invalid_options',
        `"${rel}" is not a regular file (a folder, FIFO, device or socket took its place); ` +
          `Ferry reads only regular files.`,
      );
    // A hard link can be a file outside the user's folder: read only files with one link.
    if (st.nlink > 1) throw new CloudError('invalid_options', HARD_LINKED);
    return file;
  } catch (err) {
    await file.close();
    throw err;
  }
}

const options = z.strictObject({
  root: z
    .string()
    .max(4096)
    .default('')
    .describe(
      'A folder in your own space on the server: relative to it (e.g. ' +
        "photos; '' for the whole space), or in full (<a folder of FERRY_LOCAL_ROOTS>/<your user id>/…)",
    ),
});
type Options = z.infer<typeof options>;

const PAGE = 500;
/** Files of a folder whose metadata is asked for at once while it is listed. */
const STATS_AT_ONCE = 128;
// Most file systems allow names of at most 255 bytes.
const NAME_MAX = 255;

const HARD_LINKED =
  'This file has other hard links on the server; Ferry reads only files with a single link, ' +
  'as a link can reach a file outside your folder. Copy it to a file of its own to back it up.';

/** The names of a cloud-relative path; a path that is not one is refused. */
function namesOf(rel: string): string[] {
  const problem = pathProblem(rel);
  if (problem)
    throw new CloudError(
      'invalid_options',
      `The path "${rel.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}" ${problem}.`,
    );
  return segmentsOf(rel);
}

function itemOf(id: string, rel: string, name: string, st: FileStat): SourceItem {
  return {
    id,
    path: rel,
    size: st.size,
    modifiedAt: new Date(st.mtimeMs).toISOString(),
    mediaType: mediaTypeOf(name),
    version: `${st.size}:${st.mtimeMs}`,
    ...(st.nlink > 1 ? { problem: HARD_LINKED } : {}),
  };
}

const join = (a: string, b: string) => (a ? `${a}/${b}` : b);
const missing = (err: unknown) => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

/** Every file below the open folder `dir` (closed when done): files by name, then each sub-folder. */
async function* filesIn(dir: Dir, id: string, rel: string, signal?: AbortSignal): AsyncGenerator<SourceItem> {
  try {
    const dirents = await fs.readdir(dir.self, { withFileTypes: true }).catch((err) => {
      throw toCloudError(err, id);
    });
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const folders = dirents.filter((d) => d.isDirectory()).map((d) => d.name);
    // Links, devices and unfinished uploads are not offered.
    const files = dirents.filter((d) => d.isFile() && !d.name.endsWith(PARTIAL));
    // Looked at STATS_AT_ONCE at a time, in name order (stats.ts).
    for (let at = 0; at < files.length; at += STATS_AT_ONCE) {
      signal?.throwIfAborted();
      const some = files.slice(at, at + STATS_AT_ONCE);
      const stats = await lstatAll(some.map((d) => dir.at(d.name)));
      for (const [i, d] of some.entries()) {
        const st = stats[i];
        if (st?.isFile) yield itemOf(join(id, d.name), join(rel, d.name), d.name, st);
      }
    }
    for (const name of folders) {
      let sub: Dir;
      try {
        sub = await dir.sub(name);
      } catch (err) {
        // Gone, or swapped for a link, since it was read: not followed.
        if (missing(err) || (err as NodeJS.ErrnoException).code === 'ELOOP') continue;
        throw toCloudError(err, join(id, name));
      }
      yield* filesIn(sub, join(id, name), join(rel, name), signal);
    }
  } finally {
    await dir.close();
  }
}

export default defineConnector<Options>({
  kind: 'local',
  title: 'Folder on the server (NAS)',
  titles: { en: 'Folder on this server', de: 'Ordner auf diesem Server', fr: 'Dossier sur ce serveur' },
  nouns: { en: 'folder on this server', de: 'Ordner auf diesem Server', fr: 'dossier sur ce serveur' },
  auth: 'credentials',
  source: true,
  destination: true,
  options,
  unavailable: (env) =>
    !env.localRoots.length
      ? 'The operator has not allowed any server folder (FERRY_LOCAL_ROOTS).'
      : !supported
        ? 'Folders on the server need Ferry to run on Linux.'
        : null,
  async prepare(opts, env, owner) {
    if (!owner) throw new Error('A local cloud is prepared for its owner.');
    const place = await locate(opts.root, env, owner.userId);
    if (!place) {
      throw new CloudError(
        'invalid_options',
        `options.root must be a folder in your own space on the server: a path relative to it (e.g. ` +
          `photos, or '' for all of it), or in full under ${mainSpace(env, owner.userId)}/.`,
      );
    }
    const space = await openSpace(place.space);
    const rel = place.names.join('/');
    try {
      await within(space.walk(place.names), async () => {});
    } catch (err) {
      const e = toCloudError(err, rel);
      if (e instanceof CloudError && e.reason === 'not_found')
        throw new CloudError('invalid_options', `There is no folder "${rel}" in your space on the server.`);
      throw e instanceof CloudError ? new CloudError('invalid_options', e.message) : e;
    } finally {
      await space.close();
    }
    return { root: path.join(place.space, ...place.names) };
  },
  open(cloud, env) {
    return openLocal(cloud, env);
  },
});

function openLocal(cloud: CloudConfig<Options>, env: ConnectorEnv): CloudHandle {
  /** The cloud's folder, opened through its owner's space at this moment. */
  async function rootDir(): Promise<Dir> {
    const place = cloud.ownerId ? await locate(cloud.options.root, env, cloud.ownerId) : null;
    if (!place) {
      throw new CloudError(
        'unreachable',
        "This cloud's folder is not in your own space on the server: change its root to a folder of your space.",
      );
    }
    const space = await openSpace(place.space);
    // The space itself (a walk of no names would open it once more, for each file read).
    if (!place.names.length) return space;
    try {
      return await space.walk(place.names);
    } catch (err) {
      if (missing(err))
        throw new CloudError('unreachable', "The cloud's folder no longer exists in your space on the server.");
      const e = toCloudError(err, '');
      throw e instanceof CloudError ? new CloudError('unreachable', e.message, { cause: err }) : e;
    } finally {
      await space.close();
    }
  }

  /**
   * The cloud's folder (rootDir) and the files read in bounded ranges, each shared by the calls
   * that overlap and kept open a moment after the last (kept.ts): a run of small files opened and
   * closed the space and the folder again for every file, and an archive's index the archive for
   * every JSON file in it. So a folder or archive moved or replaced is seen once it was left alone
   * that long.
   */
  const folders = new Kept<Dir>((dir) => dir.close());
  const withRoot = <T>(use: (root: Dir) => Promise<T>): Promise<T> => folders.with('', rootDir, use);
  const openFiles = new Kept<FileHandle>((file) => file.close());

  /** Runs `use` with the open folder that holds `rel` and the name in it; fs errors said about `rel`. */
  async function inFolder<T>(rel: string, use: (dir: Dir, name: string) => Promise<T>): Promise<T> {
    const names = namesOf(rel);
    const name = names.pop();
    if (!name) throw new CloudError('invalid_options', "A file path is needed, not the cloud's folder.");
    try {
      // A file of the cloud's folder itself is opened there, not in a second handle on the folder.
      return await withRoot((root) =>
        names.length ? within(root.walk(names), (dir) => use(dir, name)) : use(root, name),
      );
    } catch (err) {
      throw toCloudError(err, rel);
    }
  }

  const source: Source = {
    async *list(folder, signal) {
      const names = namesOf(folder);
      let start: Dir;
      try {
        start = await withRoot((root) => root.walk(names));
      } catch (err) {
        throw toCloudError(err, names.join('/'));
      }
      yield* filesIn(start, names.join('/'), '', signal);
    },
    async open(item, opts = {}) {
      const start = opts.offset ?? 0;
      // A bounded read (an archive's entry) reads just that; a whole file in chunks of 64 KiB: an
      // upload copies them into its part buffers (bytes.ts) and drops them at once, so they are
      // freed young. Smaller chunks mean fewer bytes of them waiting for a collection (Takeout
      // benchmark: 16-40 MiB at 64 KiB, 40-90 at 256). A chunk as large as the file would be sent as
      // it is and outlive many collections: a run of small files then piles up garbage in memory.
      // A file smaller than a chunk is read in a buffer of about its size, not less than 4 KiB: a file
      // that grew past the size listed must not be read a few bytes at a time.
      const wanted = opts.length ?? Math.max(4 * 1024, (item.size ?? 64 * 1024) - start);
      const range = {
        start,
        end: opts.length !== undefined ? start + Math.max(1, opts.length) - 1 : undefined,
        highWaterMark: Math.min(64 * 1024, opts.length !== undefined ? Math.max(16 * 1024, wanted) : wanted),
        signal: opts.signal,
      };
      const openFile = () => inFolder(item.id, (dir, name) => openToRead(dir, name, item.id));
      if (opts.length === undefined) {
        const handle = await openFile();
        return fileStream(handle, range, item.id, () => handle.close());
      }
      // Bounded reads of a file (an archive's entries, thousands of them) share its handle.
      const { value: handle, release } = await openFiles.acquire(item.id, openFile);
      return fileStream(handle, range, item.id, async () => release());
    },
  };

  const destination: Destination = {
    async put(rel, open, opts) {
      const names = namesOf(rel);
      const name = names.pop();
      if (!name) throw new CloudError('invalid_options', "A file path is needed, not the cloud's folder.");
      if (Buffer.byteLength(name) > NAME_MAX)
        throw toCloudError(Object.assign(new Error(), { code: 'ENAMETOOLONG', syscall: 'open' }), rel);
      const folder = names.join('/');
      let dir: Dir;
      try {
        dir = await withRoot((root) => root.walk(names, true));
      } catch (err) {
        throw toCloudError(err, folder);
      }

      return writeFile(dir, folder, name, rel, open, opts);
    },
    async stat(rel) {
      try {
        return await inFolder(rel, async (dir, name) => {
          const st = await fs.lstat(dir.at(name));
          return st.isFile() ? { size: st.size } : null;
        });
      } catch (err) {
        if (err instanceof CloudError && err.reason === 'not_found') return null;
        throw err;
      }
    },
    // A folder keeps no hash: the file is read, and hashed with the kind asked for when it can be
    // computed, else sha256.
    async hashOf(rel, signal, prefer) {
      signal?.throwIfAborted();
      const kind: HashKind = prefer && prefer !== 's3etag' ? prefer : 'sha256';
      return inFolder(rel, async (dir, name) => {
        const file = await openToRead(dir, name, rel);
        try {
          const h = hasherFor(kind)!;
          await feed(file, h);
          return { kind, value: h.digest() };
        } finally {
          await file.close();
        }
      }).catch(() => null);
    },
    async abandon(state) {
      const partial = partialOf(state);
      if (partial) await inFolder(partial, (dir, name) => fs.unlink(dir.at(name))).catch(() => {});
    },
    // A new name for the same file, never over another: a link at `to` then the old name unlinked
    // (or, without hard links, an exclusive create of `to` and a rename over it: client.ts).
    async move(from, to, signal) {
      signal?.throwIfAborted();
      const names = namesOf(to);
      const toName = names.pop();
      if (!toName) throw new CloudError('invalid_options', "A file path is needed, not the cloud's folder.");
      if (Buffer.byteLength(toName) > NAME_MAX)
        throw toCloudError(Object.assign(new Error(), { code: 'ENAMETOOLONG', syscall: 'open' }), to);
      await inFolder(from, async (dir, name) => {
        const st = await fs.lstat(dir.at(name));
        if (!st.isFile())
          throw new CloudError('invalid_options', `${from} is not a file; Ferry moves single files only.`);
        let target: Dir;
        try {
          target = await withRoot((root) => root.walk(names, true));
        } catch (err) {
          throw toCloudError(err, names.join('/'));
        }
        try {
          await dir.commitNew(name, toName, target);
        } catch (err) {
          throw toCloudError(err, to);
        } finally {
          await target.close();
        }
        // Gone already when it was renamed rather than linked.
        await fs.unlink(dir.at(name)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw toCloudError(err, from);
        });
      });
    },
    async remove(rel, signal) {
      signal?.throwIfAborted();
      try {
        await inFolder(rel, async (dir, name) => {
          const st = await fs.lstat(dir.at(name));
          if (st.isDirectory())
            throw new CloudError('invalid_options', `${rel} is a folder; Ferry removes single files only.`);
          // unlink never removes a folder, even one that took the file's place since the check.
          await fs.unlink(dir.at(name));
        });
      } catch (err) {
        if (err instanceof CloudError && err.reason === 'not_found') return;
        throw err;
      }
    },
  };

  return {
    features: {},
    source,
    destination,
    async check() {
      await withRoot(async (dir) => {
        try {
          await fs.access(dir.self, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
        } catch {
          throw new CloudError(
            'unauthorized',
            "Ferry cannot read and write the cloud's folder: the operator should check its permissions.",
          );
        }
      });
    },
    async browse(rel, cursor) {
      const names = namesOf(rel);
      const entries: Entry[] = [];
      try {
        await withRoot((root) =>
          within(root.walk(names), async (dir) => {
            for (const d of await fs.readdir(dir.self, { withFileTypes: true })) {
              // Links are not followed, so not shown; nor are unfinished uploads.
              if (!(d.isDirectory() || d.isFile()) || d.name.endsWith(PARTIAL)) continue;
              const st = await fs.lstat(dir.at(d.name)).catch(() => undefined);
              const entryPath = join(names.join('/'), d.name);
              if (st?.isDirectory())
                entries.push({ name: d.name, path: entryPath, type: 'folder', modifiedAt: st.mtime.toISOString() });
              else if (st?.isFile())
                entries.push({
                  name: d.name,
                  path: entryPath,
                  type: 'file',
                  size: st.size,
                  modifiedAt: st.mtime.toISOString(),
                });
            }
          }),
        );
      } catch (err) {
        throw toCloudError(err, names.join('/'));
      }
      return pageOf(entries, cursor, PAGE);
    },
  };
}
