// s3rver as a process of its own, as a real S3 service is. Started by test/support/s3.ts and the
// benchmarks with --openssl-legacy-provider: s3rver encrypts its list continuation tokens with DES,
// which OpenSSL 3 only offers through its legacy provider.
//
// s3rver 3.7 lacks three multipart operations Ferry relies on to resume and clean up: ListParts,
// AbortMultipartUpload and ListMultipartUploads. They are added here, as the S3 API reference
// describes them, over s3rver's own upload store (one folder per upload id, one file per part),
// and UploadPart refuses an upload id that does not exist.
import crypto from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
type Ctx = {
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
    const stored = await fs
      .readFile(path.join(uploads, path.basename(ctx.query.uploadId), 'key'), 'utf8')
      .catch(() => null);
    if (stored !== key) return noSuchUpload();
    return next();
  }
  if (key && 'uploadId' in ctx.query && (ctx.method === 'GET' || ctx.method === 'DELETE')) {
    const uploadDir = path.join(uploads, path.basename(ctx.query.uploadId));
    const stored = await fs.readFile(path.join(uploadDir, 'key'), 'utf8').catch(() => null);
    if (stored !== key) return noSuchUpload();
    if (ctx.method === 'DELETE') {
      // Moved aside in one step, then removed: removed in place, a part being written meanwhile could
      // create its file after the folder was emptied, and the folder would stay, its key gone.
      const gone = path.join(uploads, `.aborted-${crypto.randomUUID()}`);
      await fs.rename(uploadDir, gone);
      await fs.rm(gone, { recursive: true, force: true });
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
    const ids = (await fs.readdir(uploads).catch(() => [] as string[])).filter((id) => !id.startsWith('.'));
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
// s3rver's own putPart creates the upload's folder again when an abort removed it, and writes the
// part through a stream with no error handler: a part written while its upload is aborted either
// brings the upload back or crashes the server. This one writes into the upload's folder only while
// it exists, and a part whose upload goes meanwhile fails (as S3 fails parts of an aborted upload).
type Store = { putPart(b: string, id: string, n: number, content: Readable): Promise<{ size: number; md5: string }> };
const store = (server as unknown as { store: Store & { getResourcePath(b: string, k: undefined, r: string): string } })
  .store;
store.putPart = async (b, uploadId, partNumber, content) => {
  const file = path.join(store.getResourcePath(b, undefined, 'uploads'), path.basename(uploadId), String(partNumber));
  const md5 = crypto.createHash('md5');
  let size = 0;
  await pipeline(
    content,
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    }),
    createWriteStream(file),
  );
  const digest = md5.digest('hex');
  await fs.writeFile(`${file}.md5`, digest);
  return { size, md5: digest };
};

// s3rver writes an object in place: a reader meanwhile gets part of it, and a PUT cut off midway
// leaves what arrived where the object was. S3 shows an object whole once its upload completed and a
// PUT cut off changes nothing, so here the bytes are written beside it and renamed over it once
// complete; the md5 and metadata first, so that a new object appears whole with them.
type ObjectStore = {
  putObject(o: { bucket: string; key: string; content: Buffer | Readable; metadata: object }): Promise<unknown>;
  putMetadata(b: string, k: string, metadata: object, md5?: string): Promise<void>;
  getResourcePath(b: string, k: string, r: string): string;
};
const objects = store as unknown as ObjectStore;
objects.putObject = async ({ bucket: b, key, content, metadata }) => {
  const file = objects.getResourcePath(b, key, 'object');
  const staged = `${file}.${crypto.randomBytes(6).toString('hex')}.partial`;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const md5 = crypto.createHash('md5');
  let size = 0;
  try {
    await pipeline(
      Buffer.isBuffer(content) ? [content] : content,
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          md5.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(staged),
    );
  } catch (err) {
    await fs.rm(staged, { force: true });
    throw err;
  }
  const digest = md5.digest('hex');
  await objects.putMetadata(b, key, metadata, digest);
  await fs.rename(staged, file);
  return { size, md5: digest };
};
// Each file of the metadata replaced whole too: s3rver truncates it first, and a HEAD meanwhile failed.
const putMetadata = objects.putMetadata.bind(objects);
objects.putMetadata = async (b, key, metadata, md5) => {
  const stage = `${crypto.randomBytes(6).toString('hex')}.partial`;
  await putMetadata(b, `${key}${stage}`, metadata, md5);
  for (const r of md5 ? ['object.md5', 'metadata.json'] : ['metadata.json'])
    await fs.rename(objects.getResourcePath(b, `${key}${stage}`, r), objects.getResourcePath(b, key, r));
};

// Before s3rver's router (its first middleware is the logger).
(server as unknown as { middleware: unknown[] }).middleware.splice(1, 0, multipart);

const { port: actual } = await server.run();
process.stdout.write(`${JSON.stringify({ port: actual })}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
