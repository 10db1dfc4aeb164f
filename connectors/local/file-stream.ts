// A file's bytes as a stream, read at their positions from an open handle. Unlike fs.ReadStream,
// destroying it never closes the handle itself (ReadStream closes its fd even with autoClose off):
// `done` says what happens then, so that reads of an archive's entries can share one open file.
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { READ_INTO } from '../lib/bytes.ts';

export interface FileRange {
  start: number;
  /** The last byte read (inclusive); to the file's end when not given. */
  end?: number;
  highWaterMark: number;
  signal?: AbortSignal;
}

/**
 * `handle`'s bytes from `range.start` to `range.end`. An upload may read them straight into its
 * part buffers instead (bytes.ts: READ_INTO), from the same place to the same end; the stream is
 * then never read, only destroyed. `done` runs once it is destroyed (at its end, on an error, or
 * by its reader), after its last read; FileHandle.close() waits for reads still under way.
 */
export function fileStream(handle: FileHandle, range: FileRange, name: string, done: () => Promise<void>): Readable {
  const { start, end, highWaterMark, signal } = range;
  let position = start;
  const left = (wanted: number) => (end === undefined ? wanted : Math.min(wanted, end + 1 - position));
  const stream = new Readable({
    highWaterMark,
    signal,
    read() {
      const length = left(highWaterMark);
      if (length <= 0) {
        this.push(null);
        return;
      }
      const buffer = Buffer.allocUnsafeSlow(length);
      handle.read(buffer, 0, length, position).then(
        ({ bytesRead }) => {
          position += bytesRead;
          this.push(bytesRead ? buffer.subarray(0, bytesRead) : null);
        },
        (err) => this.destroy(err),
      );
    },
    destroy(err, callback) {
      done().then(
        () => callback(err),
        (closeErr) => callback(err ?? closeErr),
      );
    },
  });
  const readInto = async (into: Buffer): Promise<number> => {
    signal?.throwIfAborted();
    if (stream.destroyed) throw new Error(`The read of ${name} was closed.`);
    const length = left(into.length);
    if (length <= 0) return 0;
    const { bytesRead } = await handle.read(into, 0, length, position);
    position += bytesRead;
    return bytesRead;
  };
  return Object.assign(stream, { [READ_INTO]: readInto });
}
