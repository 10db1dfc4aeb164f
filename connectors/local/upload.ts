// Writes to a local folder: the bytes go to a partial file beside the target, synced and
// checkpointed every 16 MiB so a killed worker resumes it, read back and checked against what was
// sent, then committed by name: 'replace' renames over the target; 'create' never replaces a file
// that came there since the plan (client.ts: link(), or an exclusive create and a rename).
import crypto from 'node:crypto';
import { constants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CloudError, type PutOptions, type Stored } from '../types.ts';
import { type Dir, feed, toCloudError } from './client.ts';

const { O_RDWR, O_CREAT, O_EXCL } = constants;

/** Uploads in progress are written into the target's folder under this suffix, then committed. */
export const PARTIAL = '.ferry-partial';
// A resumable write saves its offset (after syncing the data) every this many bytes.
const CHECKPOINT_BYTES = 16 * 1024 * 1024;

/** A partial upload: its file's name in the folder `folder` (relative to the cloud's root). */
interface PartialState {
  folder: string;
  tmp: string;
  offset: number;
}

/**
 * Writes `name` in the open folder `dir` (`folder` from the cloud's root; `rel` the file's path, for
 * messages), and closes `dir`.
 */
export async function writeFile(
  dir: Dir,
  folder: string,
  name: string,
  rel: string,
  open: (offset: number) => Promise<Readable>,
  opts: PutOptions,
): Promise<Stored> {
  const saved = opts.checkpoint?.state as Partial<PartialState> | null | undefined;
  let tmp = '';
  let file: FileHandle | undefined;
  // Which part failed: the source's and the checkpoint's errors pass as they are; the disk's are
  // said as CloudErrors. Once the bytes are all written ('commit'), a failure removes the partial file.
  let stage: 'disk' | 'source' | 'commit' = 'disk';
  let checkpointed = false;
  try {
    const sha = crypto.createHash('sha256');
    let offset = 0;
    // Resume only a partial file of this very folder, saved by the last attempt.
    if (
      saved &&
      saved.folder === folder &&
      typeof saved.tmp === 'string' &&
      !saved.tmp.includes('/') &&
      saved.tmp.endsWith(PARTIAL)
    ) {
      const old = await dir.file(saved.tmp, O_RDWR).catch(() => undefined);
      const st = await old?.stat();
      if (old && st?.isFile() && st.nlink === 1) {
        [file, tmp, checkpointed] = [old, saved.tmp, true];
        offset = Math.min(saved.offset ?? 0, st.size);
        await file.truncate(offset);
        await feed(file, sha, offset);
      } else await old?.close();
    }
    if (!file) {
      tmp = `.${crypto.randomBytes(8).toString('hex')}${PARTIAL}`;
      file = await dir.file(tmp, O_RDWR | O_CREAT | O_EXCL, 0o666);
    }
    const md5 = opts.expectedMd5 && offset === 0 ? crypto.createHash('md5') : undefined;
    let written = offset;
    let sinceCheckpoint = 0;
    stage = 'source';
    for await (const chunk of await open(offset)) {
      stage = 'disk';
      opts.signal?.throwIfAborted();
      await file.write(chunk, 0, chunk.length, written);
      sha.update(chunk);
      md5?.update(chunk);
      written += chunk.length;
      sinceCheckpoint += chunk.length;
      opts.onProgress?.(written);
      if (opts.checkpoint && sinceCheckpoint >= CHECKPOINT_BYTES) {
        await file.datasync();
        stage = 'source';
        await opts.checkpoint.save({ folder, tmp, offset: written } satisfies PartialState);
        checkpointed = true;
        sinceCheckpoint = 0;
      }
      stage = 'source';
    }
    stage = 'commit';
    await file.sync();
    if (opts.size !== undefined && written !== opts.size) {
      throw new CloudError('corrupt', `Expected ${opts.size} bytes, the source gave ${written}.`);
    }
    const sentMd5 = md5?.digest('hex');
    if (sentMd5 && sentMd5 !== opts.expectedMd5) {
      throw new CloudError('corrupt', `The bytes read have md5 ${sentMd5}; the source says ${opts.expectedMd5}.`);
    }
    // The destination's own check: read back what is on disk and compare with what was sent.
    const expected = sha.digest('hex');
    const back = crypto.createHash('sha256');
    await feed(file, back);
    const onDisk = back.digest('hex');
    if (onDisk !== expected) {
      throw new CloudError(
        'corrupt',
        `The file written to ${rel} differs from the bytes sent (sha256 ${onDisk} ≠ ${expected}).`,
      );
    }
    if (opts.modifiedAt) await file.utimes(new Date(), new Date(opts.modifiedAt)).catch(() => {});
    await file.close();
    file = undefined;
    if (opts.mode === 'replace') {
      await fs.rename(dir.at(tmp), dir.at(name));
    } else {
      // Never replaces what is at the target, whatever came there since the plan: the owner's
      // file stays and the copy fails with 'exists' (dirs.ts: link(), or on a file system
      // without hard links an exclusive create of the name, then a rename over it).
      try {
        await dir.commitNew(tmp, name);
      } finally {
        await fs.unlink(dir.at(tmp)).catch(() => {});
      }
    }
    return { size: written, hash: { kind: 'sha256', value: expected } };
  } catch (err) {
    await file?.close().catch(() => {});
    // A partial file stays only for a checkpoint to resume from (or for abandon()); a failure
    // once the bytes were all written, or before any checkpoint, leaves none behind.
    if (tmp && (stage === 'commit' || !checkpointed)) await fs.unlink(dir.at(tmp)).catch(() => {});
    throw stage === 'source' ? err : toCloudError(err, rel);
  } finally {
    await dir.close();
  }
}

/** The partial file a checkpoint names, from the cloud's root; undefined when it names none. */
export function partialOf(state: unknown): string | undefined {
  const s = state as Partial<PartialState> | null;
  if (typeof s?.folder !== 'string' || typeof s.tmp !== 'string' || s.tmp.includes('/') || !s.tmp.endsWith(PARTIAL))
    return undefined;
  return s.folder ? `${s.folder}/${s.tmp}` : s.tmp;
}
