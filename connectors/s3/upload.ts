// Uploads to S3: one PutObject for a file that fits in a part, else a multipart upload whose parts
// go up a few at a time, each checked against its md5 as S3 acknowledges it, and checkpointed so a
// killed worker resumes the same upload from the first part S3 does not have.
// The SDK's own multipart helper (@aws-sdk/lib-storage's Upload) keeps its parts to itself: it has no
// checkpoint to resume from and no check of a part's ETag, so the multipart upload is Ferry's, on
// the SDK's commands.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { BufferPool, chunks } from '../lib/bytes.ts';
import { sleep } from '../lib/pacer.ts';
import { CloudError, type PutOptions, type Stored } from '../types.ts';
import { type Bucket, isPreconditionFailed, sdk, unquote } from './client.ts';
import { lockCheck, lockFields } from './object-lock.ts';

const MiB = 1024 * 1024;
/** Parts uploaded at once per file: memory is about this many parts. */
const PARTS_IN_FLIGHT = 4;
const MAX_PARTS = 10_000;

/**
 * Part size for a file: at least 8 MiB, and large enough that the file fits in 9,000 parts (S3
 * allows 10,000), so a 5 TB file uses parts of about 530 MiB. Unknown sizes use 16 MiB parts,
 * enough for 160 GB.
 */
export function partSizeFor(size: number | undefined): number {
  if (size === undefined) return 16 * MiB;
  return Math.max(8 * MiB, Math.ceil(size / 9_000 / MiB) * MiB);
}

/** The ETag S3 gives a multipart object: md5 of the parts' binary md5s, then -count. */
export function multipartEtag(partMd5Hex: string[]): string {
  const h = crypto.createHash('md5');
  for (const m of partMd5Hex) h.update(Buffer.from(m, 'hex'));
  return `${h.digest('hex')}-${partMd5Hex.length}`;
}

/** What a checkpoint holds between attempts. */
interface MultipartState {
  key: string;
  uploadId: string;
  partSize: number;
  parts: { n: number; etag: string; md5: string; size: number }[];
}

export interface Uploader {
  put(rel: string, open: (offset: number) => Promise<Readable>, o: PutOptions): Promise<Stored>;
  abandon(state: unknown): Promise<void>;
  /** Resolves when the bucket has Object Lock on (object-lock.ts); the answer put() goes by too. */
  checkRetention(signal?: AbortSignal): Promise<void>;
}

