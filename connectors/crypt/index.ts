// An encrypted folder of another of the user's clouds, in rclone's crypt format (byte-compatible:
// Debian's rclone with a crypt remote of the same password and salt reads what Ferry writes, and
// Ferry reads what rclone wrote). Like rclone's crypt backend it wraps a cloud: names and bytes are
// encrypted on the way in (upload.ts), decrypted on the way out (read.ts); the format itself is in
// keys.ts, names.ts and blocks.ts. The password and salt are sealed like every credential.
import crypto from 'node:crypto';
import { z } from 'zod';
import { hasherFor } from '../lib/hashes.ts';
import { cloudPath, segmentsOf } from '../lib/paths.ts';
import { pageOf } from '../lib/paging.ts';
import { mediaTypeOf } from '../media.ts';
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
import { encryptedSize, plainSize } from './blocks.ts';
import { deriveKeys, type CryptKeys } from './keys.ts';
import { decryptPath, encryptPath, type NameMode } from './names.ts';
import { firstBlockAuthenticates, isCryptError, openDecrypted, type StoredFile } from './read.ts';
import { innerState, putEncrypted } from './upload.ts';

const options = z.strictObject({
  cloudId: z
    .uuid()
    .describe('The connected cloud the encrypted files are stored in (Google Drive, Dropbox, OneDrive, S3, a folder)'),
  path: cloudPath
    .default('')
    .describe("The folder there that holds the encrypted files, as rclone's crypt remote names it ('' for the root)"),
  password: z
    .string()
    .min(1)
    .max(1024)
    .meta({ writeOnly: true })
    .describe("The password (rclone's password): without it the backup cannot be read by anyone, Ferry included"),
  salt: z
    .string()
    .max(1024)
    .optional()
    .meta({ writeOnly: true })
    .describe("Optional second password (rclone's password2, the salt); omitted: rclone's default salt"),
  filenameEncryption: z
    .enum(['standard', 'off'])
    .default('standard')
    .describe("'standard': names encrypted too, as rclone's default; 'off': names kept, '.bin' added"),
});
type Options = z.infer<typeof options>;

/** The one error of a listing no name or block of which decrypts. */
export const WRONG_PASSWORD = 'cannot decrypt: wrong password or not a Ferry/rclone crypt folder';

/** Entries per browse() page. */
const BROWSE_PAGE = 500;

/** Files whose first block is tried, at most, before a listing is judged not decryptable. */
const PROBES = 3;

/**
 * The keys of a (password, salt), derived once per process: scrypt costs tens of milliseconds on
 * purpose, and every copy job opens the cloud again. Kept in env.accounts (bounded), under a hash
 * so the registry's keys hold no password.
 */
function keysOf(o: Options, env: ConnectorEnv): Promise<CryptKeys> {
  const id = crypto
    .createHash('sha256')
    .update(JSON.stringify([o.password, o.salt ?? '']))
    .digest('hex');
  return env.accounts.get('crypt:keys', id, () => deriveKeys(o.password, o.salt));
}

const join = (...parts: string[]) => parts.filter(Boolean).join('/');

export default defineConnector<Options>({
  kind: 'crypt',
  title: 'Encrypted folder (rclone crypt)',
  titles: {
    en: 'Encrypted folder (rclone crypt)',
    de: 'Verschlüsselter Ordner (rclone crypt)',
    fr: 'Dossier chiffré (rclone crypt)',
  },
  nouns: {
    en: 'encrypted folder',
    de: 'verschlüsselter Ordner',
    fr: 'dossier chiffré',
  },
  auth: 'credentials',
  source: true,
  destination: true,
  options,
  // Tried before it is stored: a wrong password on an existing vault is refused at once.
  wraps: {
    kinds: ['google-drive', 'dropbox', 'onedrive', 's3', 'local'],
    cloudId: (o: Options) => o.cloudId,
    tried: true,
  },
  unavailable: () => null,
  open: (cloud, env) => openCrypt(cloud, env),
});

