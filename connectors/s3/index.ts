// Amazon S3 and S3-compatible storage (MinIO, Wasabi, Backblaze B2, Cloudflare R2, …): the
// connector's definition, its source and the destination's reads. The SDK client is set up in
// client.ts, uploads are in upload.ts.
import { Readable } from 'node:stream';
import type { S3ServiceException } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { hasherFor, hashStream } from '../lib/hashes.ts';
import { assertPublicHost, PrivateEndpointError } from '../lib/net-guard.ts';
import { pageOf } from '../lib/paging.ts';
import { rangeHeader } from '../lib/rest.ts';
import { mediaTypeOf } from '../media.ts';
import { CloudError, defineConnector, type Destination, type Entry, type Source } from '../types.ts';
import { isPreconditionFailed, openBucket, sdk, toCloudError, unquote } from './client.ts';
import { createMove } from './move.ts';
import { createUploader } from './upload.ts';

/** Entries per browse() page. */
const BROWSE_PAGE = 500;

const isPlainMd5 = (etag: string) => /^[0-9a-f]{32}$/.test(etag);

const options = z.strictObject({
  endpoint: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional()
    .describe(
      'Endpoint of an S3-compatible service, e.g. https://s3.eu-central-003.backblazeb2.com; omit for Amazon S3',
    ),
  region: z
    .string()
    .min(1)
    .max(63)
    // A part of a host name (the SDK builds s3.<region>.amazonaws.com): no dash at either end.
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a region name such as us-east-1')
    .describe('Region, e.g. us-east-1'),
  bucket: z
    .string()
    .min(3)
    .max(63)
    .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, 'a bucket name: lowercase letters, digits, dots and hyphens')
    .describe('Bucket name'),
  prefix: z
    .string()
    .max(1024)
    .regex(
      /^(?!\/)(?!.*\/\/)(?!.*(^|\/)\.\.?(\/|$)).*$/,
      'a key prefix without a leading slash, empty segments, . or ..',
    )
    .optional()
    .describe('Folder inside the bucket that Ferry treats as the root'),
  // The key id is sent in the Authorization header: printable ASCII, as every S3 service issues them.
  // The secret only signs (never sent), so any text will do.
  accessKeyId: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .meta({ writeOnly: true })
    .describe('Access key id'),
  secretAccessKey: z.string().min(1).max(256).meta({ writeOnly: true }).describe('Secret access key'),
  forcePathStyle: z
    .boolean()
    .optional()
    .describe(
      'Address the bucket as endpoint/bucket instead of bucket.endpoint (most S3-compatibles on a custom host)',
    ),
  checksumMode: z
    .enum(['when_required', 'when_supported'])
    .optional()
    .describe(
      'when_supported sends the SDK’s CRC32 checksums with every upload (Amazon S3); ' +
        'when_required (the default) only where an operation needs one, which many S3-compatible services require',
    ),
});
export type Options = z.infer<typeof options>;

