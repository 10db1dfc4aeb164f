// Amazon S3 and S3-compatible storage (MinIO, Wasabi, Backblaze B2, Cloudflare R2, …).
import http from 'node:http';
import https from 'node:https';
import { HeadBucketCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { z } from 'zod';
import { assertPublicHost, PrivateEndpointError, publicOnlyLookup } from '../../services/core/net-guard.ts';
import { CloudError, defineConnector, type ConnectorEnv, type Entry } from '../types.ts';

const options = z.strictObject({
  endpoint: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional()
    .describe('Endpoint of an S3-compatible service, e.g. https://s3.eu-central-003.backblazeb2.com; omit for Amazon S3'),
  region: z.string().min(1).max(64).regex(/^[a-z0-9-]+$/, 'a region name such as us-east-1').describe('Region, e.g. us-east-1'),
  bucket: z
    .string()
    .min(3)
    .max(63)
    .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, 'a bucket name: lowercase letters, digits, dots and hyphens')
    .describe('Bucket name'),
  prefix: z
    .string()
    .max(1024)
    .regex(/^(?!\/)(?!.*\/\/)(?!.*(^|\/)\.\.?(\/|$)).*$/, 'a key prefix without a leading slash, empty segments, . or ..')
    .optional()
    .describe('Folder inside the bucket that Ferry treats as the root'),
  accessKeyId: z.string().min(1).max(256).meta({ writeOnly: true }).describe('Access key id'),
  secretAccessKey: z.string().min(1).max(256).meta({ writeOnly: true }).describe('Secret access key'),
  forcePathStyle: z.boolean().optional().describe('Address the bucket as endpoint/bucket instead of bucket.endpoint (most S3-compatibles on a custom host)'),
});
type Options = z.infer<typeof options>;

/** The key prefix of the cloud's root, '' or ending in '/'. */
function rootPrefix(opts: Options): string {
  const p = (opts.prefix ?? '').replace(/\/+$/, '');
  return p ? `${p}/` : '';
}

export function createS3Client(opts: Options, env: ConnectorEnv): S3Client {
  const lookup = env.allowPrivateEndpoints ? undefined : publicOnlyLookup;
  return new S3Client({
    region: opts.region,
    endpoint: opts.endpoint,
    forcePathStyle: opts.forcePathStyle ?? false,
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
    // Many S3-compatible services reject the SDK's default CRC32 trailers; send them only when an
    // operation requires a checksum.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 10_000,
      requestTimeout: 60_000,
      httpAgent: new http.Agent({ keepAlive: true, lookup }),
      httpsAgent: new https.Agent({ keepAlive: true, lookup }),
    }),
  });
}

/** Maps SDK and network failures to what a user can act on. */
function cloudError(err: unknown, opts: Options): CloudError {
  if (err instanceof CloudError) return err;
  if (err instanceof PrivateEndpointError || (err as { cause?: unknown }).cause instanceof PrivateEndpointError) {
    return new CloudError('unreachable', (err as Error).message, { cause: err });
  }
  if (err instanceof S3ServiceException) {
    const status = err.$metadata.httpStatusCode;
    if (err.name === 'NoSuchBucket' || (status === 404 && err.name === 'NotFound')) {
      return new CloudError('invalid_options', `Bucket ${opts.bucket} does not exist in ${opts.region}.`, { cause: err });
    }
    if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden'].includes(err.name) || status === 403 || status === 401) {
      return new CloudError('unauthorized', `The S3 service refused these credentials for bucket ${opts.bucket} (${err.name}). Check the access key and its permissions.`, {
        cause: err,
      });
    }
    return new CloudError('failed', `The S3 service answered ${status ?? ''} ${err.name}: ${err.message}`.trim(), { cause: err });
  }
  return new CloudError('unreachable', `Cannot reach the S3 endpoint ${opts.endpoint ?? 'of AWS'}: ${(err as Error).message}`, { cause: err });
}

export default defineConnector<Options>({
  kind: 's3',
  title: 'Amazon S3 and S3-compatible storage',
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
        throw new CloudError('invalid_options', err instanceof PrivateEndpointError ? err.message : `Cannot resolve ${opts.endpoint}.`);
      }
    }
    return { ...opts, prefix: opts.prefix?.replace(/\/+$/, '') || undefined };
  },
  open(cloud, env) {
    const opts = cloud.options;
    const s3 = createS3Client(opts, env);
    const prefix = rootPrefix(opts);
    return {
      async check(signal) {
        try {
          await s3.send(new HeadBucketCommand({ Bucket: opts.bucket }), { abortSignal: signal });
          await s3.send(new ListObjectsV2Command({ Bucket: opts.bucket, Prefix: prefix, MaxKeys: 1 }), { abortSignal: signal });
        } catch (err) {
          throw cloudError(err, opts);
        }
      },
      async browse(rel, cursor, signal) {
        const folder = rel.split('/').filter(Boolean).join('/');
        const keyPrefix = prefix + (folder ? `${folder}/` : '');
        try {
          const out = await s3.send(
            new ListObjectsV2Command({ Bucket: opts.bucket, Prefix: keyPrefix, Delimiter: '/', ContinuationToken: cursor, MaxKeys: 1000 }),
            { abortSignal: signal },
          );
          const folders: Entry[] = (out.CommonPrefixes ?? []).map((p) => {
            const name = p.Prefix!.slice(keyPrefix.length).replace(/\/$/, '');
            return { name, path: folder ? `${folder}/${name}` : name, type: 'folder' };
          });
          const files: Entry[] = (out.Contents ?? [])
            .filter((o) => o.Key !== keyPrefix) // a "folder marker" object
            .map((o) => {
              const name = o.Key!.slice(keyPrefix.length);
              return { name, path: folder ? `${folder}/${name}` : name, type: 'file', size: o.Size, modifiedAt: o.LastModified?.toISOString() };
            });
          if (folder && !cursor && folders.length === 0 && files.length === 0 && !(out.Contents ?? []).length) {
            throw new CloudError('not_found', `Folder ${folder} not found.`);
          }
          return { entries: [...folders, ...files], nextCursor: out.IsTruncated ? out.NextContinuationToken : undefined };
        } catch (err) {
          throw cloudError(err, opts);
        }
      },
    };
  },
});
