// HTTP Range requests for Source.open: from an offset, to the end or for a known length.

/** The Range header for `length` bytes from `offset` (to the end without a length); undefined for the whole file. */
export function rangeHeader(offset: number, length?: number): string | undefined {
  if (length !== undefined) return `bytes=${offset}-${offset + Math.max(1, length) - 1}`;
  return offset > 0 ? `bytes=${offset}-` : undefined;
}
