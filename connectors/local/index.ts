// Local folder (NAS mount, attached disk) as a cloud, confined to its owner's space under the
// operator's FERRY_LOCAL_ROOTS (space.ts). Every path is walked through open folder handles without
// following links (dirs.ts), and every file-system error is said as a CloudError (fs-errors.ts).
import crypto from 'node:crypto';
import { constants, createReadStream, type Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
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
import { type Dir, supported, within } from './dirs.ts';
import { fsError } from './fs-errors.ts';
import { locate, mainSpace, openSpace } from './space.ts';

const { O_RDONLY, O_RDWR, O_CREAT, O_EXCL, O_NONBLOCK } = constants;

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
/** Uploads in progress are written into the target's folder under this suffix, then committed. */
const PARTIAL = '.ferry-partial';
// A resumable write saves its offset (after syncing the data) every this many bytes.
const CHECKPOINT_BYTES = 16 * 1024 * 1024;
// Most file systems allow names of at most 255 bytes.
const NAME_MAX = 255;

const HARD_LINKED =
  'This file has other hard links on the server; Ferry reads only files with a single link, ' +
  'as a link can reach a file outside your folder. Copy it to a file of its own to back it up.';

/** A partial upload: its file's name in the folder `folder` (relative to the cloud's root). */
interface PartialState {
  folder: string;
  tmp: string;
  offset: number;
}

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

/** Feeds the first `end` bytes of an open file (all of it when undefined) to `hash`. */
async function feed(file: FileHandle, hash: { update(data: Uint8Array): unknown }, end?: number): Promise<void> {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  for (let pos = 0; end === undefined || pos < end; ) {
    const { bytesRead } = await file.read(
      buf,
      0,
      end === undefined ? buf.length : Math.min(buf.length, end - pos),
      pos,
    );
    if (bytesRead === 0) break;
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
}

function itemOf(id: string, rel: string, name: string, st: Stats): SourceItem {
  return {
    id,
    path: rel,
    size: st.size,
    modifiedAt: st.mtime.toISOString(),
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
      throw fsError(err, id);
    });
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const folders: string[] = [];
    for (const d of dirents) {
      signal?.throwIfAborted();
      if (d.isDirectory()) folders.push(d.name);
      // Links, devices and unfinished uploads are not offered.
      if (!d.isFile() || d.name.endsWith(PARTIAL)) continue;
      const st = await fs.lstat(dir.at(d.name)).catch(() => undefined);
      if (st?.isFile()) yield itemOf(join(id, d.name), join(rel, d.name), d.name, st);
    }
    for (const name of folders) {
      let sub: Dir;
      try {
        sub = await dir.sub(name);
      } catch (err) {
        // Gone, or swapped for a link, since it was read: not followed.
        if (missing(err) || (err as NodeJS.ErrnoException).code === 'ELOOP') continue;
        throw fsError(err, join(id, name));
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
      const e = fsError(err, rel);
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
    try {
      return await space.walk(place.names);
    } catch (err) {
      if (missing(err))
        throw new CloudError('unreachable', "The cloud's folder no longer exists in your space on the server.");
      const e = fsError(err, '');
      throw e instanceof CloudError ? new CloudError('unreachable', e.message, { cause: err }) : e;
    } finally {
      await space.close();
    }
  }

  /** Runs `use` with the open folder that holds `rel` and the name in it; fs errors said about `rel`. */
  async function inFolder<T>(rel: string, use: (dir: Dir, name: string) => Promise<T>): Promise<T> {
    const names = namesOf(rel);
    const name = names.pop();
    if (!name) throw new CloudError('invalid_options', "A file path is needed, not the cloud's folder.");
    const root = await rootDir();
    try {
      return await within(root.walk(names), (dir) => use(dir, name));
    } catch (err) {
      throw fsError(err, rel);
    } finally {
      await root.close();
    }
  }

  const source: Source = {
    async *list(folder, signal) {
      const names = namesOf(folder);
      const root = await rootDir();
      let start: Dir;
      try {
        start = await root.walk(names);
      } catch (err) {
        throw fsError(err, names.join('/'));
      } finally {
        await root.close();
      }
      yield* filesIn(start, names.join('/'), '', signal);
    },
    async open(item, opts = {}) {
      const handle = await inFolder(item.id, (dir, name) => openToRead(dir, name, item.id));
      const start = opts.offset ?? 0;
      // A bounded read (an archive's entry) reads just that; a whole file in large chunks.
      const end = opts.length !== undefined ? start + Math.max(1, opts.length) - 1 : undefined;
      const highWaterMark =
        opts.length !== undefined ? Math.min(1024 * 1024, Math.max(16 * 1024, opts.length)) : 1024 * 1024;
      return createReadStream('', { fd: handle, start, end, highWaterMark, signal: opts.signal }) as Readable;
    },
  };

  const destination: Destination = {
    async put(rel, open, opts) {
      const names = namesOf(rel);
      const name = names.pop();
      if (!name) throw new CloudError('invalid_options', "A file path is needed, not the cloud's folder.");
      if (Buffer.byteLength(name) > NAME_MAX)
        throw fsError(Object.assign(new Error(), { code: 'ENAMETOOLONG', syscall: 'open' }), rel);
      const folder = names.join('/');
      const root = await rootDir();
      let dir: Dir;
      try {
        dir = await root.walk(names, true);
      } catch (err) {
        throw fsError(err, folder);
      } finally {
        await root.close();
      }

      const saved = opts.checkpoint?.state as Partial<PartialState> | null | undefined;
      let tmp = '';
      let file: FileHandle | undefined;
      // Which part failed: the source's and the checkpoint's errors pass as they are; the disk's are
      // said as CloudErrors. Once the bytes are all written ('commit'), a failure removes the partial file.
      let stage: 'disk' | 'source' | 'commit' = 'disk';
      let checkpointed = false;
      try {
        const sha = crypto.createHash('sha256');
        let offset = 0;
        // Resume only a partial file of this very folder, saved by the last attempt.
        if (
          saved &&
          saved.folder === folder &&
          typeof saved.tmp === 'string' &&
          !saved.tmp.includes('/') &&
          saved.tmp.endsWith(PARTIAL)
        ) {
          const old = await dir.file(saved.tmp, O_RDWR).catch(() => undefined);
          const st = await old?.stat();
          if (old && st?.isFile() && st.nlink === 1) {
            [file, tmp, checkpointed] = [old, saved.tmp, true];
            offset = Math.min(saved.offset ?? 0, st.size);
            await file.truncate(offset);
            await feed(file, sha, offset);
          } else await old?.close();
        }
        if (!file) {
          tmp = `.${crypto.randomBytes(8).toString('hex')}${PARTIAL}`;
          file = await dir.file(tmp, O_RDWR | O_CREAT | O_EXCL, 0o666);
        }
        const md5 = opts.expectedMd5 && offset === 0 ? crypto.createHash('md5') : undefined;
        let written = offset;
        let sinceCheckpoint = 0;
        stage = 'source';
        for await (const chunk of await open(offset)) {
          stage = 'disk';
          opts.signal?.throwIfAborted();
          await file.write(chunk, 0, chunk.length, written);
          sha.update(chunk);
          md5?.update(chunk);
          written += chunk.length;
          sinceCheckpoint += chunk.length;
          opts.onProgress?.(written);
          if (opts.checkpoint && sinceCheckpoint >= CHECKPOINT_BYTES) {
            await file.datasync();
            stage = 'source';
            await opts.checkpoint.save({ folder, tmp, offset: written } satisfies PartialState);
            checkpointed = true;
            sinceCheckpoint = 0;
          }
          stage = 'source';
        }
        stage = 'commit';
        await file.sync();
        if (opts.size !== undefined && written !== opts.size) {
          throw new CloudError('corrupt', `Expected ${opts.size} bytes, the source gave ${written}.`);
        }
        const sentMd5 = md5?.digest('hex');
        if (sentMd5 && sentMd5 !== opts.expectedMd5) {
          throw new CloudError('corrupt', `The bytes read have md5 ${sentMd5}; the source says ${opts.expectedMd5}.`);
        }
        // The destination's own check: read back what is on disk and compare with what was sent.
        const expected = sha.digest('hex');
        const back = crypto.createHash('sha256');
        await feed(file, back);
        const onDisk = back.digest('hex');
        if (onDisk !== expected) {
          throw new CloudError(
            'corrupt',
            `The file written to ${rel} differs from the bytes sent (sha256 ${onDisk} ≠ ${expected}).`,
          );
        }
        if (opts.modifiedAt) await file.utimes(new Date(), new Date(opts.modifiedAt)).catch(() => {});
        await file.close();
        file = undefined;
        if (opts.mode === 'replace') {
          await fs.rename(dir.at(tmp), dir.at(name));
        } else {
          // Never replaces what is at the target, whatever came there since the plan: the owner's
          // file stays and the copy fails with 'exists' (dirs.ts: link(), or on a file system
          // without hard links an exclusive create of the name, then a rename over it).
          try {
            await dir.commitNew(tmp, name);
          } finally {
            await fs.unlink(dir.at(tmp)).catch(() => {});
          }
        }
        return { size: written, hash: { kind: 'sha256', value: expected } };
      } catch (err) {
        await file?.close().catch(() => {});
        // A partial file stays only for a checkpoint to resume from (or for abandon()); a failure
        // once the bytes were all written, or before any checkpoint, leaves none behind.
        if (tmp && (stage === 'commit' || !checkpointed)) await fs.unlink(dir.at(tmp)).catch(() => {});
        throw stage === 'source' ? err : fsError(err, rel);
      } finally {
        await dir.close();
      }
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
      const s = state as Partial<PartialState> | null;
      if (typeof s?.folder !== 'string' || typeof s.tmp !== 'string' || s.tmp.includes('/') || !s.tmp.endsWith(PARTIAL))
        return;
      await inFolder(join(s.folder, s.tmp), (dir, name) => fs.unlink(dir.at(name))).catch(() => {});
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
      await within(rootDir(), async (dir) => {
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
      const root = await rootDir();
      try {
        await within(root.walk(names), async (dir) => {
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
        });
      } catch (err) {
        throw fsError(err, names.join('/'));
      } finally {
        await root.close();
      }
      return pageOf(entries, cursor, PAGE);
    },
  };
}
