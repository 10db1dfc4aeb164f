// What kind of media a file is, from its name: filters and layouts use it.
import type { MediaType } from './types.ts';

const PHOTO = new Set(['jpg', 'jpeg', 'jpe', 'png', 'gif', 'heic', 'heif', 'webp', 'avif', 'jxl', 'tif', 'tiff', 'bmp', 'dng', 'cr2', 'cr3', 'nef', 'arw', 'orf', 'rw2', 'raf', 'srw', 'pef', 'raw']);
const VIDEO = new Set(['mp4', 'm4v', 'mov', 'avi', 'mkv', 'webm', '3gp', '3g2', 'mts', 'm2ts', 'mpg', 'mpeg', 'wmv', 'flv']);

export function mediaTypeOf(name: string): MediaType {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  return PHOTO.has(ext) ? 'photo' : VIDEO.has(ext) ? 'video' : 'other';
}