export function createUploader(bucket: Bucket): Uploader {
  const { s3, prefix, call, keyOf, direct } = bucket;
  const {
    AbortMultipartUploadCommand,
    CompleteMultipartUploadCommand,
    CreateMultipartUploadCommand,
    HeadObjectCommand,
    ListMultipartUploadsCommand,
    ListPartsCommand,
    PutObjectCommand,
    UploadPartCommand,
  } = sdk();
  const Bucket = bucket.name;
  // A locked write needs Object Lock on the bucket (object-lock.ts): asked once, before the first.
  const lockable = lockCheck(bucket);

  /**
   * Mode 'create' never replaces an object. The commit (PutObject, CompleteMultipartUpload) carries
   * If-None-Match: *, which AWS and the services with conditional writes refuse with 412; services
   * that ignore the header (s3rver, older compatibles) are covered by a HeadObject just before the
   * commit. Both always, so there is one path whatever the service: the header closes the race the
   * look leaves open where it is honoured.
   */
  const ifNoneMatch = (mode: PutOptions['mode']) => (mode === 'create' ? '*' : undefined);
  const exists = (Key: string) =>
    new CloudError('exists', `${Key.slice(prefix.length)} is in the bucket already; Ferry did not replace it.`);

  /** The ETag and size of the object at `Key`, or null when there is none. */
  async function objectAt(
    Key: string,
    signal?: AbortSignal,
  ): Promise<{ etag: string; size: number | undefined } | null> {
    try {
      const out = await call(async () => {
        const answer = await direct?.head(Key, signal);
        return answer !== undefined ? answer : s3.send(new HeadObjectCommand({ Bucket, Key }), { abortSignal: signal });
      }, signal);
      return out && { etag: unquote(out.ETag), size: out.ContentLength };
    } catch (err) {
      if (err instanceof CloudError && err.reason === 'not_found') return null;
      throw err;
    }
  }
  const etagAt = async (Key: string, signal?: AbortSignal) => (await objectAt(Key, signal))?.etag ?? null;

  /**
   * Mode 'create': 'exists' when an object is at `Key`. With `ours` (a multipart ETag this put is
   * about to commit: md5 of its parts' md5s, '-', their count) an object with that very ETag and
   * size is Ferry's own earlier commit of these bytes in these parts (an attempt that completed
   * the upload, then died before the copy was recorded): true, it is taken as stored, not as
   * someone else's file (which would make a renamed second copy, or leave the item unrecorded).
   * A single PUT's md5 is not taken so: 'exists' then, and the engine finds the file identical by
   * its md5 (hashOf), as it does on every destination.
   */
  async function refuseIfPresent(
    Key: string,
    mode: PutOptions['mode'],
    signal?: AbortSignal,
    ours?: { etag: string; size: number },
  ): Promise<boolean> {
    if (mode !== 'create') return false;
    const there = await objectAt(Key, signal);
    if (!there) return false;
    if (ours && there.etag === ours.etag && there.size === ours.size) return true;
    throw exists(Key);
  }

  /**
   * Runs a commit; a 412 (If-None-Match: * and an object at the key) is 'exists', unless the object
   * there has the ETag of these very bytes: a retry of a commit whose answer was lost.
   */
  async function commitOnce<T>(
    Key: string,
    ours: string,
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
  ): Promise<T | null> {
    try {
      return await call(fn, signal);
    } catch (err) {
      if (!isPreconditionFailed(err)) throw err;
      if ((await etagAt(Key, signal)) === ours) return null;
      throw exists(Key);
    }
  }

  /** One PutObject of `body`; `md5` is the body's, when already worked out. */
  async function putSingle(
    Key: string,
    body: Buffer,
    o: PutOptions,
    md5: Buffer = crypto.createHash('md5').update(body).digest(),
  ): Promise<Stored> {
    const { modifiedAt, signal } = o;
    await refuseIfPresent(Key, o.mode, signal);
    const fields = {
      ContentMD5: md5.toString('base64'),
      Metadata: modifiedAt ? { mtime: modifiedAt } : undefined,
      IfNoneMatch: ifNoneMatch(o.mode),
      ...lockFields(o.retention),
    };
    const out = (await commitOnce(
      Key,
      md5.toString('hex'),
      signal,
      async () =>
        (await direct?.put(Key, body, fields, signal)) ??
        (await s3.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentLength: body.length, ...fields }), {
          abortSignal: signal,
        })),
    )) ?? { ETag: md5.toString('hex') };
    const etag = unquote(out.ETag);
    if (etag !== md5.toString('hex'))
      throw new CloudError(
        'corrupt',
        `S3 stored ${Key} with ETag ${etag}, but the bytes sent have md5 ${md5.toString('hex')}.`,
      );
    return { size: body.length, hash: { kind: 'md5', value: etag } };
  }

  /** Resumes the saved upload when S3 still has it; otherwise starts afresh. */
  async function resumeOrCreate(
    Key: string,
    saved: MultipartState | null,
    partSize: number,
    o: Pick<PutOptions, 'modifiedAt' | 'retention' | 'signal'>,
  ): Promise<MultipartState> {
    const { modifiedAt, signal } = o;
    if (saved && saved.key === Key) {
      try {
        const listed = await call(
          () =>
            s3.send(new ListPartsCommand({ Bucket, Key, UploadId: saved.uploadId, MaxParts: 1 }), {
              abortSignal: signal,
            }),
          signal,
        );
        if (listed) return { ...saved, parts: [...saved.parts] };
      } catch (err) {
        // NoSuchUpload (expired, aborted): start over. Anything else: try again later.
        if (!(err instanceof CloudError) || err.reason !== 'not_found') throw err;
      }
    }
    const created = await call(
      () =>
        s3.send(
          new CreateMultipartUploadCommand({
            Bucket,
            Key,
            Metadata: modifiedAt ? { mtime: modifiedAt } : undefined,
            // The retention is the upload's: the object carries it once completed.
            ...lockFields(o.retention),
          }),
          { abortSignal: signal },
        ),
      signal,
    );
    return { key: Key, uploadId: created.UploadId!, partSize, parts: [] };
  }

  async function abandon(state: unknown): Promise<void> {
    const st = state as MultipartState | null;
    if (!st?.uploadId) return;
    // S3: parts still in flight during an abort may be stored after it, so abort until ListParts
    // no longer finds the upload.
    for (let round = 0; round < 3; round++) {
      try {
        await call(() => s3.send(new AbortMultipartUploadCommand({ Bucket, Key: st.key, UploadId: st.uploadId })));
        await call(() => s3.send(new ListPartsCommand({ Bucket, Key: st.key, UploadId: st.uploadId, MaxParts: 1 })));
      } catch (err) {
        if (err instanceof CloudError && err.reason === 'not_found') return;
        throw err;
      }
      await sleep(1000);
    }
  }

  /**
   * Once a new upload is checkpointed and once a file is committed, the other multipart uploads open on
   * its key are aborted: one a worker created and died before it could checkpoint (its id known to
   * nobody), or one a frozen worker went on with after its claim was taken over. Left open, they cost
   * storage forever and, completed by anyone, would replace the copy. Best effort: a key without the
   * ListBucketMultipartUploads permission keeps them (a lifecycle rule to abort incomplete uploads
   * then does it).
   */
  async function abortStrays(Key: string, ours: string | undefined, signal?: AbortSignal): Promise<void> {
    try {
      const listed = await call(
        () => s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key }), { abortSignal: signal }),
        signal,
      );
      for (const u of listed.Uploads ?? [])
        if (u.Key === Key && u.UploadId && u.UploadId !== ours) await abandon({ key: Key, uploadId: u.UploadId });
    } catch {
      // The copy is committed and verified; a stray upload left is the bucket's lifecycle rule's.
    }
  }

  async function put(rel: string, open: (offset: number) => Promise<Readable>, o: PutOptions): Promise<Stored> {
    const Key = keyOf(rel);
    const saved = (o.checkpoint?.state ?? null) as MultipartState | null;
    const partSize = saved?.key === Key ? saved.partSize : partSizeFor(o.size);
    if (o.size !== undefined && Math.ceil(o.size / partSize) > MAX_PARTS)
      throw new CloudError('invalid_options', `${rel} is too large for S3.`);

    // Small files (and the first piece of any file) decide between one PUT and a multipart upload.
    let state: MultipartState | null = null;
    if (o.retention) await lockable(o.signal);
    if (saved?.key === Key) state = await resumeOrCreate(Key, saved, partSize, o);
    let contiguous = 0;
    if (state) while (state.parts.some((p) => p.n === contiguous + 1)) contiguous++;
    state?.parts.splice(0, state.parts.length, ...state.parts.filter((p) => p.n <= contiguous));
    const offset = contiguous * partSize;
    // Every part already acknowledged (the last attempt died before Complete): nothing to read.
    const stream = o.size !== undefined && state && offset >= o.size ? Readable.from([]) : await open(offset);
    // A small file of known size needs one buffer of its own size, not a part's.
    const bufferSize = o.size !== undefined && o.size - offset < partSize ? Math.max(1, o.size - offset) : partSize;
    // A fixed set of part buffers, reused from part to part and drawn from the process's budget:
    // memory stays at most (parts in flight + 1) × part size whatever the file's size, and within
    // the budget whatever the number of uploads.
    const pool = new BufferPool(bufferSize, PARTS_IN_FLIGHT + 1);

    let failure: unknown;
    // The upload a checkpoint holds: only that one can be resumed, by this item's next claim. One this
    // put created and never got into a checkpoint (its save failed: the claim was lost meanwhile) is
    // known to nobody else, and is aborted if the put fails rather than left to cost storage.
    let checkpointed = saved?.uploadId ?? null;
    // Checkpoints are saved in order; a failed save fails the upload (it is not left unhandled).
    let saving = Promise.resolve();
    const save = (state: MultipartState) => {
      saving = saving
        .then(() => o.checkpoint!.save(state))
        .then(async () => {
          if (checkpointed === state.uploadId) return;
          checkpointed = state.uploadId;
          // A new upload the item's checkpoint now holds (so this claim still holds the item, and a
          // claim woken late aborts nobody's): uploads an earlier attempt left open on the key go now,
          // one cut off after its create (its worker killed before the checkpoint) or after its
          // commit (stopped before its own clean-up).
          await abortStrays(Key, state.uploadId, o.signal);
        })
        .catch((err) => {
          failure ??= err;
        });
    };
    const inflight = new Set<Promise<void>>();
    let n = contiguous;
    let sent = offset;
    // The whole content's md5, to hold against the source's before anything is committed.
    const whole = o.expectedMd5 && offset === 0 ? crypto.createHash('md5') : undefined;
    let wholeMd5: Buffer | undefined;
    const sourceMismatch = () => {
      wholeMd5 = whole?.digest();
      const got = wholeMd5?.toString('hex');
      return got && got !== o.expectedMd5
        ? new CloudError('corrupt', `The bytes read have md5 ${got}; the source says ${o.expectedMd5}.`)
        : null;
    };
    const reader = chunks(stream, bufferSize, pool);
    try {
      for (let next = await reader.next(); !next.done; next = await reader.next()) {
        const piece = next.value;
        if (failure) throw failure;
        whole?.update(piece);
        if (!state) {
          // One piece and nothing more? Then a single PUT does it.
          if (piece.length < partSize) {
            if (!(await reader.next()).done)
              throw new CloudError(
                'corrupt',
                `The source gave more than the ${o.size} bytes it announced; it may have changed while being read.`,
              );
            // A source that ended early must not replace what is at the path.
            if (o.size !== undefined && piece.length !== o.size)
              throw new CloudError('corrupt', `Expected ${o.size} bytes, the source gave ${piece.length}.`);
            const mismatch = sourceMismatch();
            if (mismatch) throw mismatch;
            // The one piece is the whole: its md5 is worked out once.
            const stored = await putSingle(Key, piece, o, wholeMd5);
            pool.give(piece); // sent and answered: the next file may use it (not after a failure, see close)
            o.onProgress?.(stored.size);
            return stored;
          }
          state = await resumeOrCreate(Key, null, partSize, o);
          if (o.checkpoint) {
            const s0 = { ...state, parts: [] };
            save(s0);
          }
        }
        const partNumber = ++n;
        const md5 = crypto.createHash('md5').update(piece).digest();
        const st = state;
        const p: Promise<void> = call(
          () =>
            s3.send(
              new UploadPartCommand({
                Bucket,
                Key,
                UploadId: st.uploadId,
                PartNumber: partNumber,
                Body: piece,
                ContentLength: piece.length,
                ContentMD5: md5.toString('base64'),
              }),
              { abortSignal: o.signal },
            ),
          o.signal,
        )
          .then((out) => {
            const etag = unquote(out.ETag);
            if (etag !== md5.toString('hex'))
              throw new CloudError(
                'corrupt',
                `S3 acknowledged part ${partNumber} of ${Key} with ETag ${etag}, not the md5 of the bytes sent.`,
              );
            st.parts.push({ n: partNumber, etag, md5: md5.toString('hex'), size: piece.length });
            sent += piece.length;
            o.onProgress?.(sent);
            if (o.checkpoint) {
              const snapshot = { ...st, parts: [...st.parts] };
              save(snapshot);
            }
          })
          .catch((err) => {
            failure ??= err;
          })
          .finally(() => {
            inflight.delete(p);
            pool.give(piece);
          });
        inflight.add(p);
        if (inflight.size >= PARTS_IN_FLIGHT) await Promise.race(inflight);
      }
      await Promise.all(inflight);
      await saving;
      if (failure) throw failure;
      if (!state) {
        // An empty stream: an empty object.
        if (o.size) throw new CloudError('corrupt', `Expected ${o.size} bytes, the source gave none.`);
        return await putSingle(Key, Buffer.alloc(0), o);
      }
      const parts = [...state.parts].sort((a, b) => a.n - b.n);
      const size = parts.reduce((sum, p) => sum + p.size, 0);
      if (o.size !== undefined && size !== o.size)
        throw new CloudError('corrupt', `Expected ${o.size} bytes, the source gave ${size}.`);
      const mismatch = sourceMismatch();
      if (mismatch) throw mismatch;
      const expected = multipartEtag(parts.map((p) => p.md5));
      const ownCommit: Stored = { size, hash: { kind: 's3etag', value: expected } };
      if (await refuseIfPresent(Key, o.mode, o.signal, { etag: expected, size })) {
        // Our own earlier commit is there: this upload is not needed.
        await abandon(state).catch(() => {});
        await abortStrays(Key, undefined, o.signal);
        return ownCommit;
      }
      const done =
        (await commitOnce(Key, expected, o.signal, () =>
          s3.send(
            new CompleteMultipartUploadCommand({
              Bucket,
              Key,
              UploadId: state!.uploadId,
              MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.n, ETag: `"${p.etag}"` })) },
              IfNoneMatch: ifNoneMatch(o.mode),
            }),
            { abortSignal: o.signal },
          ),
        )) ?? null;
      if (!done) {
        // A 412 and our own commit there (this one, whose answer was lost, or an earlier one):
        // an upload left open by the refused Complete is not needed.
        await abandon(state).catch(() => {});
        await abortStrays(Key, undefined, o.signal);
        return ownCommit;
      }
      // Every part was checked against its own md5 as S3 acknowledged it. AWS (and most
      // compatibles) then name the whole object md5(part md5s)-N, which proves the assembly too;
      // services with another ETag scheme get their stored size checked instead.
      const etag = unquote(done.ETag);
      if (/-\d+$/.test(etag)) {
        if (etag !== expected)
          throw new CloudError('corrupt', `S3 completed ${Key} with ETag ${etag}; the parts sent give ${expected}.`);
      } else {
        const head = await call(
          () => s3.send(new HeadObjectCommand({ Bucket, Key }), { abortSignal: o.signal }),
          o.signal,
        );
        if (head.ContentLength !== size)
          throw new CloudError('corrupt', `S3 stored ${head.ContentLength} bytes for ${Key}; ${size} were sent.`);
      }
      await abortStrays(Key, state.uploadId, o.signal);
      return ownCommit;
    } catch (err) {
      await Promise.allSettled(inflight);
      await saving;
      stream.destroy(); // the source (socket, file) is closed, not left half-read
      await reader.return(undefined).catch(() => {});
      // Without a checkpoint the upload cannot be resumed: do not leave its parts behind.
      if (state && (!o.checkpoint || state.uploadId !== checkpointed)) await abandon(state).catch(() => {});
      throw err;
    } finally {
      pool.close();
    }
  }

  return { put, abandon, checkRetention: lockable };
}
