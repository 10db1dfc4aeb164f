// Moving an object inside the bucket, on the server: S3 has no rename, so the object is copied to
// the new key (CopyObject; in parts with UploadPartCopy past CopyObject's 5 GiB), then the old key
// deleted. The copy never replaces: a HeadObject first (services that ignore conditional writes,
// such as s3rver) and If-None-Match: * on the commit (those that honour it close the race). The
// copy reads the very object looked at (x-amz-copy-source-if-match), so a file replaced meanwhile
// is not moved under its old name's ETag.
import { CloudError } from '../types.ts';
import { type Bucket, isPreconditionFailed, sdk } from './client.ts';

/** The largest object CopyObject copies in one call. */
export const COPY_LIMIT = 5 * 1024 ** 3;
/** Parts of a copy past that limit (S3 takes at most 10,000 parts of at most 5 GiB). */
const COPY_PART = 1024 ** 3;

export function createMove(bucket: Bucket) {
  const { s3, call, keyOf, prefix } = bucket;
  const {
    AbortMultipartUploadCommand,
    CompleteMultipartUploadCommand,
    CopyObjectCommand,
    CreateMultipartUploadCommand,
    DeleteObjectCommand,
    HeadObjectCommand,
    UploadPartCopyCommand,
  } = sdk();
  const Bucket = bucket.name;

  async function head(Key: string, signal?: AbortSignal) {
    try {
      return await call(() => s3.send(new HeadObjectCommand({ Bucket, Key }), { abortSignal: signal }), signal);
    } catch (err) {
      if (err instanceof CloudError && err.reason === 'not_found') return null;
      throw err;
    }
  }

  return async function move(from: string, to: string, signal?: AbortSignal): Promise<void> {
    const From = keyOf(from);
    const To = keyOf(to);
    if (From === prefix || To === prefix)
      throw new CloudError('invalid_options', 'The cloud’s root is a folder; Ferry moves single files only.');
    const source = await head(From, signal);
    if (!source) throw new CloudError('not_found', `${from} not found in bucket ${Bucket}.`);
    const exists = () => new CloudError('exists', `${to} is in the bucket already; Ferry did not replace it.`);
    if (await head(To, signal)) throw exists();
    // The key in x-amz-copy-source is URL-encoded, its slashes kept.
    const CopySource = `${Bucket}/${encodeURIComponent(From).replace(/%2F/g, '/')}`;
    const size = source.ContentLength ?? 0;
    try {
      if (size <= COPY_LIMIT)
        await call(
          () =>
            s3.send(
              new CopyObjectCommand({ Bucket, Key: To, CopySource, CopySourceIfMatch: source.ETag, IfNoneMatch: '*' }),
              { abortSignal: signal },
            ),
          signal,
        );
      else await copyInParts(To, CopySource, source.ETag, size, signal);
    } catch (err) {
      if (isPreconditionFailed(err)) {
        // Either the target appeared (If-None-Match) or the source changed (copy-source-if-match).
        if (await head(To, signal)) throw exists();
        throw new CloudError('failed', `${from} changed while it was moved; it was left as it is.`, { cause: err });
      }
      throw err;
    }
    await call(() => s3.send(new DeleteObjectCommand({ Bucket, Key: From }), { abortSignal: signal }), signal);
  };

  async function copyInParts(
    Key: string,
    CopySource: string,
    etag: string | undefined,
    size: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const { UploadId } = await call(
      () => s3.send(new CreateMultipartUploadCommand({ Bucket, Key }), { abortSignal: signal }),
      signal,
    );
    try {
      const parts: Array<{ ETag: string; PartNumber: number }> = [];
      for (let start = 0, n = 1; start < size; start += COPY_PART, n++) {
        const end = Math.min(size, start + COPY_PART) - 1;
        const out = await call(
          () =>
            s3.send(
              new UploadPartCopyCommand({
                Bucket,
                Key,
                UploadId,
                PartNumber: n,
                CopySource,
                CopySourceIfMatch: etag,
                CopySourceRange: `bytes=${start}-${end}`,
              }),
              { abortSignal: signal },
            ),
          signal,
        );
        parts.push({ ETag: out.CopyPartResult!.ETag!, PartNumber: n });
      }
      await call(
        () =>
          s3.send(
            new CompleteMultipartUploadCommand({
              Bucket,
              Key,
              UploadId,
              IfNoneMatch: '*',
              MultipartUpload: { Parts: parts },
            }),
            { abortSignal: signal },
          ),
        signal,
      );
    } catch (err) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => {});
      throw err;
    }
  }
}