export default defineConnector<Options>({
  kind: 's3',
  title: 'Amazon S3 and S3-compatible storage',
  titles: { en: 'Amazon S3 or compatible', de: 'Amazon S3 oder kompatibel', fr: 'Amazon S3 ou compatible' },
  nouns: { en: 'S3 storage', de: 'S3-Speicher', fr: 'stockage S3' },
  auth: 'credentials',
  source: true,
  destination: true,
  options,
  unavailable: () => null,
  async prepare(opts, env) {
    if (opts.endpoint && !env.allowPrivateEndpoints) {
      try {
        await assertPublicHost(new URL(opts.endpoint).hostname);
      } catch (err) {
        throw new CloudError(
          'invalid_options',
          err instanceof PrivateEndpointError ? err.message : `Cannot resolve ${opts.endpoint}.`,
        );
      }
    }
    return { ...opts, prefix: opts.prefix?.replace(/\/+$/, '') || undefined };
  },
  open(cloud, env) {
    const opts = cloud.options;
    const bucket = openBucket(opts, env);
    const { s3, prefix, call, keyOf } = bucket;
    const { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command } = sdk();
    const Bucket = opts.bucket;
    const uploader = createUploader(bucket);

    const source: Source = {
      async *list(folder, signal) {
        const clean = folder.split('/').filter(Boolean).join('/');
        const listPrefix = prefix + (clean ? `${clean}/` : '');
        let token: string | undefined;
        let any = false;
        do {
          const out = await call(
            () =>
              s3.send(new ListObjectsV2Command({ Bucket, Prefix: listPrefix, ContinuationToken: token }), {
                abortSignal: signal,
              }),
            signal,
          );
          for (const o of out.Contents ?? []) {
            any = true;
            if (!o.Key || o.Key.endsWith('/')) continue; // folder markers
            const etag = unquote(o.ETag);
            yield {
              id: o.Key.slice(prefix.length),
              path: o.Key.slice(listPrefix.length),
              size: o.Size,
              modifiedAt: o.LastModified?.toISOString(),
              mediaType: mediaTypeOf(o.Key),
              version: `${etag}:${o.Size}`,
              hashes: isPlainMd5(etag) ? { md5: etag } : { s3etag: etag },
            };
          }
          token = out.IsTruncated ? out.NextContinuationToken : undefined;
        } while (token);
        if (!any && clean) throw new CloudError('not_found', `Folder ${clean} not found.`);
      },
      async open(item, o = {}) {
        // From the end: nothing to read (S3 answers a Range there with 416).
        if (item.size !== undefined && (o.offset ?? 0) >= item.size && (o.offset ?? 0) > 0) return Readable.from([]);
        const range = rangeHeader(o.offset ?? 0, o.length);
        const out = await call(
          () =>
            s3.send(new GetObjectCommand({ Bucket, Key: prefix + item.id, Range: range }), { abortSignal: o.signal }),
          o.signal,
        );
        return out.Body as Readable;
      },
    };

    const destination: Destination = {
      put: uploader.put,
      abandon: uploader.abandon,
      move: createMove(bucket),
      checkRetention: uploader.checkRetention,
      async stat(rel, signal) {
        try {
          const out = await call(
            () => s3.send(new HeadObjectCommand({ Bucket, Key: keyOf(rel) }), { abortSignal: signal }),
            signal,
          );
          return { size: out.ContentLength ?? 0 };
        } catch (err) {
          if (err instanceof CloudError && err.reason === 'not_found') return null;
          throw err;
        }
      },
      // The ETag when it is the object's md5 (stored in one piece). A multipart upload's ETag (md5 of
      // the parts' md5s, '-' and their count) depends on the part sizes, which the bytes alone do not
      // tell, so it matches nothing the engine can compute: the object is read for the kind asked
      // (else md5), as a local folder does. The engine asks only when the sizes are equal, so this
      // read is of a likely copy of the item, often Ferry's own whose record was lost.
      async hashOf(rel, signal, prefer) {
        const Key = keyOf(rel);
        let out;
        try {
          out = await call(() => s3.send(new HeadObjectCommand({ Bucket, Key }), { abortSignal: signal }), signal);
        } catch (err) {
          if (err instanceof CloudError && err.reason === 'not_found') return null;
          throw err;
        }
        const etag = unquote(out.ETag);
        if (!etag) return null;
        if (isPlainMd5(etag)) return { kind: 'md5', value: etag };
        // Asked for the multipart ETag itself (a verification holding it against the one recorded): S3 keeps it.
        if (prefer === 's3etag') return { kind: 's3etag', value: etag };
        const kind = prefer && hasherFor(prefer) ? prefer : 'md5';
        try {
          // IfMatch: the object read is the one headed (a replaced one is 412, below).
          const body = await call(
            () => s3.send(new GetObjectCommand({ Bucket, Key, IfMatch: out.ETag }), { abortSignal: signal }),
            signal,
          );
          const value = await hashStream(kind, body.Body as Readable);
          return value === null ? null : { kind, value };
        } catch (err) {
          if (err instanceof CloudError && err.reason === 'not_found') return null;
          if (isPreconditionFailed(err)) return null; // changed meanwhile: unknown
          throw err;
        }
      },
      async remove(rel, signal) {
        const Key = keyOf(rel);
        if (Key === prefix)
          throw new CloudError('invalid_options', 'The cloud’s root is a folder; Ferry removes single files only.');
        if (!(await destination.stat(rel, signal))) {
          // No object at the key. Keys under key/ make it a folder, which is refused as elsewhere;
          // nothing at all is nothing to remove. (DeleteObject itself would touch no other key.)
          const under = await call(
            () => s3.send(new ListObjectsV2Command({ Bucket, Prefix: `${Key}/`, MaxKeys: 1 }), { abortSignal: signal }),
            signal,
          );
          if ((under.Contents ?? []).length)
            throw new CloudError(
              'invalid_options',
              `${rel} is a folder in bucket ${Bucket}; Ferry removes single files only.`,
            );
          return;
        }
        // In a versioned bucket this leaves a delete marker: the bytes stay recoverable.
        await call(() => s3.send(new DeleteObjectCommand({ Bucket, Key }), { abortSignal: signal }), signal);
      },
    };

    return {
      // S3 takes many requests at once (thousands a second per prefix), and a small file is two
      // short ones (look, put): eight at a time per copy job keeps a distant bucket busy, where
      // four leave it waiting on round trips. The pacer backs every lane off when it says SlowDown.
      features: { itemsInParallel: 8 },
      source,
      destination,
      async check(signal) {
        try {
          await s3.send(new HeadBucketCommand({ Bucket }), { abortSignal: signal });
          await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, MaxKeys: 1 }), { abortSignal: signal });
        } catch (err) {
          if ((err as S3ServiceException).$metadata?.httpStatusCode === 404) {
            throw new CloudError('invalid_options', `Bucket ${opts.bucket} does not exist in ${opts.region}.`, {
              cause: err,
            });
          }
          // No such host (NXDOMAIN): a region Amazon does not have, or an endpoint mistyped; what the
          // user wrote, not an outage (that is EAI_AGAIN, a timeout or a refused connection).
          if (/\bENOTFOUND\b/.test(`${(err as { code?: string }).code} ${(err as Error).message}`)) {
            throw new CloudError(
              'invalid_options',
              opts.endpoint
                ? `No host answers to ${new URL(opts.endpoint).host}: check the endpoint.`
                : `Amazon S3 has no region "${opts.region}": check the region.`,
              { cause: err },
            );
          }
          throw toCloudError(err, opts);
        }
      },
      async browse(rel, cursor, signal) {
        const folder = rel.split('/').filter(Boolean).join('/');
        const keyPrefix = prefix + (folder ? `${folder}/` : '');
        // S3 lists keys and common prefixes together in key order, a page at a time: a folder named
        // after a page's files would come after them. The folder is read whole, then paged in
        // Ferry's order (folders first, then files, by name), as the other connectors do.
        const entries: Entry[] = [];
        let token: string | undefined;
        let any = false;
        try {
          do {
            const out = await call(
              () =>
                s3.send(
                  new ListObjectsV2Command({ Bucket, Prefix: keyPrefix, Delimiter: '/', ContinuationToken: token }),
                  { abortSignal: signal },
                ),
              signal,
            );
            any ||= (out.Contents ?? []).length > 0 || (out.CommonPrefixes ?? []).length > 0;
            for (const p of out.CommonPrefixes ?? []) {
              const name = p.Prefix!.slice(keyPrefix.length).replace(/\/$/, '');
              entries.push({ name, path: folder ? `${folder}/${name}` : name, type: 'folder' });
            }
            for (const o of out.Contents ?? []) {
              if (o.Key === keyPrefix) continue; // a "folder marker" object
              const name = o.Key!.slice(keyPrefix.length);
              entries.push({
                name,
                path: folder ? `${folder}/${name}` : name,
                type: 'file',
                size: o.Size,
                modifiedAt: o.LastModified?.toISOString(),
              });
            }
            token = out.IsTruncated ? out.NextContinuationToken : undefined;
          } while (token);
        } catch (err) {
          throw toCloudError(err, opts);
        }
        if (folder && !any) throw new CloudError('not_found', `Folder ${folder} not found.`);
        return pageOf(entries, cursor, BROWSE_PAGE);
      },
    };
  },
});
