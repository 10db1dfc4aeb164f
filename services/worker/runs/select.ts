// Which source items a task copies, and where each goes: the task's filter and layout.
import path from 'node:path';
import type { SourceItem } from '../../../connectors/types.ts';
import type { TaskFilter } from '../../core/task-spec.ts';

export function selected(item: SourceItem, f: TaskFilter): boolean {
  const p = item.path;
  if (item.trashed && !f.includeTrashed) return false;
  if (f.include?.length && !f.include.some((g) => path.posix.matchesGlob(p, g))) return false;
  if (f.exclude?.some((g) => path.posix.matchesGlob(p, g))) return false;
  if (f.mediaTypes && !f.mediaTypes.includes(item.mediaType)) return false;
  if (f.minSize !== undefined && (item.size === undefined || item.size < f.minSize)) return false;
  if (f.maxSize !== undefined && (item.size === undefined || item.size > f.maxSize)) return false;
  const when = item.modifiedAt ? Date.parse(item.modifiedAt) : undefined;
  if (f.after && (when === undefined || when < Date.parse(f.after))) return false;
  if (f.before && (when === undefined || when >= Date.parse(f.before))) return false;
  return true;
}

/** Whether the filter leaves out anything but trashed items: a run of such a task copies all there is. */
export function complete(f: TaskFilter): boolean {
  return Object.entries(f).every(([k, v]) => k === 'includeTrashed' || v === undefined);
}

/**
 * The destination path of an item: the task's folder, then the layout template filled from the
 * item (dates in UTC), or the item's own path under the source folder when there is no layout.
 */
export function destinationPath(
  item: Pick<SourceItem, 'path' | 'modifiedAt'>,
  folder: string,
  layout: string | undefined,
): string {
  const rel = item.path;
  let out = rel;
  if (layout) {
    const name = path.posix.basename(rel);
    const ext = path.posix.extname(name);
    const date = new Date(item.modifiedAt ?? 0);
    const two = (n: number) => String(n).padStart(2, '0');
    const tokens: Record<string, string> = {
      yyyy: String(date.getUTCFullYear()),
      mm: two(date.getUTCMonth() + 1),
      dd: two(date.getUTCDate()),
      name,
      stem: ext ? name.slice(0, -ext.length) : name,
      ext: ext.slice(1),
      dir: path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel),
      path: rel,
    };
    out = layout.replace(/\{(\w+)\}/g, (_, t: string) => tokens[t] ?? '');
  }
  return joinPath(folder, out);
}

/** `rel` under the task's `folder` (stored normalised), as a destination path: without empty, '.' or '..' segments. */
export function joinPath(folder: string, rel: string): string {
  return [folder, ...rel.split('/')].filter((s) => s && s !== '.' && s !== '..').join('/');
}

/** "name (1).ext", "name (2).ext", …: the n-th alternative path for the rename conflict policy. */
export function renamed(p: string, n: number): string {
  const ext = path.posix.extname(p);
  return `${p.slice(0, p.length - ext.length)} (${n})${ext}`;
}

/** Whether `p` is `base` or one of its alternatives "base (n).ext". */
export function renamedFrom(base: string, p: string): boolean {
  if (p === base) return true;
  const ext = path.posix.extname(base);
  const stem = `${base.slice(0, base.length - ext.length)} (`;
  const tail = `)${ext}`;
  return (
    p.length > stem.length + tail.length &&
    p.startsWith(stem) &&
    p.endsWith(tail) &&
    /^\d+$/.test(p.slice(stem.length, p.length - tail.length))
  );
}
