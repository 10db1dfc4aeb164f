// Local clouds live in their owner's space, <a folder of FERRY_LOCAL_ROOTS>/<user id>/: tests put
// a user's files there and name the cloud's root relative to it.
import fs from 'node:fs/promises';
import path from 'node:path';

/** Makes (if needed) and returns the folder `names` in the user's space under `root`. */
export async function localFolder(root: string, user: { id: string }, ...names: string[]): Promise<string> {
  const dir = path.join(root, user.id, ...names);
  await fs.mkdir(dir, { recursive: true });
  return dir;
}
