// Throughput of rclone's crypt format as Ferry writes and reads it (connectors/crypt/blocks.ts): 256 MiB in
// memory, fed in 64 KiB chunks as a file stream gives them, through encryptStream then decryptStream.
// One core does it; the goal is at least 300 MiB/s encrypting.
// Usage: node bench/crypt.ts [MiB]   (writes bench/results/crypt.json)
import { randomBytes } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import {
  decryptStream,
  encryptedSize,
  encryptStream,
  HEADER_SIZE,
  newNonce,
  plainSize,
} from '../connectors/crypt/blocks.ts';
import { deriveKeys } from '../connectors/crypt/keys.ts';
import { MiB, writeResults } from './support.ts';

const size = Number(process.argv[2] ?? 256) * MiB;
const CHUNK = 64 * 1024;

function chunks(data: Buffer, from = 0): Buffer[] {
  const out: Buffer[] = [];
  for (let at = from; at < data.length; at += CHUNK) out.push(data.subarray(at, at + CHUNK));
  return out;
}

/** Runs the chunks through the stream; its output (copied out as an upload would send it, so that the
 *  stream's buffers can be collected), and the wall and CPU seconds it took. */
async function measure(input: Buffer[], t: Transform, outSize: number) {
  // Touched (a fill, not calloc's lazy zero pages) before the clock: a fresh page costs a fault, dear in a VM.
  const out = Buffer.alloc(outSize, 1);
  let at = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for await (const c of Readable.from(input).pipe(t)) at += c.copy(out, at);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  if (at !== outSize) throw new Error(`${at} bytes out, ${outSize} expected`);
  return { out, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

const keys = await deriveKeys('bench password');
const nonce = newNonce();
// A transfer streams for a long time: measure the warm code (JIT, the allocator's pages), not its first MiB.
const warm = randomBytes(32 * MiB);
const warmed = await measure(chunks(warm), encryptStream(keys, nonce), encryptedSize(warm.length));
await measure(chunks(warmed.out, HEADER_SIZE), decryptStream(keys, nonce), warm.length);
const plain = randomBytes(size);
const enc = await measure(chunks(plain), encryptStream(keys, nonce), encryptedSize(size));
const dec = await measure(chunks(enc.out, HEADER_SIZE), decryptStream(keys, nonce), size);
if (plainSize(enc.out.length) !== size || !dec.out.equals(plain)) throw new Error('the round trip differs');

const row = (what: string, r: { seconds: number; cpuSeconds: number }) => ({
  what,
  MiB: size / MiB,
  seconds: Number(r.seconds.toFixed(3)),
  cpuSeconds: Number(r.cpuSeconds.toFixed(3)),
  MiBps: Math.round(size / MiB / r.seconds),
  // On a loaded machine the wall clock lies; what one core does per CPU second does not.
  MiBperCpuSecond: Math.round(size / MiB / r.cpuSeconds),
});
const results = [row('encrypt', enc), row('decrypt', dec)];
console.table(results);
console.log(`written to ${await writeResults('crypt', results)}`);
