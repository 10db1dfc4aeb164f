// Checking a backup of Takeout exports against the generator's truth (test/support/takeout-export.ts):
// every distinct medium exactly once, with its bytes, name, folder, XMP and file time; nothing
// trashed; albums complete.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { TestS3 } from './s3.ts';
import type { TakeoutFixture, TruthMedia } from './takeout-export.ts';
import { expect } from '@jest/globals';
import { labelled } from './labelled.ts';

export const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

export async function localFiles(dir: string): Promise<Map<string, { bytes: Buffer; mtime: Date }>> {
  const out = new Map<string, { bytes: Buffer; mtime: Date }>();
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const full = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, full).split(path.sep).join('/'), {
      bytes: await fs.readFile(full),
      mtime: (await fs.stat(full)).mtime,
    });
  }
  return out;
}

export async function s3Files(s3: TestS3, prefix: string): Promise<Map<string, { bytes: Buffer; mtime?: string }>> {
  const client = s3.client();
  const out = new Map<string, { bytes: Buffer; mtime?: string }>();
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: o.Key! }));
      const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: o.Key! }));
      out.set(o.Key!.slice(prefix.length), {
        bytes: Buffer.from(await got.Body!.transformToByteArray()),
        mtime: head.Metadata?.mtime,
      });
    }
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

/** Decimal degrees from XMP's `DDD,MM.mmmmmmR`. */
export function coordinate(text: string): number {
  const m = /^(\d+),([\d.]+)([NSEW])$/.exec(text)!;
  const value = Number(m[1]) + Number(m[2]) / 60;
  return m[3] === 'S' || m[3] === 'W' ? -value : value;
}

const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
export const xmpValue = (xmp: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xmp)?.[1];

function expectedFolder(m: TruthMedia): string {
  return `${m.takenAt.getUTCFullYear()}/${String(m.takenAt.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** A name as the backup may give it: the title, or "stem (n).ext" when another file of the month has it. */
function nameMatches(actual: string, title: string): boolean {
  if (actual === title) return true;
  const ext = path.posix.extname(title);
  const stem = title.slice(0, title.length - ext.length);
  return (
    actual.startsWith(`${stem} (`) &&
    new RegExp(`^ \\(\\d+\\)${ext.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`).test(actual.slice(stem.length))
  );
}

/**
 * Checks a backup of exports 0..upTo against the fixture's truth; returns the destination path of
 * every distinct medium (by sha256).
 */
export function checkBackup(
  files: Map<string, { bytes: Buffer; mtime?: Date | string }>,
  f: TakeoutFixture,
  upTo: number,
  where: string,
): Map<string, string> {
  return labelled(where, () => {
    const media = [...files].filter(([p]) => !p.endsWith('.xmp') && !p.startsWith('Albums/'));
    const bySha = new Map<string, string[]>();
    for (const [p, file] of media) bySha.set(sha256(file.bytes), [...(bySha.get(sha256(file.bytes)) ?? []), p]);
    const expected = f.media.filter((m) => m.firstExport <= upTo);
    const placed = new Map<string, string>();
    for (const m of expected) {
      const paths = bySha.get(m.sha256) ?? [];
      expect(paths.length).toBe(1);
      const p = paths[0];
      placed.set(m.sha256, p);
      expect(path.posix.dirname(p)).toBe(expectedFolder(m));
      expect(nameMatches(path.posix.basename(p), m.name)).toBeTruthy();

      const xmp = files.get(`${p}.xmp`)?.bytes.toString('utf8');
      if (xmp === undefined) throw new Error(`${p}: no XMP sidecar`);
      const taken = xmpValue(xmp, 'exif:DateTimeOriginal');
      expect(taken).toMatch(/[+-]\d\d:\d\d$|Z$/);
      expect(Date.parse(taken!)).toBe(Math.floor(m.takenAt.getTime() / 1000) * 1000);
      if (m.offsetMinutes !== undefined) {
        const sign = m.offsetMinutes < 0 ? '-' : '+';
        const abs = Math.abs(m.offsetMinutes);
        expect(
          taken!.endsWith(
            `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`,
          ),
        ).toBeTruthy();
      }
      const lat = xmpValue(xmp, 'exif:GPSLatitude');
      if (m.geo) {
        expect(lat).toBeTruthy();
        expect(Math.abs(coordinate(lat!) - m.geo.latitude)).toBeLessThan(1e-6);
        expect(Math.abs(coordinate(xmpValue(xmp, 'exif:GPSLongitude')!) - m.geo.longitude)).toBeLessThan(1e-6);
      } else {
        expect(lat).toBe(undefined);
      }
      if (m.description) {
        const text = /<dc:description>\s*<rdf:Alt>\s*<rdf:li xml:lang="x-default">([^<]*)<\/rdf:li>/.exec(xmp)?.[1];
        expect(unescapeXml(text ?? '')).toBe(m.description);
      }
      for (const person of m.people) expect(xmp).toContain(`<rdf:li>${person}</rdf:li>`);
      if (m.favorited) expect(xmpValue(xmp, 'xmp:Rating')).toBe('5');
      if (m.archived) expect(xmp).toContain('<rdf:li>archived</rdf:li>');

      const mtime = files.get(p)!.mtime;
      if (mtime instanceof Date)
        expect(Math.floor(mtime.getTime() / 1000)).toBe(Math.floor(m.takenAt.getTime() / 1000));
      else expect(Date.parse(mtime!)).toBe(Math.floor(m.takenAt.getTime() / 1000) * 1000);
    }
    for (const x of f.excluded) expect(bySha.get(x.sha256)).toBe(undefined);
    expect(media.length).toBe(expected.length);

    for (const album of f.albums) {
      const members = album.members.filter((sha) => expected.some((m) => m.sha256 === sha));
      if (!members.length) continue;
      const file = files.get(`Albums/${album.title}.json`);
      expect(file).toBeTruthy();
      const json = JSON.parse(file!.bytes.toString('utf8'));
      expect(json.title).toBe(album.title);
      if (album.description) expect(json.description).toBe(album.description);
      expect([...json.items].sort()).toEqual(members.map((sha) => placed.get(sha)!).sort());
    }
    return placed;
  });
}
