// The two requests every small file makes, HeadObject and PutObject, sent as plain signed HTTP
// requests instead of through the SDK's command stack. Measured on 1 MiB files against s3rver, the
// stack (serializers, endpoint rules, middleware, deserializers, an exception per 404) cost about
// 1.7 ms of CPU per file for the two, against about 0.3 ms sent so: a fifth of Ferry's CPU per small
// file. Large files keep the SDK: a part is megabytes, its request's overhead does not show.
// The SDK still decides the address (its endpoint rules, once per bucket) and signs (its
// SignatureV4, as it signs its own requests); failures are thrown as its S3ServiceException, so
// client.ts judges them as it judges the SDK's. A refusal for a clock too far off, which the SDK's
// signing corrects, hands the bucket to the SDK.
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { S3ServiceException } from '@aws-sdk/client-s3';
import type { SignatureV4 } from '@smithy/signature-v4';
import { loadLater } from '../lib/load-later.ts';
import type { Agents } from './client.ts';

const signerLib = loadLater<typeof import('@smithy/signature-v4')>('@smithy/signature-v4');

/** How long an answer may take, as for the SDK's requests (client.ts). */
const REQUEST_TIMEOUT_MS = 60_000;
/** An error body is a few hundred bytes of XML; more is not read. */
const MAX_ERROR_BODY = 64 * 1024;
/** S3 refuses a request signed more than 15 minutes off its clock; a refusal this far off is that. */
const MAX_SKEW_MS = 5 * 60_000;
/** The hash of an empty body, which a request without one signs. */
const EMPTY_SHA256 = crypto.createHash('sha256').digest('hex');

/** What a PutObject carries besides its body, as the SDK's command fields are named. */
export interface PutFields {
  ContentMD5: string;
  Metadata?: Record<string, string>;
  IfNoneMatch?: string;
  ObjectLockMode?: string;
  ObjectLockRetainUntilDate?: Date;
}

/** Each resolves to undefined, having done nothing, when the SDK is to send the request instead. */
export interface DirectObjects {
  /**
   * HeadObject: the object's ETag (quoted, as sent) and size, or null when there is none (the usual
   * answer before an upload: it costs no exception).
   */
  head(Key: string, signal?: AbortSignal): Promise<{ ETag?: string; ContentLength?: number } | null | undefined>;
  /** PutObject of a whole body: its ETag. */
  put(Key: string, body: Buffer, fields: PutFields, signal?: AbortSignal): Promise<{ ETag?: string } | undefined>;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array =>
  typeof d === 'string'
    ? d
    : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : new Uint8Array(d);

/** The SDK's sha256 interface over node:crypto, for the signer: an HMAC when given a key. */
class Sha256 {
  private readonly hash: crypto.Hash | crypto.Hmac;
  constructor(key?: SourceData) {
    this.hash = key === undefined ? crypto.createHash('sha256') : crypto.createHmac('sha256', bytes(key));
  }
  update(data: SourceData) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

/** A key as the SDK puts it in a path: each segment encoded, ! ' ( ) * too; slashes kept. */
const encodeKey = (Key: string) =>
  Key.split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
}

/**
 * The direct requests for `bucket`, or undefined where the SDK's way is needed from the start: an
 * endpoint whose rules ask for more than plain SigV4 (S3 Express directory buckets), or a cloud
 * that asked for the SDK's checksums (checksumMode when_supported).
 */
export function openDirect(
  o: {
    bucket: string;
    region: string;
    endpoint?: string;
    forcePathStyle?: boolean;
    accessKeyId: string;
    secretAccessKey: string;
    checksumMode?: string;
  },
  sdk: {
    /** The SDK client's endpoint rules. */
    endpointProvider: (params: Record<string, unknown>, context: Record<string, unknown>) => unknown;
    /** The connections the SDK client uses. */
    agents: Agents;
    /** The SDK's error class: failures are thrown as it would throw them. */
    S3ServiceException: typeof S3ServiceException;
  },
): DirectObjects | undefined {
  const { agents } = sdk;
  if (o.checksumMode === 'when_supported') return undefined;
  const resolved = sdk.endpointProvider(
    {
      Bucket: o.bucket,
      Region: o.region,
      Endpoint: o.endpoint,
      ForcePathStyle: o.forcePathStyle ?? false,
      UseFIPS: false,
      UseDualStack: false,
      Accelerate: false,
    },
    {},
  ) as { url: URL; properties?: { authSchemes?: { name?: string; signingName?: string; signingRegion?: string }[] } };
  const scheme = resolved.properties?.authSchemes?.[0];
  if (scheme?.name !== 'sigv4') return undefined;
  const { url } = resolved;
  const signer: SignatureV4 = new (signerLib().SignatureV4)({
    credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
    region: scheme.signingRegion ?? o.region,
    service: scheme.signingName ?? 's3',
    sha256: Sha256,
    // S3 signs the path as sent, not encoded twice (the SDK's S3 signer does the same).
    uriEscapePath: false,
    applyChecksum: false,
  });
  const secure = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : undefined;
  const base = url.pathname.replace(/\/$/, '');
  /** Set once the clock was found off: the SDK sends this bucket's requests from then on. */
  let handedOver = false;

  async function send(
    method: 'HEAD' | 'PUT',
    Key: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Answer | undefined> {
    if (handedOver) return undefined;
    const path = `${base}/${encodeKey(Key)}`;
    // The SDK names a PutObject in its query (S3 ignores it): the request is the SDK's to the letter.
    const query: Record<string, string> = method === 'PUT' ? { 'x-id': 'PutObject' } : {};
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port,
      path,
      query,
      headers: { host: url.host, ...headers },
    });
    const answer = await new Promise<Answer & { body: Buffer }>((resolve, reject) => {
      const req = (secure ? https : http).request(
        {
          method,
          host: url.hostname,
          port,
          path: method === 'PUT' ? `${path}?x-id=PutObject` : path,
          headers: signed.headers,
          agent: secure ? agents.https : agents.http,
          signal,
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          // A success's body is empty; an error's is a little XML, read up to a bound.
          const parts: Buffer[] = [];
          let length = 0;
          res.on('data', (b: Buffer) => {
            if (length < MAX_ERROR_BODY) parts.push(b);
            length += b.length;
          });
          res.once('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
          );
          res.once('error', reject);
        },
      );
      req.once('timeout', () =>
        req.destroy(
          Object.assign(new Error(`No answer from S3 in ${REQUEST_TIMEOUT_MS / 1000} s`), { name: 'TimeoutError' }),
        ),
      );
      req.once('error', reject);
      req.end(body);
    });
    if (answer.status < 300 || (method === 'HEAD' && answer.status === 404)) return answer;
    const err = failure(sdk.S3ServiceException, answer, answer.body.toString('utf8'));
    // A clock too far off is what the SDK's signing deals with: it learns the offset from S3's
    // answers and signs with it (a HEAD's refusal has no code; its Date tells). The SDK takes the
    // bucket over, this call included.
    const skewed =
      err.name === 'RequestTimeTooSkewed' ||
      (answer.status === 403 && Math.abs(Date.parse(String(answer.headers.date)) - Date.now()) > MAX_SKEW_MS);
    if (skewed) {
      handedOver = true;
      return undefined;
    }
    throw err;
  }

