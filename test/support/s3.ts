// A real S3 server (s3rver) on loopback, in a process of its own, with a bucket.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../connectors/s3/client.ts';
import { testEnv } from './env.ts';

export interface TestS3 {
  endpoint: string;
  port: number;
  bucket: string;
  dir: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Options of an `s3` cloud on this bucket, reached directly or through `endpoint` (a proxy). */
  options(extra?: { endpoint?: string; prefix?: string }): Record<string, unknown>;
  /** A client that goes straight to the server, to check what landed. */
  client(): S3Client;
  /** The server's process (a benchmark may lower its priority). */
  pid: number;
  close(): Promise<void>;
}

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), 's3rver-main.ts');

export async function startS3(bucket = 'ferry-test'): Promise<TestS3> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-s3-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', main, dir, bucket], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const { port } = JSON.parse(line) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  // s3rver's built-in account
  const options = (extra: { endpoint?: string; prefix?: string } = {}) => ({
    endpoint,
    region: 'us-east-1',
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    ...extra,
  });
  return {
    endpoint,
    port,
    pid: child.pid!,
    bucket,
    dir,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    options,
    client: () => createS3Client(options() as Parameters<typeof createS3Client>[0], testEnv()),
    async close() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
