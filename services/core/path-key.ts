/**
 * A path as destinations compare them when deciding whether a file is there: Dropbox and OneDrive
 * ignore case, and names may come back in another Unicode form. On a destination that tells such
 * paths apart this errs on the side of looking (the file is checked before its copy), never of
 * missing one. Stored beside destination paths (dest_key), as PostgreSQL's lower() folds case
 * otherwise than JavaScript outside ASCII.
 */
export function pathKey(p: string): string {
  return p.normalize('NFC').toLowerCase();
}