  return {
    async head(Key, signal) {
      const answer = await send('HEAD', Key, { 'x-amz-content-sha256': EMPTY_SHA256 }, undefined, signal);
      if (!answer) return undefined;
      if (answer.status === 404) return null;
      const length = answer.headers['content-length'];
      return { ETag: answer.headers.etag, ContentLength: length === undefined ? undefined : Number(length) };
    },
    async put(Key, body, f, signal) {
      const headers: Record<string, string> = {
        'content-length': String(body.length),
        'content-md5': f.ContentMD5,
        'content-type': 'application/octet-stream',
        // Content-MD5 is checked by S3, so the signature need not cover the body (client.ts).
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      };
      for (const [name, value] of Object.entries(f.Metadata ?? {})) headers[`x-amz-meta-${name}`] = value;
      if (f.IfNoneMatch) headers['if-none-match'] = f.IfNoneMatch;
      if (f.ObjectLockMode) headers['x-amz-object-lock-mode'] = f.ObjectLockMode;
      // As the SDK writes a date-time: whole seconds without the .000.
      const until = f.ObjectLockRetainUntilDate?.toISOString().replace('.000Z', 'Z');
      if (until) headers['x-amz-object-lock-retain-until-date'] = until;
      const answer = await send('PUT', Key, headers, body, signal);
      return answer && { ETag: answer.headers.etag };
    },
  };
}

/**
 * An answer of 300 or more as the SDK would throw it (a redirect too: the SDK is not set to follow
 * them): named by the error's <Code> (a HEAD has no body: Forbidden, … as the SDK names them),
 * with the status and the headers (Retry-After).
 */
function failure(ServiceException: typeof S3ServiceException, answer: Answer, xml: string): Error {
  const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  const name = tag('Code') ?? (http.STATUS_CODES[answer.status] ?? 'UnknownError').replace(/\s+/g, '');
  const err = new ServiceException({
    name,
    $fault: answer.status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: answer.status, requestId: tag('RequestId') },
    message: tag('Message') ?? name,
  });
  return Object.assign(err, { $response: { statusCode: answer.status, headers: answer.headers } });
}
