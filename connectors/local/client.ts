// Paths walked one folder at a time through open folder handles, never following a symbolic link.
// Checking a path and then using it by name leaves a window in which a folder can be swapped for a
// link to elsewhere; here each name is looked up in a folder already held open (/proc/self/fd/N/name
// resolves `name` in that very folder, like openat), and opened with O_NOFOLLOW: a link anywhere on
// the way is refused (ELOOP) at the moment of use, and a folder moved away meanwhile takes the
// writes with it, inside the user's folder. Linux only (/proc).
//
// And every file-system error the connector can meet, said as a CloudError a user can act on
// (toCloudError): messages name paths only relative to the cloud's folder, never a server path, and
// never whether something outside the user's own folder exists.
import { constants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import { CloudError } from '../types.ts';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW } = constants;

/**
 * What link() answers on a file system without hard links: FAT32 and exFAT disks (EPERM), SMB/CIFS
 * mounts without Unix extensions (EOPNOTSUPP, ENOTSUP), and one that allows too few (EMLINK).
 */
export const NO_HARD_LINKS = new Set(['EPERM', 'EOPNOTSUPP', 'ENOTSUP', 'EMLINK']);

export const supported = process.platform === 'linux';

/** File-system calls a test can replace, to play a file system that refuses them (no hard links). */
export const fsCalls = {
  link: (from: string, to: string): Promise<void> => fs.link(from, to),
};

/** A folder held open. `at(name)` names an entry of this very folder, whatever its path is now. */
export class Dir {
  private readonly handle: FileHandle;
  private constructor(handle: FileHandle) {
    this.handle = handle;
  }

  /** Opens the folder at an absolute path the operator controls (symlinks there are the operator's). */
  static async open(abs: string): Promise<Dir> {
    return new Dir(await fs.open(abs, O_RDONLY | O_DIRECTORY));
  }

  /** This folder itself, as a path. */
  get self(): string {
    return `/proc/self/fd/${this.handle.fd}`;
  }

  at(name: string): string {
    return `${this.self}/${name}`;
  }

