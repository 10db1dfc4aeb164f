// What kind of media a file is, from its name: filters and layouts use it.
import type { MediaType } from './types.ts';

const PHOTO = new Set([
  'jpg',
  'jpeg',
  'jpe',
  'png',
  'gif',
  'heic',
  'heif',
  'webp',
  'avif',
  'jxl',
  'tif',
  'tiff',
  'bmp',
  'dng',
  'cr2',
  'cr3',
  'nef',
  'arw',
  'orf',
  'rw2',
  'raf',
  'srw',
  'pef',
  'raw',
]);
const VIDEO = new Set([
  'mp4',
  'm4v',
  'mov',
  'avi',
  'mkv',
  'webm',
  '3gp',
  '3g2',
  'mts',
  'm2ts',
  'mpg',
  'mpeg',
  'wmv',
  'flv',
]);

/**
 * A Google Photos item's identity however it was read (Picker, Takeout): its file name as uploaded
 * and the time it was taken, to the second (the Picker gives fractions, Takeout whole seconds).
 */
export function photoIdentity(title: string, takenAt: string | Date): string | undefined {
  const t = new Date(takenAt);
  if (!title || Number.isNaN(t.getTime())) return undefined;
  return `gphotos:${title.normalize('NFC')}@${t.toISOString().slice(0, 19)}Z`;
}

export function mediaTypeOf(name: string): MediaType {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  return PHOTO.has(ext) ? 'photo' : VIDEO.has(ext) ? 'video' : 'other';
}
