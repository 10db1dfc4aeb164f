// How the connector talks to S3: the AWS SDK's S3Client (every call Ferry makes is one of its
// commands), set up so the pacer is the only retrier and private endpoints stay refused, the retry
// classifier, and what a failure means to a user.
import http from 'node:http';
import https from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadLater } from '../lib/load-later.ts';
import { PrivateEndpointError, publicOnlyLookup } from '../lib/net-guard.ts';
import { createPacer, isTransientNetworkError, retryAfterMs, type RetryVerdict } from '../lib/pacer.ts';
import { CloudError, type ConnectorEnv } from '../types.ts';
import { type DirectObjects, openDirect } from './direct.ts';
import type { Options } from './index.ts';

/** The bucket a call was about, as the messages name it. */
export type BucketOf = Pick<Options, 'bucket' | 'region' | 'endpoint'>;

/** The AWS SDK, loaded once a bucket is opened. */
export const sdk = loadLater<typeof import('@aws-sdk/client-s3')>('@aws-sdk/client-s3');
const httpHandler = loadLater<typeof import('@smithy/node-http-handler')>('@smithy/node-http-handler');

/** The connections of one opened bucket, which its SDK client and its direct requests share. */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/** Kept-alive connections, to public addresses only unless the server allows private endpoints. */
export function agentsFor(env: ConnectorEnv): Agents {
  const lookup = env.allowPrivateEndpoints ? undefined : publicOnlyLookup;
  return { http: new http.Agent({ keepAlive: true, lookup }), https: new https.Agent({ keepAlive: true, lookup }) };
}

export function createS3Client(opts: Options, env: ConnectorEnv, agents = agentsFor(env)): S3Client {
  const { S3Client } = sdk();
  const { NodeHttpHandler } = httpHandler();
  const client = new S3Client({
    region: opts.region,
    endpoint: opts.endpoint,
    forcePathStyle: opts.forcePathStyle ?? false,
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
    // Many S3-compatible services reject the SDK's default CRC32 trailers, so by default they are
    // sent only when an operation requires a checksum. Every upload carries Content-MD5 either way.
    requestChecksumCalculation: opts.checksumMode === 'when_supported' ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED',
    responseChecksumValidation: opts.checksumMode === 'when_supported' ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED',
    // One retry mechanism: the pacer, which also honours Retry-After.
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 10_000,
      requestTimeout: 60_000,
      httpAgent: agents.http,
      httpsAgent: agents.https,
    }),
  });
  // Over plain http the SDK would SHA-256 every body to sign it: a second pass over every byte.
  // Uploads carry Content-MD5, which S3 checks, so the signature need not cover the payload (as
  // over https, where the SDK signs UNSIGNED-PAYLOAD by default). Set in the build step, before
  // the signing (finalizeRequest): set after it, the header would differ from what was signed.
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers?.['content-md5']) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'ferryUnsignedPayload', priority: 'low' },
  );
  return client;
}

/**
 * A Node error the SDK kept only the text of. Where the SDK is loaded in a realm of its own (as
 * inside Jest), Node's errors (a socket's EPIPE) fail its retry layer's `instanceof Error`, and it
 * throws `new Error("AWS SDK error wrapper for TimeoutError: write EPIPE")` instead: the name and
 * code are read back from that text, so the failure is judged as it is everywhere else.
 */
function unwrapped(err: unknown): unknown {
  const message = (err as { message?: unknown } | null)?.message;
  const m = typeof message === 'string' ? /^AWS SDK error wrapper for (\w+): (.*)$/s.exec(message) : null;
  if (!m) return err;
  return { name: m[1], message: m[2], code: /\b(E[A-Z]+|UND_ERR_[A-Z_]+)\b/.exec(m[2])?.[1] };
}

/** The one retry classifier of this connector. */
export function classify(failure: unknown): RetryVerdict {
  const err = unwrapped(failure);
  if (err instanceof CloudError) return { retry: err.reason === 'unreachable' || err.reason === 'failed' };
  const e = err as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { headers?: Record<string, string> };
  };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) {
    const transient =
      status === 429 ||
      status >= 500 ||
      ['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'Throttling'].includes(e.name ?? '');
    return { retry: transient, afterMs: retryAfterMs(e.$response?.headers?.['retry-after']) };
  }
  return { retry: isTransientNetworkError(err) };
}

