// Ferry's crypt format against Debian's rclone: a crypt remote made of environment variables over a
// temporary folder. (a) Ferry writes, rclone lists and copies out the same names and bytes; (b) rclone
// writes, Ferry decrypts to the same names and bytes. Both name modes, with and without a salt
// (rclone's password2).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { decryptStream, encryptStream, HEADER_SIZE, newNonce, parseHeader } from '../../connectors/crypt/blocks.ts';
import { type CryptKeys, deriveKeys } from '../../connectors/crypt/keys.ts';
import { decryptPath, encryptPath, type NameMode } from '../../connectors/crypt/names.ts';

const RCLONE = process.env.RCLONE_BIN ?? '/usr/bin/rclone';
const PASSWORD = 'Ferry crypt – test ✓';
const SALT = 'poivre & sel';

/** Nested folders, spaces, unicode, and the sizes that matter: empty, one byte, one block, several. */
const FILES: [string, number][] = [
  ['empty.txt', 0],
  ['Été 2024/un octet.bin', 1],
  ['Été 2024/Paris à pied/one block.raw', 65536],
  ['a/b/c/photo 01 (copy).JPG', 200 * 1024],
  // rclone keeps such a version stamp out of the cipher: both sides must agree.
  ['a/b/IMG-v2024-02-29-235959-999.jpg', 10],
];
const CONTENT = new Map(FILES.map(([path, size]) => [path, randomBytes(size)]));
/** `rclone lsf -R` of FILES: folders end in '/' (its order is the walk's: compared sorted). */
const LISTING = [...new Set(FILES.flatMap(([path]) => [...folders(path).map((f) => `${f}/`), path]))].sort();

function folders(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** rclone's standard output, as bytes (`rclone cat` writes the file's). */
async function rclone(env: Record<string, string>, ...args: string[]): Promise<Buffer> {
  const { stdout } = await promisify(execFile)(RCLONE, ['--config', '/dev/null', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

async function through(t: Transform, data: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from([data]).pipe(t)) out.push(c);
  return Buffer.concat(out);
}

/** Every file under `root`, as '/'-separated paths relative to it. */
async function walk(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)).split('\\').join('/'));
}

if (!existsSync(RCLONE)) {
  const why = `rclone is not installed at ${RCLONE} (apt-get install rclone): the interoperability test needs it`;
  test.skip(why, () => {});
} else {
  let work: string;
  const keys = new Map<string, CryptKeys>();
  const obscured = new Map<string, string>();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ferry-crypt-rclone-'));
    const [plain, salted] = await Promise.all([deriveKeys(PASSWORD), deriveKeys(PASSWORD, SALT)]);
    keys.set('', plain);
    keys.set(SALT, salted);
    for (const secret of [PASSWORD, SALT])
      obscured.set(secret, (await rclone({}, 'obscure', secret)).toString().trim());
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  describe.each([
    ['standard', ''],
    ['standard', SALT],
    ['off', ''],
    ['off', SALT],
  ] as [NameMode, string][])('%s names, salt "%s"', (mode, salt) => {
    const remote = (dir: string): Record<string, string> => ({
      RCLONE_CONFIG_V_TYPE: 'crypt',
      RCLONE_CONFIG_V_REMOTE: dir,
      RCLONE_CONFIG_V_PASSWORD: obscured.get(PASSWORD)!,
      ...(salt ? { RCLONE_CONFIG_V_PASSWORD2: obscured.get(SALT)! } : {}),
      RCLONE_CONFIG_V_FILENAME_ENCRYPTION: mode,
    });
    const tag = `${mode}-${salt ? 'salt' : 'nosalt'}`;

    test('rclone lists and copies out what Ferry encrypted, name for name and byte for byte', async () => {
      const k = keys.get(salt)!;
      const vault = join(work, `ferry-${tag}`);
      for (const [path, data] of CONTENT) {
        const stored = join(vault, encryptPath(k, path, mode, true));
        await mkdir(dirname(stored), { recursive: true });
        await writeFile(stored, await through(encryptStream(k, newNonce()), data));
      }
      // What is stored is what the mode says: encrypted names, or the names with .bin.
      const stored = await walk(vault);
      if (mode === 'off') expect(stored.sort()).toEqual(FILES.map(([p]) => `${p}.bin`).sort());
      else for (const s of stored) expect(s).toMatch(/^[0-9a-v]+(\/[0-9a-v]+)*(-v\d{4}-\d{2}-\d{2}-\d{6}-\d{3})?$/);

      const env = remote(vault);
      const out = join(work, `ferry-${tag}-out`);
      const [path] = FILES[3];
      const data = CONTENT.get(path)!;
      // rclone starts in a few hundred milliseconds on a loaded machine: the independent commands run together.
      const [listing, , cat, part] = await Promise.all([
        rclone(env, 'lsf', '-R', 'v:'),
        rclone(env, 'copy', 'v:', out),
        rclone(env, 'cat', `v:${path}`),
        // From the middle of the second block to the middle of the third: rclone seeks in Ferry's blocks.
        rclone(env, 'cat', '--offset', '100000', '--count', '50000', `v:${path}`),
      ]);
      expect(listing.toString().split('\n').filter(Boolean).sort()).toEqual(LISTING);
      expect((await walk(out)).sort()).toEqual([...CONTENT.keys()].sort());
      for (const [p, d] of CONTENT) expect(await readFile(join(out, p))).toEqualBytes(d);
      expect(cat).toEqualBytes(data);
      expect(part).toEqualBytes(data.subarray(100_000, 150_000));
    });

    test('Ferry decrypts what rclone copied into a crypt remote, name for name and byte for byte', async () => {
      const k = keys.get(salt)!;
      const src = join(work, `plain-${tag}`);
      for (const [path, data] of CONTENT) {
        await mkdir(dirname(join(src, path)), { recursive: true });
        await writeFile(join(src, path), data);
      }
      const vault = join(work, `rclone-${tag}`);
      await rclone(remote(vault), 'copy', src, 'v:');
      const seen = new Map<string, Buffer>();
      for (const stored of await walk(vault)) {
        const file = await readFile(join(vault, stored));
        const nonce = parseHeader(file.subarray(0, HEADER_SIZE));
        seen.set(
          decryptPath(k, stored, mode, true),
          await through(decryptStream(k, nonce), file.subarray(HEADER_SIZE)),
        );
      }
      expect([...seen.keys()].sort()).toEqual([...CONTENT.keys()].sort());
      for (const [path, data] of CONTENT) expect(seen.get(path)).toEqualBytes(data);
    });
  });
}
