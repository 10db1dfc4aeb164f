// The one check of a path a user gives inside a cloud (a cloud's options, a task's folders): every
// connector and schema uses it, so `..`, NUL or a control character never reaches a provider or
// the server's file system, and 'a//b' is not silently another folder than the user meant.
import { z } from 'zod';

/** Why `p` is not a usable cloud-relative path, or null. One leading and one trailing '/' are allowed. */
export function pathProblem(p: string): string | null {
  // Control characters (C0, DEL, C1) have no place in a file name a person typed; NUL ends C strings.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(p)) return 'must not contain control characters';
  const inner = p.replace(/^\//, '').replace(/\/$/, '');
  if (inner === '') return null;
  for (const segment of inner.split('/')) {
    if (segment === '') return 'must not contain empty segments (//)';
    if (segment === '..' || segment === '.') return 'must not contain "." or ".." segments';
  }
  return null;
}

/** The path's names, in order ([] for the cloud's root). Call on a path pathProblem accepted. */
export function segmentsOf(p: string): string[] {
  return p.split('/').filter(Boolean);
}

/** A folder path inside a cloud, checked by pathProblem, stored without leading or trailing slash. */
export const cloudPath = z
  .string()
  .max(1024)
  .superRefine((p, ctx) => {
    const problem = pathProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((p) => segmentsOf(p).join('/'));
