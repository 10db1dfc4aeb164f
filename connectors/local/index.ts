// Local folder (NAS mount, attached disk) as a cloud, confined to the operator's FERRY_LOCAL_ROOTS.
import crypto from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { mediaTypeOf } from '../media.ts';
import { pageOf } from '../paging.ts';
import { CloudError, defineConnector, type ConnectorEnv, type Destination, type Entry, type Source, type SourceItem } from '../types.ts';

const options = z.strictObject({
  root: z.string().min(1).max(4096).describe('Absolute folder inside one of the folders the operator allows (FERRY_LOCAL_ROOTS)'),
});
type Options = z.infer<typeof options>;

const PAGE = 500;
/** Uploads in progress are written beside their target under this suffix, then renamed. */
const PARTIAL = '.ferry-partial';
// A resumable write saves its offset (after syncing the data) every this many bytes.
const CHECKPOINT_BYTES = 16 * 1024 * 1024;

interface PartialState {
  tmp: string;
  offset: number;
}

function within(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The real path of `root`, provided it lies inside an allowed root once symlinks are resolved. */
async function confinedRoot(root: string, env: ConnectorEnv): Promise<string> {
  if (!path.isAbsolute(root)) throw new CloudError('invalid_options', 'root must be an absolute path.');
  let real: string;
  try {
    real = await fs.realpath(root);
  } catch {
    throw new CloudError('invalid_options', `Folder ${root} does not exist on the server.`);
  }
  for (const allowed of env.localRoots) {
    const realAllowed = await fs.realpath(allowed).catch(() => undefined);
    if (realAllowed && within(realAllowed, real)) {
      if (!(await fs.stat(real)).isDirectory()) throw new CloudError('invalid_options', `${root} is not a folder.`);
      return real;
    }
  }
  throw new CloudError('invalid_options', `Folder ${root} is outside the folders this server allows (FERRY_LOCAL_ROOTS).`);
}

/**
 * Resolves a cloud-relative path under the root, refusing `..` and symlinks that lead outside it.
 * Returns the absolute path, which may not exist yet.
 */
export async function resolveInside(root: string, rel: string): Promise<string> {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..' || p.includes('\0'))) throw new CloudError('invalid_options', `Invalid path: ${rel}`);
  const target = path.join(root, ...parts);
  // The deepest existing ancestor must still be inside the root after resolving symlinks.
  let probe = target;
  for (;;) {
    try {
      const real = await fs.realpath(probe);
      if (!within(root, real)) throw new CloudError('invalid_options', `Path ${rel} leads outside the cloud's folder.`);
      return target;
    } catch (err) {
      if (err instanceof CloudError) throw err;
      if (probe === root) throw new CloudError('not_found', 'The cloud\'s folder no longer exists.');
      probe = path.dirname(probe);
    }
  }
}

async function hashFile(file: string, kind: 'md5' | 'sha256'): Promise<string> {
  const h = crypto.createHash(kind);
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) h.update(chunk);
  return h.digest('hex');
}

