// Amazon S3 and S3-compatible storage (MinIO, Wasabi, Backblaze B2, Cloudflare R2, …).
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { z } from 'zod';
import { assertPublicHost, PrivateEndpointError, publicOnlyLookup } from '../lib/net-guard.ts';
import { hasherFor, hashStream } from '../lib/hashes.ts';
import { mediaTypeOf } from '../media.ts';
import { createPacer, isTransientNetworkError, retryAfterMs, sleep, type RetryVerdict } from '../lib/pacer.ts';
import {
  CloudError,
  defineConnector,
  type ConnectorEnv,
  type Destination,
  type Entry,
  type PutOptions,
  type Source,
} from '../types.ts';
import { pageOf } from '../lib/paging.ts';
import { rangeHeader } from '../lib/range.ts';

const MiB = 1024 * 1024;
/** Parts uploaded at once per file: memory is about this many parts. */
const PARTS_IN_FLIGHT = 4;
const MAX_PARTS = 10_000;
/** Entries per browse() page. */
const BROWSE_PAGE = 500;

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

const unquote = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');
const isPlainMd5 = (etag: string) => /^[0-9a-f]{32}$/.test(etag);

/**
 * A fixed set of part buffers, reused from part to part: memory stays at about
 * (parts in flight + 1) × part size whatever the file's size, and no garbage piles up per part.
 */
class PartBuffers {
  private free: Buffer[] = [];
  private mine = new WeakSet<ArrayBufferLike>();
  private made = 0;
  private waiting: ((b: Buffer) => void)[] = [];
  private readonly size: number;
  private readonly max: number;
  constructor(size: number, max: number) {
    this.size = size;
    this.max = max;
  }
  async take(): Promise<Buffer> {
    const b = this.free.pop();
    if (b) return b;
    if (this.made < this.max) {
      this.made++;
      const b = Buffer.allocUnsafeSlow(this.size);
      this.mine.add(b.buffer);
      return b;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  give(piece: Buffer): void {
    if (!this.mine.has(piece.buffer)) return; // a source chunk passed through as it was
    const whole = Buffer.from(piece.buffer, 0, this.size); // allocUnsafeSlow: one ArrayBuffer per buffer
    const next = this.waiting.shift();
    if (next) next(whole);
    else this.free.push(whole);
  }
}

/** Reads a stream in pieces of exactly `size` bytes (the last may be shorter), into pooled buffers. */
async function* pieces(stream: Readable, size: number, pool: PartBuffers): AsyncGenerator<Buffer> {
  let buf: Buffer | null = null;
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (filled === 0 && chunk.length === size) {
      yield chunk; // exactly one piece (a small file read in one go): no copy needed
      continue;
    }
    for (let off = 0; off < chunk.length; ) {
      buf ??= await pool.take();
      const n = Math.min(chunk.length - off, size - filled);
      chunk.copy(buf, filled, off, off + n);
      filled += n;
      off += n;
      if (filled === size) {
        yield buf;
        buf = null;
        filled = 0;
      }
    }
  }
  if (buf) yield buf.subarray(0, filled);
}

/** The one retry classifier of this connector. */
export function classify(err: unknown): RetryVerdict {
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

interface MultipartState {
  key: string;
  uploadId: string;
  partSize: number;
  parts: { n: number; etag: string; md5: string; size: number }[];
}

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
    .max(64)
    .regex(/^[a-z0-9-]+$/, 'a region name such as us-east-1')
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
  accessKeyId: z.string().min(1).max(256).meta({ writeOnly: true }).describe('Access key id'),
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
type Options = z.infer<typeof options>;

/** The key prefix of the cloud's root, '' or ending in '/'. */
function rootPrefix(opts: Options): string {
  const p = (opts.prefix ?? '').replace(/\/+$/, '');
  return p ? `${p}/` : '';
}

export function createS3Client(opts: Options, env: ConnectorEnv): S3Client {
  const lookup = env.allowPrivateEndpoints ? undefined : publicOnlyLookup;
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
      httpAgent: new http.Agent({ keepAlive: true, lookup }),
      httpsAgent: new https.Agent({ keepAlive: true, lookup }),
    }),
  });
  // Over plain http the SDK would SHA-256 every body to sign it: a second pass over every byte.
  // Uploads carry Content-MD5, which S3 checks, so the signature need not cover the payload (as
  // over https, where the SDK signs UNSIGNED-PAYLOAD by default).
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers?.['content-md5']) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'finalizeRequest', name: 'ferryUnsignedPayload', priority: 'high' },
  );
  return client;
}

