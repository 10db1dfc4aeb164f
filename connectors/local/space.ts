// Each user's own space on the server: <allowed root>/<user id>/ under every folder of
// FERRY_LOCAL_ROOTS, created (0700) on first use. A local cloud's root is a folder in its owner's
// space; nothing can name the shared root or another user's space. The space itself may be a
// symbolic link or a mount the operator placed (that is how a user is granted an existing NAS
// folder); below it no link is ever followed (dirs.ts).
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathProblem, segmentsOf } from '../lib/paths.ts';
import { CloudError, type ConnectorEnv } from '../types.ts';
import { Dir } from './client.ts';

export interface Place {
  /** The owner's space, as an absolute path. */
  space: string;
  /** The names from the space down to the cloud's folder. */
  names: string[];
}

/** The user's space in the first allowed root: where a relative root is taken from. */
export function mainSpace(env: ConnectorEnv, userId: string): string {
  return path.join(env.localRoots[0], userId);
}

/**
 * Where `root` lies in the user's space: relative to the first allowed root's space, or absolute
 * inside one of the user's spaces. Null when it is not in one of them. Decided on the words of the
 * path alone, so nothing is learnt of the server by trying paths outside it.
 */
export async function locate(root: string, env: ConnectorEnv, userId: string): Promise<Place | null> {
  if (!/^[\w-]+$/.test(userId) || pathProblem(root) || env.localRoots.length === 0) return null;
  if (!path.isAbsolute(root)) return { space: mainSpace(env, userId), names: segmentsOf(root) };
  for (const allowed of env.localRoots) {
    // Roots stored before spaces existed were resolved (realpath): the resolved form counts too.
    const real = await resolvedRoot(allowed);
    for (const base of new Set([allowed, real])) {
      const space = path.join(base, userId);
      if (root === space || root.startsWith(`${space}/`)) return { space, names: segmentsOf(root.slice(space.length)) };
    }
  }
  return null;
}

/**
 * An allowed root's real path, resolved once per process: the operator's folders do not move
 * while Ferry runs, and every file a run reads or writes passes through locate().
 */
const resolvedRoots = new Map<string, Promise<string>>();
function resolvedRoot(allowed: string): Promise<string> {
  let real = resolvedRoots.get(allowed);
  if (!real) {
    real = fs.realpath(allowed).catch(() => {
      resolvedRoots.delete(allowed); // not there yet: asked again next time
      return allowed;
    });
    resolvedRoots.set(allowed, real);
  }
  return real;
}

/** Opens the user's space, creating it (0700: only Ferry's account reads it) on first use. */
export async function openSpace(space: string): Promise<Dir> {
  try {
    return await Dir.open(space);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw unavailableSpace(err);
  }
  await fs.mkdir(space, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw unavailableSpace(err);
  });
  return Dir.open(space).catch((err) => {
    throw unavailableSpace(err);
  });
}

function unavailableSpace(err: unknown): CloudError {
  return new CloudError(
    'unreachable',
    'Your folder on the server cannot be opened: ask the operator to check the folders of FERRY_LOCAL_ROOTS.',
    { cause: err },
  );
}