/** Maps SDK and network failures to what a user can act on; `what` is the bucket the call was about. */
export function toCloudError(err: unknown, what: BucketOf): CloudError {
  if (err instanceof CloudError) return err;
  if (err instanceof PrivateEndpointError || (err as { cause?: unknown }).cause instanceof PrivateEndpointError) {
    return new CloudError('unreachable', (err as Error).message, { cause: err });
  }
  if (err instanceof sdk().S3ServiceException) {
    const status = err.$metadata.httpStatusCode;
    if (err.name === 'NoSuchBucket') {
      return new CloudError('invalid_options', `Bucket ${what.bucket} does not exist in ${what.region}.`, {
        cause: err,
      });
    }
    if (status === 404 || err.name === 'NoSuchKey' || err.name === 'NoSuchUpload')
      return new CloudError('not_found', `${err.name}: ${err.message}`, { cause: err });
    if (
      ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden'].includes(err.name) ||
      status === 403 ||
      status === 401
    ) {
      return new CloudError(
        'unauthorized',
        `The S3 service refused these credentials for bucket ${what.bucket} (${err.name}). ` +
          `Check the access key and its permissions.`,
        { cause: err },
      );
    }
    return new CloudError('failed', `The S3 service answered ${status ?? ''} ${err.name}: ${err.message}`.trim(), {
      cause: err,
    });
  }
  return new CloudError(
    'unreachable',
    `Cannot reach the S3 endpoint ${what.endpoint ?? 'of AWS'}: ${(err as Error).message}`,
    { cause: err },
  );
}

/** Whether a call failed on a precondition (If-None-Match, If-Match): S3 answers 412. */
export function isPreconditionFailed(err: unknown): boolean {
  const cause = err instanceof CloudError ? err.cause : err;
  return (
    cause instanceof sdk().S3ServiceException &&
    (cause.$metadata.httpStatusCode === 412 || cause.name === 'PreconditionFailed')
  );
}

/** An ETag as S3 quotes it, without its quotes. */
export const unquote = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');

/** One opened bucket: the SDK client, the root's key prefix and the paced call every command goes through. */
export interface Bucket {
  readonly s3: S3Client;
  readonly name: string;
  /** The key prefix of the cloud's root, '' or ending in '/'. */
  readonly prefix: string;
  /** The key of a path under the root. */
  keyOf(rel: string): string;
  /** HeadObject and PutObject without the SDK's stack (direct.ts), where the bucket allows it. */
  readonly direct: DirectObjects | undefined;
  /** `fn` through the pacer; a failure becomes a CloudError (an abort stays as it is). */
  call<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export function openBucket(opts: Options, env: ConnectorEnv): Bucket {
  const agents = agentsFor(env);
  const s3 = createS3Client(opts, env, agents);
  const root = (opts.prefix ?? '').replace(/\/+$/, '');
  const prefix = root ? `${root}/` : '';
  // S3's limits are per prefix, not per account: each opened cloud paces its own calls.
  const pacer = createPacer({ name: 's3', classify, attempts: 5, baseDelayMs: 200, maxDelayMs: 20_000 });
  return {
    s3,
    name: opts.bucket,
    prefix,
    direct: directFor(opts, s3, agents),
    keyOf: (rel) => prefix + rel.split('/').filter(Boolean).join('/'),
    call: (fn, signal) =>
      pacer.call(fn, signal).catch((err) => {
        throw signal?.aborted ? err : toCloudError(err, opts);
      }),
  };
}

/** The bucket's direct requests; none when its address cannot be worked out here (the SDK will say why). */
function directFor(opts: Options, s3: S3Client, agents: Agents): DirectObjects | undefined {
  try {
    const endpointProvider = s3.config.endpointProvider as Parameters<typeof openDirect>[1]['endpointProvider'];
    return openDirect(opts, { endpointProvider, agents, S3ServiceException: sdk().S3ServiceException });
  } catch {
    return undefined;
  }
}
