// S3 Object Lock: what Ferry writes to a bucket with Object Lock on can carry a retention
// (PutOptions.retention, from a task's options.objectLock), so that nobody, Ferry included, can
// delete or overwrite that version before its date. S3 takes the retention on the request that
// creates the object (PutObject, CreateMultipartUpload: x-amz-object-lock-mode and
// -retain-until-date) and requires such requests to carry Content-MD5 or a checksum: every upload
// of this connector sends Content-MD5 (upload.ts), parts included.
// A bucket without Object Lock would answer with a 400 per object (InvalidRequest) at best, or, on
// services that ignore the headers, keep nothing locked while the task says it does: the bucket's
// configuration is read once per opened cloud, before the first locked write, and a bucket
// without it is refused with one clear error.
import type { S3ServiceException } from '@aws-sdk/client-s3';
import { CloudError, type PutOptions } from '../types.ts';
import { type Bucket, sdk } from './client.ts';

type Retention = NonNullable<PutOptions['retention']>;

/** The request fields that give an object its retention; none without one. */
export function lockFields(retention: Retention | undefined): {
  ObjectLockMode?: Retention['mode'];
  ObjectLockRetainUntilDate?: Date;
} {
  return retention ? { ObjectLockMode: retention.mode, ObjectLockRetainUntilDate: retention.until } : {};
}

/** What a bucket without Object Lock is told. */
export const noObjectLock = (bucket: string) =>
  new CloudError(
    'invalid_options',
    `Bucket ${bucket} does not have Object Lock turned on, so Ferry cannot lock what it writes there ` +
      '(options.objectLock). Object Lock can be turned on for the bucket (it keeps versions of every object), ' +
      'or leave objectLock out of the task.',
  );

// The answers of a bucket that has no Object Lock configuration, or a service that has none at all.
const NO_LOCK_ERRORS = ['ObjectLockConfigurationNotFoundError', 'NotImplemented', 'MethodNotAllowed'];

const lacksLock = (err: unknown) => {
  const status = (err as S3ServiceException).$metadata?.httpStatusCode;
  return (
    err instanceof sdk().S3ServiceException &&
    (NO_LOCK_ERRORS.includes(err.name) || status === 404 || status === 405 || status === 501)
  );
};

/**
 * Resolves once the bucket has Object Lock enabled; rejects with noObjectLock otherwise. Asked
 * once per opened cloud (a failure that is no answer, the network's, is asked again next time).
 */
export function lockCheck(bucket: Bucket): (signal?: AbortSignal) => Promise<void> {
  let known: Promise<void> | undefined;
  const ask = async (signal?: AbortSignal) => {
    const out = await bucket.call(async () => {
      try {
        return await bucket.s3.send(new (sdk().GetObjectLockConfigurationCommand)({ Bucket: bucket.name }), {
          abortSignal: signal,
        });
      } catch (err) {
        // Not retried: an answer (the pacer retries a 501).
        throw lacksLock(err) ? noObjectLock(bucket.name) : err;
      }
    }, signal);
    if (out.ObjectLockConfiguration?.ObjectLockEnabled !== 'Enabled') throw noObjectLock(bucket.name);
  };
  return (signal) => {
    known ??= ask(signal).catch((err) => {
      if (!(err instanceof CloudError && err.reason === 'invalid_options')) known = undefined;
      throw err;
    });
    return known;
  };
}
