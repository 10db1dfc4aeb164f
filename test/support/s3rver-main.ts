// s3rver as a process of its own, as a real S3 service is. Started by test/support/s3.ts and the
// benchmarks with --openssl-legacy-provider: s3rver encrypts its list continuation tokens with DES,
// which OpenSSL 3 only offers through its legacy provider.
//
// s3rver 3.7 lacks three multipart operations Ferry relies on to resume and clean up: ListParts,
// AbortMultipartUpload and ListMultipartUploads. They are added here, as the S3 API reference
// describes them, over s3rver's own upload store (one folder per upload id, one file per part),
// and UploadPart refuses an upload id that does not exist.
import fs from 'node:fs/promises';
import path from 'node:path';
import S3rver from 's3rver';

const [dir, bucket, port = '0'] = process.argv.slice(2);
const server = new S3rver({
  port: Number(port),
  address: '127.0.0.1',
  silent: true,
  directory: dir,
  configureBuckets: [{ name: bucket, configs: [] }],
});

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
// Part uploads in flight per upload id, and the ids being aborted: an abort waits for the parts
// being written (s3rver opens a part's file after the request started, so removing the folder under
// it makes its write stream fail with no handler, and the process with it), and a part that arrives
// during the abort is refused, as S3 refuses parts of an upload it no longer has.
const writing = new Map<string, Set<Promise<void>>>();
const aborting = new Set<string>();
type Ctx = {
  req: import('node:http').IncomingMessage;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  body: unknown;
  type: string;
  set(h: string, v: string): void;
};

const multipart = async (ctx: Ctx, next: () => Promise<void>) => {
  const [, b, ...rest] = decodeURIComponent(ctx.path).split('/');
  const key = rest.join('/');
  const store = (server as unknown as { store: { getResourcePath(b: string, k: undefined, r: string): string } }).store;
  const uploads = b ? store.getResourcePath(b, undefined, 'uploads') : '';
  const noSuchUpload = () => {
    ctx.status = 404;
    ctx.type = 'application/xml';
    ctx.body = xml(
      `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not ` +
        `exist.</Message><UploadId>${esc(ctx.query.uploadId)}</UploadId></Error>`,
    );
  };
  if (key && 'uploadId' in ctx.query && ctx.method === 'PUT') {
    // A part for an upload that was aborted (or never was) is refused, as S3 does; s3rver would
    // quietly recreate the upload's folder.
    const id = path.basename(ctx.query.uploadId);
    const stored = await fs.readFile(path.join(uploads, id, 'key'), 'utf8').catch(() => null);
    if (stored !== key || aborting.has(id)) return noSuchUpload();
    const parts = writing.get(id) ?? new Set();
    writing.set(id, parts);
    const part = next();
    // A part whose client hung up mid-body never ends (s3rver waits for the rest of its body): an
    // abort waits for it only until its request is gone, which may have happened already.
    const cut = new Promise<void>((r) => {
      if (ctx.req.destroyed && !ctx.req.complete) r();
      else ctx.req.once('close', () => !ctx.req.complete && r());
    });
    const tracked = Promise.race([part.catch(() => {}), cut]);
    parts.add(tracked);
    try {
      return await part;
    } finally {
      parts.delete(tracked);
      if (parts.size === 0) writing.delete(id);
    }
  }
  if (key && 'uploadId' in ctx.query && (ctx.method === 'GET' || ctx.method === 'DELETE')) {
    const uploadDir = path.join(uploads, path.basename(ctx.query.uploadId));
    const stored = await fs.readFile(path.join(uploadDir, 'key'), 'utf8').catch(() => null);
    if (stored !== key) return noSuchUpload();
    if (ctx.method === 'DELETE') {
      const id = path.basename(ctx.query.uploadId);
      aborting.add(id);
      try {
        await Promise.allSettled(writing.get(id) ?? []);
        await fs.rm(uploadDir, { recursive: true, force: true });
      } finally {
        aborting.delete(id);
      }
      ctx.status = 204;
      return;
    }
    // A part whose upload was cut off has no .md5 beside it: it was never acknowledged.
    const names = await fs.readdir(uploadDir);
    const numbers = names
      .filter((f) => /^\d+$/.test(f) && names.includes(`${f}.md5`))
      .map(Number)
      .sort((x, y) => x - y);
    const parts = await Promise.all(
      numbers.map(async (n) => {
        const [st, md5] = await Promise.all([
          fs.stat(path.join(uploadDir, String(n))),
          fs.readFile(path.join(uploadDir, `${n}.md5`), 'utf8'),
        ]);
        return `<Part><PartNumber>${n}</PartNumber><ETag>"${md5}"</ETag><Size>${st.size}</Size></Part>`;
      }),
    );
    ctx.type = 'application/xml';
    ctx.body = xml(
      `<ListPartsResult><Bucket>${esc(b)}</Bucket><Key>${esc(key)}</Key><UploadId>${esc(ctx.query.uploadId)}` +
        `</UploadId><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`,
    );
    return;
  }
  if (b && !key && ctx.method === 'GET' && 'uploads' in ctx.query) {
    const ids = await fs.readdir(uploads).catch(() => [] as string[]);
    const entries = await Promise.all(
      ids.map(
        async (id) =>
          `<Upload><Key>${esc(await fs.readFile(path.join(uploads, id, 'key'), 'utf8').catch(() => ''))}</Key>` +
          `<UploadId>${esc(id)}</UploadId></Upload>`,
      ),
    );
    ctx.type = 'application/xml';
    ctx.body = xml(
      `<ListMultipartUploadsResult><Bucket>${esc(b)}</Bucket><IsTruncated>false</IsTruncated>${entries.join('')}` +
        `</ListMultipartUploadsResult>`,
    );
    return;
  }
  return next();
};
// Before s3rver's router (its first middleware is the logger).
(server as unknown as { middleware: unknown[] }).middleware.splice(1, 0, multipart);

const { port: actual } = await server.run();
process.stdout.write(`${JSON.stringify({ port: actual })}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
