// Every file-system error the local connector can meet, said as a CloudError a user can act on.
// Messages name paths only relative to the cloud's folder: never a server path, and never whether
// something outside the user's own folder exists.
import { CloudError } from '../types.ts';
import { NO_HARD_LINKS } from './dirs.ts';

/** Whether `err` came from a file-system call (Node's errno errors carry a syscall). */
function isErrno(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | null;
  return typeof e?.code === 'string' && e.code.startsWith('E') && typeof e.syscall === 'string';
}

/**
 * `err` as a CloudError about `rel` (a path relative to the cloud's folder, '' for the folder
 * itself). CloudErrors and errors that are not the file system's (an abort) pass unchanged.
 */
export function fsError(err: unknown, rel: string): unknown {
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
