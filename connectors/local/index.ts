// Local folder (NAS mount, attached disk) as a cloud, confined to the operator's FERRY_LOCAL_ROOTS.
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CloudError, defineConnector, type ConnectorEnv, type Entry } from '../types.ts';
import { pageOf } from '../paging.ts';

const options = z.strictObject({
  root: z.string().min(1).max(4096).describe('Absolute folder inside one of the folders the operator allows (FERRY_LOCAL_ROOTS)'),
});
type Options = z.infer<typeof options>;

const PAGE = 500;

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
    const root = () => confinedRoot(cloud.options.root, env).catch((err: CloudError) => {
      throw new CloudError('unreachable', err.message);
    });
    return {
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