/** Maps SDK and network failures to what a user can act on. */
function cloudError(err: unknown, opts: Options): CloudError {
  if (err instanceof CloudError) return err;
  if (err instanceof PrivateEndpointError || (err as { cause?: unknown }).cause instanceof PrivateEndpointError) {
    return new CloudError('unreachable', (err as Error).message, { cause: err });
  }
  if (err instanceof S3ServiceException) {
    const status = err.$metadata.httpStatusCode;
    if (err.name === 'NoSuchBucket') {
      return new CloudError('invalid_options', `Bucket ${opts.bucket} does not exist in ${opts.region}.`, {
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
        `The S3 service refused these credentials for bucket ${opts.bucket} (${err.name}). ` +
          `Check the access key and its permissions.`,
        {
          cause: err,
        },
      );
    }
    return new CloudError('failed', `The S3 service answered ${status ?? ''} ${err.name}: ${err.message}`.trim(), {
      cause: err,
    });
  }
  return new CloudError(
    'unreachable',
    `Cannot reach the S3 endpoint ${opts.endpoint ?? 'of AWS'}: ${(err as Error).message}`,
    { cause: err },
  );
}

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
    const s3 = createS3Client(opts, env);
    const prefix = rootPrefix(opts);
    const Bucket = opts.bucket;
    const pacer = createPacer({ classify, attempts: 5, baseDelayMs: 200, maxDelayMs: 20_000 });
    const call = <T>(fn: () => Promise<T>, signal?: AbortSignal) =>
      pacer.call(fn, signal).catch((err) => {
        throw signal?.aborted ? err : cloudError(err, opts);
      });
    const keyOf = (rel: string) => prefix + rel.split('/').filter(Boolean).join('/');

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
        const out = await call(() => s3.send(new HeadObjectCommand({ Bucket, Key }), { abortSignal: signal }), signal);
        return { etag: unquote(out.ETag), size: out.ContentLength };
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
        const cause = err instanceof CloudError ? err.cause : undefined;
        if (
          !(cause instanceof S3ServiceException) ||
          (cause.$metadata.httpStatusCode !== 412 && cause.name !== 'PreconditionFailed')
        )
          throw err;
        if ((await etagAt(Key, signal)) === ours) return null;
        throw exists(Key);
      }
    }

    async function putSingle(Key: string, body: Buffer, o: PutOptions) {
      const { modifiedAt, signal } = o;
      const md5 = crypto.createHash('md5').update(body).digest();
      await refuseIfPresent(Key, o.mode, signal);
      const out = (await commitOnce(Key, md5.toString('hex'), signal, () =>
        s3.send(
          new PutObjectCommand({
            Bucket,
            Key,
            Body: body,
            ContentLength: body.length,
            ContentMD5: md5.toString('base64'),
            Metadata: modifiedAt ? { mtime: modifiedAt } : undefined,
            IfNoneMatch: ifNoneMatch(o.mode),
          }),
          { abortSignal: signal },
        ),
      )) ?? { ETag: md5.toString('hex') };
      const etag = unquote(out.ETag);
      if (etag !== md5.toString('hex'))
        throw new CloudError(
          'corrupt',
          `S3 stored ${Key} with ETag ${etag}, but the bytes sent have md5 ${md5.toString('hex')}.`,
        );
      return { size: body.length, hash: { kind: 'md5' as const, value: etag } };
    }

    /** Resumes the saved upload when S3 still has it; otherwise starts afresh. */
    async function resumeOrCreate(
      Key: string,
      saved: MultipartState | null,
      partSize: number,
      modifiedAt: string | undefined,
      signal?: AbortSignal,
    ): Promise<MultipartState> {
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
            new CreateMultipartUploadCommand({ Bucket, Key, Metadata: modifiedAt ? { mtime: modifiedAt } : undefined }),
            { abortSignal: signal },
          ),
        signal,
      );
      return { key: Key, uploadId: created.UploadId!, partSize, parts: [] };
    }

    const destination: Destination = {
      async put(rel, open, o) {
        const Key = keyOf(rel);
        const saved = (o.checkpoint?.state ?? null) as MultipartState | null;
        const partSize = saved?.key === Key ? saved.partSize : partSizeFor(o.size);
        if (o.size !== undefined && Math.ceil(o.size / partSize) > MAX_PARTS)
          throw new CloudError('invalid_options', `${rel} is too large for S3.`);

        // Small files (and the first piece of any file) decide between one PUT and a multipart upload.
        let state: MultipartState | null = null;
        if (saved?.key === Key) state = await resumeOrCreate(Key, saved, partSize, o.modifiedAt, o.signal);
        let contiguous = 0;
        if (state) while (state.parts.some((p) => p.n === contiguous + 1)) contiguous++;
        state?.parts.splice(0, state.parts.length, ...state.parts.filter((p) => p.n <= contiguous));
        const offset = contiguous * partSize;
        // Every part already acknowledged (the last attempt died before Complete): nothing to read.
        const stream = o.size !== undefined && state && offset >= o.size ? Readable.from([]) : await open(offset);
        // A small file of known size needs one buffer of its own size, not a part's.
        const bufferSize = o.size !== undefined && o.size - offset < partSize ? Math.max(1, o.size - offset) : partSize;
        const pool = new PartBuffers(bufferSize, PARTS_IN_FLIGHT + 1);

        let failure: unknown;
        // Checkpoints are saved in order; a failed save fails the upload (it is not left unhandled).
        let saving = Promise.resolve();
        const save = (state: MultipartState) => {
          saving = saving
            .then(() => o.checkpoint!.save(state))
            .catch((err) => {
              failure ??= err;
            });
        };
        const inflight = new Set<Promise<void>>();
        let n = contiguous;
        let sent = offset;
        // The whole content's md5, to hold against the source's before anything is committed.
        const whole = o.expectedMd5 && offset === 0 ? crypto.createHash('md5') : undefined;
        const sourceMismatch = () => {
          const got = whole?.digest('hex');
          return got && got !== o.expectedMd5
            ? new CloudError('corrupt', `The bytes read have md5 ${got}; the source says ${o.expectedMd5}.`)
            : null;
        };
        const reader = pieces(stream, bufferSize, pool);
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
                const stored = await putSingle(Key, piece, o);
                o.onProgress?.(stored.size);
                return stored;
              }
              state = await resumeOrCreate(Key, null, partSize, o.modifiedAt, o.signal);
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
          const ownCommit = { size, hash: { kind: 's3etag' as const, value: expected } };
          if (await refuseIfPresent(Key, o.mode, o.signal, { etag: expected, size })) {
            // Our own earlier commit is there: this upload is not needed.
            await destination.abandon!(state).catch(() => {});
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
            await destination.abandon!(state).catch(() => {});
            return ownCommit;
          }
          // Every part was checked against its own md5 as S3 acknowledged it. AWS (and most
          // compatibles) then name the whole object md5(part md5s)-N, which proves the assembly too;
          // services with another ETag scheme get their stored size checked instead.
          const etag = unquote(done.ETag);
          if (/-\d+$/.test(etag)) {
            if (etag !== expected)
              throw new CloudError(
                'corrupt',
                `S3 completed ${Key} with ETag ${etag}; the parts sent give ${expected}.`,
              );
          } else {
            const head = await call(
              () => s3.send(new HeadObjectCommand({ Bucket, Key }), { abortSignal: o.signal }),
              o.signal,
            );
            if (head.ContentLength !== size)
              throw new CloudError('corrupt', `S3 stored ${head.ContentLength} bytes for ${Key}; ${size} were sent.`);
          }
          return { size, hash: { kind: 's3etag', value: expected } };
        } catch (err) {
          await Promise.allSettled(inflight);
          await saving;
          stream.destroy(); // the source (socket, file) is closed, not left half-read
          await reader.return(undefined).catch(() => {});
          // Without a checkpoint the upload cannot be resumed: do not leave its parts behind.
          if (state && !o.checkpoint) await destination.abandon!(state).catch(() => {});
          throw err;
        }
      },
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
          const cause = err instanceof CloudError ? err.cause : undefined;
          // changed meanwhile: unknown
          if (cause instanceof S3ServiceException && cause.$metadata.httpStatusCode === 412) return null;
          throw err;
        }
      },
      async abandon(state) {
        const st = state as MultipartState | null;
        if (!st?.uploadId) return;
        // S3: parts still in flight during an abort may be stored after it, so abort until ListParts
        // no longer finds the upload.
        for (let round = 0; round < 3; round++) {
          try {
            await call(() => s3.send(new AbortMultipartUploadCommand({ Bucket, Key: st.key, UploadId: st.uploadId })));
            await call(() =>
              s3.send(new ListPartsCommand({ Bucket, Key: st.key, UploadId: st.uploadId, MaxParts: 1 })),
            );
          } catch (err) {
            if (err instanceof CloudError && err.reason === 'not_found') return;
            throw err;
          }
          await sleep(1000);
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
      features: {},
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
          throw cloudError(err, opts);
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
          throw cloudError(err, opts);
        }
        if (folder && !any) throw new CloudError('not_found', `Folder ${folder} not found.`);
        return pageOf(entries, cursor, BROWSE_PAGE);
      },
    };
  },
});