export default defineConnector<Options>({
  kind: 'local',
  title: 'Folder on the server (NAS)',
  auth: 'credentials',
  source: true,
  destination: true,
  options,
  unavailable: (env) => (env.localRoots.length ? null : 'The operator has not allowed any server folder (FERRY_LOCAL_ROOTS).'),
  async prepare(opts, env) {
    return { root: await confinedRoot(opts.root, env) };
  },
  open(cloud, env) {
    // Checked once per opened handle (a run opens its clouds once per batch), not once per file.
    let rootCheck: Promise<string> | undefined;
    const root = () =>
      (rootCheck ??= confinedRoot(cloud.options.root, env).catch((err: CloudError) => {
        rootCheck = undefined;
        throw new CloudError('unreachable', err.message);
      }));
    const source: Source = {
      async *list(folder, signal) {
        const base = await root();
        const start = await resolveInside(base, folder);
        const st = await fs.stat(start).catch(() => undefined);
        if (!st?.isDirectory()) throw new CloudError('not_found', `Folder ${folder || '/'} not found.`);
        // Depth-first, sorted, so listings are stable from run to run.
        const stack = [start];
        while (stack.length) {
          signal?.throwIfAborted();
          const dir = stack.pop()!;
          const dirents = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? 1 : -1));
          for (const d of dirents) {
            const abs = path.join(dir, d.name);
            if (d.isDirectory()) {
              stack.push(abs);
              continue;
            }
            if (!d.isFile() || d.name.endsWith(PARTIAL)) continue; // symlinks are not followed
            const fst = await fs.stat(abs).catch(() => undefined);
            if (!fst) continue;
            const item: SourceItem = {
              id: path.relative(base, abs).split(path.sep).join('/'),
              path: path.relative(start, abs).split(path.sep).join('/'),
              size: fst.size,
              modifiedAt: fst.mtime.toISOString(),
              mediaType: mediaTypeOf(d.name),
              version: `${fst.size}:${fst.mtimeMs}`,
            };
            yield item;
          }
        }
      },
      async open(item, opts = {}) {
        const file = await resolveInside(await root(), item.id);
        const handle = await fs.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
          throw new CloudError(err.code === 'ENOENT' ? 'not_found' : 'failed', `Cannot read ${item.id}: ${err.code ?? err.message}`);
        });
        const start = opts.offset ?? 0;
        // A bounded read (an archive's entry) reads just that; a whole file in large chunks.
        const end = opts.length !== undefined ? start + Math.max(1, opts.length) - 1 : undefined;
        const highWaterMark = opts.length !== undefined ? Math.min(1024 * 1024, Math.max(16 * 1024, opts.length)) : 1024 * 1024;
        return createReadStream('', { fd: handle, start, end, highWaterMark, signal: opts.signal }) as Readable;
      },
    };

    const destination: Destination = {
      async put(rel, open, opts) {
        const target = await resolveInside(await root(), rel);
        await fs.mkdir(path.dirname(target), { recursive: true });
        const saved = opts.checkpoint?.state as PartialState | null | undefined;
        const tmp = saved?.tmp ?? path.join(path.dirname(target), `.${path.basename(target)}.${crypto.randomBytes(4).toString('hex')}${PARTIAL}`);
        const sha = crypto.createHash('sha256');
        let md5: crypto.Hash | undefined;
        let offset = 0;
        if (saved) {
          // Resume: keep what was synced before the last checkpoint, hash it again, append the rest.
          const have = (await fs.stat(tmp).catch(() => undefined))?.size ?? 0;
          offset = Math.min(saved.offset, have);
          await fs.truncate(tmp, offset).catch(() => fs.writeFile(tmp, ''));
          if (offset > 0) for await (const chunk of createReadStream(tmp, { end: offset - 1, highWaterMark: 1024 * 1024 })) sha.update(chunk);
        }
        if (opts.expectedMd5 && offset === 0) md5 = crypto.createHash('md5');
        const file = await fs.open(tmp, saved ? 'r+' : 'w');
        let written = offset;
        let checkpointed = Boolean(saved);
        try {
          let sinceCheckpoint = 0;
          for await (const chunk of await open(offset)) {
            opts.signal?.throwIfAborted();
            await file.write(chunk, 0, chunk.length, written);
            sha.update(chunk);
            md5?.update(chunk);
            written += chunk.length;
            sinceCheckpoint += chunk.length;
            opts.onProgress?.(written);
            if (opts.checkpoint && sinceCheckpoint >= CHECKPOINT_BYTES) {
              await file.datasync();
              await opts.checkpoint.save({ tmp, offset: written } satisfies PartialState);
              checkpointed = true;
              sinceCheckpoint = 0;
            }
          }
          await file.sync();
        } catch (err) {
          await file.close();
          // Without a checkpoint saved there is nothing to resume from: leave no partial file
          // behind. With one, the partial file stays for the next attempt (or for abandon()).
          if (!checkpointed) await fs.rm(tmp, { force: true });
          throw err;
        }
        await file.close();
        if (opts.size !== undefined && written !== opts.size) {
          await fs.rm(tmp, { force: true });
          throw new CloudError('corrupt', `Expected ${opts.size} bytes, the source gave ${written}.`);
        }
        const sentMd5 = md5?.digest('hex');
        if (sentMd5 && sentMd5 !== opts.expectedMd5) {
          await fs.rm(tmp, { force: true });
          throw new CloudError('corrupt', `The bytes read have md5 ${sentMd5}; the source says ${opts.expectedMd5}.`);
        }
        // The destination's own check: read back what is on disk and compare with what was sent.
        const expected = sha.digest('hex');
        const onDisk = await hashFile(tmp, 'sha256');
        if (onDisk !== expected) {
          await fs.rm(tmp, { force: true });
          throw new CloudError('corrupt', `The file written to ${rel} differs from the bytes sent (sha256 ${onDisk} ≠ ${expected}).`);
        }
        if (opts.modifiedAt) await fs.utimes(tmp, new Date(), new Date(opts.modifiedAt)).catch(() => {});
        await fs.rename(tmp, target);
        return { size: written, hash: { kind: 'sha256', value: expected } };
      },
      async stat(rel) {
        const st = await fs.stat(await resolveInside(await root(), rel)).catch(() => undefined);
        return st?.isFile() ? { size: st.size } : null;
      },
      async hashOf(rel, kind) {
        const file = await resolveInside(await root(), rel);
        return hashFile(file, kind).catch(() => null);
      },
      async abandon(state) {
        const tmp = (state as PartialState | null)?.tmp;
        if (tmp?.endsWith(PARTIAL)) await fs.rm(tmp, { force: true });
      },
      async remove(rel, signal) {
        const file = await resolveInside(await root(), rel);
        signal?.throwIfAborted();
        // stat, not lstat: a symlink to a folder is refused like the folder itself.
        const st = await fs.stat(file).catch(() => undefined);
        if (!st) return;
        if (st.isDirectory()) throw new CloudError('invalid_options', `${rel || '/'} is a folder; Ferry removes single files only.`);
        // unlink never removes a folder, even one that took the file's place since the check.
        await fs.unlink(file).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return;
          if (err.code === 'EISDIR') throw new CloudError('invalid_options', `${rel} is a folder; Ferry removes single files only.`);
          throw new CloudError('failed', `Cannot remove ${rel}: ${err.code ?? err.message}. Check the folder's permissions.`);
        });
      },
    };

    return {
      features: { resumable: true, rangeReads: true, nativeHash: 'sha256' },
      source,
      destination,
      async check() {
        const dir = await root();
        try {
          await fs.access(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
        } catch {
          throw new CloudError('unauthorized', `Ferry cannot read and write ${dir}: check the folder's permissions.`);
        }
      },
      async browse(rel, cursor) {
        const base = await root();
        const dir = await resolveInside(base, rel);
        let dirents;
        try {
          dirents = await fs.readdir(dir, { withFileTypes: true });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT' || code === 'ENOTDIR') throw new CloudError('not_found', `Folder ${rel || '/'} not found.`);
          throw err;
        }
        const entries: Entry[] = [];
        for (const d of dirents) {
          const abs = path.join(dir, d.name);
          // Symlinks are followed only when they stay inside the root; others are not shown.
          const real = await fs.realpath(abs).catch(() => undefined);
          if (!real || !within(base, real)) continue;
          const st = await fs.stat(real).catch(() => undefined);
          if (!st || !(st.isDirectory() || st.isFile())) continue;
          const entryPath = path.relative(base, abs).split(path.sep).join('/');
          entries.push(
            st.isDirectory()
              ? { name: d.name, path: entryPath, type: 'folder', modifiedAt: st.mtime.toISOString() }
              : { name: d.name, path: entryPath, type: 'file', size: st.size, modifiedAt: st.mtime.toISOString() },
          );
        }
        return pageOf(entries, cursor, PAGE);
      },
    };
  },
});