  /** The sub-folder `name`, refused if it is a link; created when asked. */
  async sub(name: string, create = false): Promise<Dir> {
    try {
      return await this.openSub(name);
    } catch (err) {
      if (!create || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await fs.mkdir(this.at(name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err; // made meanwhile by another upload: use it
    });
    return this.openSub(name);
  }

  private async openSub(name: string): Promise<Dir> {
    try {
      return new Dir(await fs.open(this.at(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    } catch (err) {
      // O_DIRECTORY answers a link with ENOTDIR: say it is a link (ELOOP), as O_NOFOLLOW means.
      if (
        (err as NodeJS.ErrnoException).code === 'ENOTDIR' &&
        (await fs.lstat(this.at(name)).catch(() => undefined))?.isSymbolicLink()
      ) {
        throw Object.assign(new Error(`ELOOP: a link, not followed, open '${this.at(name)}'`), {
          code: 'ELOOP',
          syscall: 'open',
        });
      }
      throw err;
    }
  }

  /** The folder `names` below this one (this one is left open). */
  async walk(names: string[], create = false): Promise<Dir> {
    let dir: Dir = this;
    try {
      for (const name of names) {
        const next = await dir.sub(name, create);
        if (dir !== this) await dir.close();
        dir = next;
      }
      return dir === this ? new Dir(await fs.open(this.self, O_RDONLY | O_DIRECTORY)) : dir;
    } catch (err) {
      if (dir !== this) await dir.close();
      throw err;
    }
  }

  /** Opens a file of this folder, refusing a link; `flags` as fs.open takes them. */
  file(name: string, flags: number, mode?: number): Promise<FileHandle> {
    return fs.open(this.at(name), flags | O_NOFOLLOW, mode);
  }

  /**
   * Gives the file `from` of this folder the name `to` in the folder `into` (this one unless given),
   * never replacing a file at `to` (EEXIST then). `from` may keep its own name too (a hard link);
   * the caller removes it.
   */
  async commitNew(from: string, to: string, into: Dir = this): Promise<void> {
    try {
      // link() fails with EEXIST when anything is at `to`, whatever came there since the plan.
      return await fsCalls.link(this.at(from), into.at(to));
    } catch (err) {
      if (!NO_HARD_LINKS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
    // No hard links on this file system. The name is reserved with an exclusive create (O_EXCL:
    // EEXIST when anything is at `to`, a link included, which O_NOFOLLOW does not follow), then the
    // file is renamed over that empty file of ours. Still no replace: rename() replaces only the
    // empty file this call created, because the name was ours at the moment of the exclusive create.
    const reserved = await fs.open(into.at(to), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    let mine;
    try {
      mine = await reserved.stat();
    } finally {
      await reserved.close();
    }
    try {
      await fs.rename(this.at(from), into.at(to));
    } catch (err) {
      // The reservation goes too, if it is still our empty file: no empty file is left in its place.
      const now = await fs.lstat(into.at(to)).catch(() => undefined);
      if (now && now.ino === mine.ino && now.dev === mine.dev && now.size === 0)
        await fs.unlink(into.at(to)).catch(() => {});
      throw err;
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Runs `use` on the folder, then closes it. */
export async function within<T>(dir: Dir | Promise<Dir>, use: (d: Dir) => Promise<T>): Promise<T> {
  const d = await dir;
  try {
    return await use(d);
  } finally {
    await d.close();
  }
}

/** Whether `err` came from a file-system call (Node's errno errors carry a syscall). */
function isErrno(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | null;
  return typeof e?.code === 'string' && e.code.startsWith('E') && typeof e.syscall === 'string';
}

/**
 * `err` as a CloudError about `rel` (a path relative to the cloud's folder, '' for the folder
 * itself). CloudErrors and errors that are not the file system's (an abort) pass unchanged.
 */
export function toCloudError(err: unknown, rel: string): unknown {
  if (!isErrno(err)) return err;
  const what = rel ? `"${rel}"` : "the cloud's folder";
  const cause = { cause: err };
  if (err.syscall === 'link' && NO_HARD_LINKS.has(err.code!)) {
    return new CloudError(
      'invalid_options',
      `${what} could not be committed: this file system has no hard links ` +
        `(a FAT32 or exFAT disk, or an SMB share without Unix extensions).`,
      cause,
    );
  }
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new CloudError('not_found', `${rel || "The cloud's folder"} not found.`, cause);
    case 'ELOOP':
      return new CloudError(
        'invalid_options',
        `${what} is or goes through a symbolic link; ` +
          `Ferry does not follow links, which could lead outside the cloud's folder.`,
        cause,
      );
    case 'ENAMETOOLONG':
      return new CloudError(
        'invalid_options',
        `A name in ${what} is longer than the server's file system allows (255 bytes per name).`,
        cause,
      );
    case 'EINVAL':
    case 'EILSEQ':
      return new CloudError('invalid_options', `${what} is not a name the server's file system accepts.`, cause);
    case 'EISDIR':
    case 'ENOTEMPTY':
      return new CloudError('invalid_options', `${what} is a folder.`, cause);
    case 'EEXIST':
      return new CloudError('exists', `${what} already exists; it was left as it is.`, cause);
    case 'EACCES':
    case 'EPERM':
      return new CloudError(
        'invalid_options',
        `The server does not let Ferry use ${what}: the operator should check the permissions of your folder.`,
        cause,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new CloudError('failed', `The server's disk is full: ${what} could not be written.`, cause);
    case 'EROFS':
      return new CloudError(
        'invalid_options',
        `The server's folder is read-only: ${what} could not be written.`,
        cause,
      );
    case 'EMFILE':
    case 'ENFILE':
      return new CloudError('failed', 'The server has too many files open; Ferry will try again.', cause);
    case 'EIO':
      return new CloudError('failed', `The server's disk reported an error while using ${what}.`, cause);
    default:
      // The code says what happened without saying anything of the server.
      return new CloudError('failed', `The server could not use ${what} (${err.code}).`, cause);
  }
}

/**
 * Feeds the first `end` bytes of an open file (all of it when undefined) to `hash`. Its buffer is no
 * larger than the file: a run of small files would otherwise take a MiB of memory outside the heap
 * per file, and a collection every few files to give it back (a quarter of the CPU of a local copy).
 */
export async function feed(file: FileHandle, hash: { update(data: Uint8Array): unknown }, end?: number): Promise<void> {
  const size = end ?? (await file.stat()).size;
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(1024 * 1024, size)));
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
