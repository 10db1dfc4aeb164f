// s3rver as a process of its own, as a real S3 service is. Started by test/support/s3.ts and the
// benchmarks with --openssl-legacy-provider: s3rver encrypts its list continuation tokens with DES,
// which OpenSSL 3 only offers through its legacy provider.
import S3rver from 's3rver';

const [dir, bucket, port = '0'] = process.argv.slice(2);
const server = new S3rver({ port: Number(port), address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
const { port: actual } = await server.run();
process.stdout.write(`${JSON.stringify({ port: actual })}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