function openCrypt(cloud: CloudConfig<Options>, env: ConnectorEnv): CloudHandle {
  const o = cloud.options;
  const wrapped = cloud.wrapped;
  if (!wrapped?.source || !wrapped.destination)
    throw new CloudError('invalid_options', 'An encrypted folder needs the cloud it stores its files in.');
  const storage: Source = wrapped.source;
  const store: Destination = wrapped.destination;
  const mode: NameMode = o.filenameEncryption;
  const keys = () => keysOf(o, env);

  /** Where a plaintext path (a file, or a folder) is in the wrapped cloud. */
  const storedPath = (k: CryptKeys, rel: string, isFile: boolean) => {
    const names = segmentsOf(rel).join('/');
    return join(o.path, names && encryptPath(k, names, mode, isFile));
  };

  /** The plaintext path of a wrapped id where ids are paths (a folder, S3), for messages; else the id. */
  function nameOf(k: CryptKeys, id: string): string {
    const prefix = o.path ? `${o.path}/` : '';
    if (!id.startsWith(prefix)) return id;
    try {
      return decryptPath(k, id.slice(prefix.length), mode, true);
    } catch {
      return id;
    }
  }

  /**
   * The files directly in one stored folder, by name: the ids open() needs are the provider's, so a
   * file is found by listing its folder. The last folder listed is kept (checks such as a
   * verification ask for one file after the other of a folder); a write through this handle drops it.
   */
  let folderFiles: { at: string; files: Promise<Map<string, SourceItem> | null> } | undefined;
  function filesIn(at: string, signal?: AbortSignal): Promise<Map<string, SourceItem> | null> {
    if (folderFiles?.at === at) return folderFiles.files;
    const files = (async () => {
      const found = new Map<string, SourceItem>();
      try {
        for await (const item of storage.list(at, signal)) if (!item.path.includes('/')) found.set(item.path, item);
      } catch (err) {
        if (err instanceof CloudError && err.reason === 'not_found') return null;
        throw err;
      }
      return found;
    })();
    folderFiles = { at, files };
    files.catch(() => {
      if (folderFiles?.files === files) folderFiles = undefined;
    });
    return files;
  }

  /** A write through this handle: the folder kept is dropped once it is over, whatever its outcome. */
  async function changing<T>(write: Promise<T>): Promise<T> {
    try {
      return await write;
    } finally {
      folderFiles = undefined;
    }
  }

  /** The wrapped file at a stored path, or null. */
  async function findStored(at: string, signal?: AbortSignal): Promise<SourceItem | null> {
    const parts = at.split('/');
    const name = parts.pop()!;
    return (await filesIn(parts.join('/'), signal))?.get(name) ?? null;
  }

  const source: Source = {
    /**
     * The wrapped folder's files with their names and sizes decrypted. Which names count: a file whose
     * name does not decrypt, among files that do, is skipped (a stray file, as rclone skips it); when
     * none decrypts, or the first files' first blocks do not authenticate (names alone prove little:
     * with 'off' they are plain, and a wrong key passes EME's padding check one time in 256), the
     * password is wrong or the folder is not a vault, and the listing fails with that one error
     * rather than failing every file. Files are held back until one block has authenticated.
     */
    async *list(folder, signal) {
      const k = await keys();
      const at = storedPath(k, folder, false);
      const wrong = () => new CloudError('invalid_options', `${WRONG_PASSWORD}.`);
      let verified = false;
      let undecryptable = 0;
      let probes = 0;
      let pending: SourceItem[] = [];
      try {
        for await (const item of storage.list(at, signal)) {
          let rel: string;
          try {
            rel = decryptPath(k, item.path, mode, true);
          } catch (err) {
            if (!isCryptError(err)) throw err;
            undecryptable++;
            continue;
          }
          const out = itemOf(item, rel);
          if (verified) {
            yield out;
            continue;
          }
          pending.push(out);
          if (out.problem || !out.size || item.size === undefined) continue;
          probes++;
          const stored: StoredFile = { id: item.id, size: item.size, version: item.version };
          if (await firstBlockAuthenticates(storage, k, stored, out.size, signal)) {
            verified = true;
            yield* pending;
            pending = [];
          } else if (probes >= PROBES) throw wrong();
        }
      } catch (err) {
        if (err instanceof CloudError && err.reason === 'not_found')
          throw new CloudError('not_found', `There is no folder ${folder || o.path || '/'} in the encrypted folder.`);
        throw err;
      }
      if (verified) return;
      // Every block tried failed, or no name decrypted at all.
      if (probes > 0 || (undecryptable > 0 && pending.length === 0)) throw wrong();
      // Only empty files (nothing to authenticate): their names decrypted.
      yield* pending;
    },

    async open(item, opts = {}) {
      const k = await keys();
      const file: StoredFile = {
        id: item.id,
        size: item.size !== undefined ? encryptedSize(item.size) : undefined,
        version: item.version,
      };
      return openDecrypted(storage, k, file, nameOf(k, item.id), opts);
    },
  };

  /** A source item of the wrapped cloud as the plaintext it holds (`rel`: its decrypted path). */
  function itemOf(item: SourceItem, rel: string): SourceItem {
    let size: number | undefined;
    let problem: string | undefined;
    try {
      size = item.size !== undefined ? plainSize(item.size) : undefined;
    } catch (err) {
      if (!isCryptError(err)) throw err;
      const bytes = item.size;
      problem = `${rel} is not a whole encrypted file (no encrypted file has ${bytes} bytes): cut short or damaged.`;
    }
    // The wrapped hashes are of the ciphertext: none is given for the plaintext.
    return {
      id: item.id,
      path: rel,
      size: size ?? (problem ? 0 : undefined),
      modifiedAt: item.modifiedAt,
      mediaType: mediaTypeOf(rel.split('/').pop()!),
      version: item.version,
      ...(item.trashed ? { trashed: true } : {}),
      ...(problem ? { problem } : item.problem ? { problem: item.problem } : {}),
    };
  }

  const destination: Destination = {
    async put(rel, open, opts) {
      const k = await keys();
      return changing(putEncrypted(store, k, storedPath(k, rel, true), open, opts));
    },
    async stat(rel, signal) {
      const k = await keys();
      const st = await store.stat(storedPath(k, rel, true), signal);
      if (!st) return null;
      try {
        return { size: plainSize(st.size) };
      } catch {
        // A damaged file of no plaintext size: a size no file has, so it never passes for the one copied.
        return { size: -1 };
      }
    },
    // The wrapped hash is the ciphertext's, which another nonce changes: the plaintext is read back
    // (decrypted, so every block authenticated) and hashed with the kind asked for, else sha256.
    async hashOf(rel, signal, prefer) {
      const k = await keys();
      const found = await findStored(storedPath(k, rel, true), signal);
      if (!found) return null;
      const kind: HashKind = prefer && hasherFor(prefer) ? prefer : 'sha256';
      const h = hasherFor(kind)!;
      try {
        const stream = await openDecrypted(storage, k, found, rel, { signal });
        for await (const chunk of stream) h.update(chunk as Buffer);
      } catch (err) {
        if (signal?.aborted) throw err;
        // Damaged or gone: its content is unknown, never taken as matching.
        if (err instanceof CloudError && (err.reason === 'corrupt' || err.reason === 'not_found')) return null;
        throw err;
      }
      return { kind, value: h.digest() };
    },
    async abandon(state) {
      const inner = innerState(state);
      if (inner) await store.abandon?.(inner);
    },
    async remove(rel, signal) {
      if (!store.remove) return;
      const k = await keys();
      await changing(store.remove(storedPath(k, rel, true), signal));
    },
  };
  // A move renames on the wrapped cloud: the bytes, and so their encryption, stay as they are (a
  // file's name is not part of its ciphertext). The errors name the plaintext paths.
  const move = store.move?.bind(store);
  if (move)
    destination.move = async (from, to, signal) => {
      const k = await keys();
      try {
        await changing(move(storedPath(k, from, true), storedPath(k, to, true), signal));
      } catch (err) {
        if (!(err instanceof CloudError)) throw err;
        if (err.reason === 'not_found') throw new CloudError('not_found', `There is no file ${from} to move.`);
        if (err.reason === 'exists')
          throw new CloudError('exists', `${to} is there already; ${from} was not moved over it.`);
        throw err;
      }
    };

  return {
    features: wrapped.features,
    source,
    destination,
    /**
     * The wrapped cloud is reachable, and the folder, if it holds files, decrypts with this password:
     * a wrong password on an existing vault is said now, not at the first run.
     */
    async check(signal) {
      await wrapped.check(signal);
      try {
        for await (const _ of source.list('', signal)) break;
      } catch (err) {
        // A vault not made yet: its first backup makes it.
        if (err instanceof CloudError && err.reason === 'not_found') return;
        throw err;
      }
    },
    /**
     * One folder with names and sizes decrypted; entries that do not decrypt are left out. Decrypted
     * names sort otherwise than stored ones, so the folder is read whole and paged here.
     */
    async browse(rel, cursor, signal) {
      const k = await keys();
      const at = storedPath(k, rel, false);
      const folder = segmentsOf(rel).join('/');
      const entries: Entry[] = [];
      let next: string | undefined;
      do {
        const page = await wrapped.browse(at, next, signal);
        for (const e of page.entries) {
          try {
            const name = decryptPath(k, e.name, mode, e.type === 'file');
            const plain: Entry = { ...e, name, path: join(folder, name) };
            if (e.type === 'file' && e.size !== undefined) plain.size = plainSize(e.size);
            entries.push(plain);
          } catch (err) {
            if (!isCryptError(err)) throw err;
          }
        }
        next = page.nextCursor;
      } while (next);
      return pageOf(entries, cursor, BROWSE_PAGE);
    },
  };
}
