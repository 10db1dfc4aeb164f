// The destination half of the conformance suite: what put(), stat(), hashOf(), remove() and
// abandon() promise, checked by reading back through the same cloud's source.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { expect, test } from '@jest/globals';
import { hashBytes } from '../../connectors/lib/hashes.ts';
import { CloudError } from '../../connectors/types.ts';
import { bytesOf, listAll, MiB, slow, trickle } from './helpers.ts';
import type { Under } from './suite.ts';

export function destinationHalf(c: Under): void {
  test('put, stat, open and list agree byte for byte', async () => {
    const files: [string, Buffer][] = [
      ['a.jpg', crypto.randomBytes(1234)],
      ['empty.txt', Buffer.alloc(0)],
      ['sub/b.mp4', crypto.randomBytes(300_000)],
      ['sub/deeper/ünï cödé.png', crypto.randomBytes(10)],
    ];
    for (const [rel, data] of files) {
      const stored = await c.h.destination!.put(`${c.base}/tree/${rel}`, async () => Readable.from([data]), {
        mode: 'create',
        size: data.length,
      });
      expect(stored.size).toBe(data.length);
      // put reports the hash it checked
      expect(stored.hash).toBeTruthy();
      const computed = hashBytes(stored.hash!.kind, data);
      if (computed !== null) expect(stored.hash!.value).toBe(computed);
      expect(await c.h.destination!.stat(`${c.base}/tree/${rel}`)).toEqual({ size: data.length });
    }
    const items = await listAll(c.h, `${c.base}/tree`);
    expect(items.map((i) => [i.path, i.size, i.mediaType])).toEqual([
      ['a.jpg', 1234, 'photo'],
      ['empty.txt', 0, 'other'],
      ['sub/b.mp4', 300_000, 'video'],
      ['sub/deeper/ünï cödé.png', 10, 'photo'],
    ]);
    for (const item of items) {
      const want = files.find(([rel]) => rel === item.path)![1];
      expect((await bytesOf(await c.h.source!.open(item))).equals(want)).toBeTruthy();
      // every item has a version
      expect(item.version).toBeTruthy();
    }
    const again = await listAll(c.h, `${c.base}/tree`);
    // ids and versions are stable
    expect(again.map((i) => [i.id, i.version])).toEqual(items.map((i) => [i.id, i.version]));
  });

  test('stat of a file that is not there is null, in a folder that is and one that is not', async () => {
    await c.h.destination!.put(`${c.base}/stat/here.txt`, async () => Readable.from([Buffer.from('x')]), {
      mode: 'create',
      size: 1,
    });
    expect(await c.h.destination!.stat(`${c.base}/stat/not-here.txt`)).toBe(null);
    expect(await c.h.destination!.stat(`${c.base}/no-such-folder/not-here.txt`)).toBe(null);
    expect(await c.h.destination!.stat(`${c.base}/stat/HERE.TXT.not`)).toBe(null);
  });

  test("put with mode 'replace' replaces what is there", async () => {
    await c.h.destination!.put(`${c.base}/over.txt`, async () => Readable.from([Buffer.from('first version')]), {
      mode: 'replace',
      size: 13,
    });
    await c.h.destination!.put(`${c.base}/over.txt`, async () => Readable.from([Buffer.from('second')]), {
      mode: 'replace',
      size: 6,
    });
    const [item] = (await listAll(c.h, c.base)).filter((i) => i.path === 'over.txt');
    expect((await bytesOf(await c.h.source!.open(item))).toString()).toBe('second');
  });

  test('put where a folder is never removes the folder nor what is in it', async () => {
    const inner = crypto.randomBytes(300);
    await c.h.destination!.put(`${c.base}/taken/a.jpg/inner.txt`, async () => Readable.from([inner]), {
      mode: 'create',
      size: inner.length,
    });
    for (const mode of ['create', 'replace'] as const) {
      // Refused, or (where a file and a folder may share a name: S3 keys, Drive) put beside it.
      await c.h
        .destination!.put(`${c.base}/taken/a.jpg`, async () => Readable.from([Buffer.from('photo')]), {
          mode,
          size: 5,
        })
        .catch((err: Error) => expect(err).toBeInstanceOf(CloudError));
      expect(await c.h.destination!.stat(`${c.base}/taken/a.jpg/inner.txt`)).toEqual({ size: inner.length });
    }
    expect((await readBack('taken/a.jpg/inner.txt')).equals(inner)).toBeTruthy();
  });

  /** The bytes of the file at `rel` under base, read back through the source. */
  async function readBack(rel: string): Promise<Buffer> {
    const [item] = (await listAll(c.h, c.base)).filter((i) => i.path === rel);
    expect(item).toBeTruthy();
    return bytesOf(await c.h.source!.open(item));
  }
  const isExists = (err: Error) => err instanceof CloudError && err.reason === 'exists';

  test("put with mode 'create' writes a file where there is none", async () => {
    const data = crypto.randomBytes(2500);
    const stored = await c.h.destination!.put(`${c.base}/created/new.jpg`, async () => Readable.from([data]), {
      mode: 'create',
      size: data.length,
    });
    expect(stored.size).toBe(data.length);
    expect((await readBack('created/new.jpg')).equals(data)).toBeTruthy();
  });

  test(
    "put with mode 'create' never replaces a file at the path: " + "CloudError 'exists', and the old bytes stay",
    async () => {
      const owners = crypto.randomBytes(4000);
      await c.h.destination!.put(`${c.base}/mine/IMG_1.HEIC`, async () => Readable.from([owners]), {
        mode: 'create',
        size: owners.length,
      });
      for (const size of [0, 1200, 20 * MiB]) {
        const other = crypto.randomBytes(size);
        await expect(
          c.h.destination!.put(`${c.base}/mine/IMG_1.HEIC`, async () => Readable.from([other]), {
            mode: 'create',
            size,
          }),
        ).rejects.toSatisfy(isExists);
      }
      // Of unknown size too, and with the very bytes that are there.
      await expect(
        c.h.destination!.put(`${c.base}/mine/IMG_1.HEIC`, async () => trickle(owners), { mode: 'create' }),
      ).rejects.toSatisfy(isExists);
      // Spelled in another case: the same file where names ignore case (Dropbox, OneDrive), so
      // 'exists'; another file where they do not. Either way the owner's file stays as it was.
      const other = crypto.randomBytes(900);
      await c.h
        .destination!.put(`${c.base}/mine/img_1.heic`, async () => Readable.from([other]), {
          mode: 'create',
          size: other.length,
        })
        .catch((err: Error) => expect(isExists(err)).toBeTruthy());
      // the owner’s file is untouched
      expect((await readBack('mine/IMG_1.HEIC')).equals(owners)).toBeTruthy();
      // no second file, no renamed copy
      expect((await listAll(c.h, `${c.base}/mine`)).map((i) => i.path).filter((p) => p !== 'img_1.heic')).toEqual([
        'IMG_1.HEIC',
      ]);
    },
  );

  // A file that appears at the path after the run listed the destination: the upload itself must
  // not replace it. The source puts it there itself, before its first byte or half-way through.
  for (const [label, size, at] of [
    ['a small upload', 3000, 0],
    ['a resumable upload, between its chunks', 24 * MiB, 12 * MiB],
  ] as const) {
    test(`put with mode 'create': a file that appears at the path during ${label} is not replaced`, async () => {
      const rel = `late-${size}/IMG_2.HEIC`;
      const data = crypto.randomBytes(size);
      const owners = crypto.randomBytes(1500);
      let saved: unknown = null;
      const checkpoint = {
        get state() {
          return saved;
        },
        async save(st: unknown) {
          saved = st;
        },
      };
      const source = () =>
        Readable.from(
          (async function* () {
            if (at > 0) yield data.subarray(0, at);
            await c.h.destination!.put(`${c.base}/${rel}`, async () => Readable.from([owners]), {
              mode: 'create',
              size: owners.length,
            });
            yield data.subarray(at);
          })(),
        );
      await expect(
        c.h.destination!.put(`${c.base}/${rel}`, async () => source(), { mode: 'create', size, checkpoint }),
      ).rejects.toSatisfy(isExists);
      // the file that appeared is untouched
      expect((await readBack(rel)).equals(owners)).toBeTruthy();
      // and is the only file there
      expect((await listAll(c.h, `${c.base}/late-${size}`)).map((i) => i.path)).toEqual(['IMG_2.HEIC']);
      if (saved !== null) await c.h.destination!.abandon?.(saved);
    });
  }

  test('a stream of unknown size larger than one chunk', async () => {
    const data = crypto.randomBytes(40 * MiB + 3);
    const stored = await c.h.destination!.put(`${c.base}/unknown.bin`, async () => trickle(data), { mode: 'create' });
    expect(stored.size).toBe(data.length);
    const [item] = (await listAll(c.h, c.base)).filter((i) => i.path === 'unknown.bin');
    expect(
      crypto
        .createHash('sha256')
        .update(await bytesOf(await c.h.source!.open(item)))
        .digest('hex'),
    ).toBe(crypto.createHash('sha256').update(data).digest('hex'));
  });

  test('a source that ends early is refused, and nothing is left at the path', async () => {
    const data = crypto.randomBytes(5000);
    await expect(
      c.h.destination!.put(`${c.base}/short.bin`, async () => Readable.from([data.subarray(0, 3000)]), {
        mode: 'create',
        size: data.length,
      }),
    ).rejects.toSatisfy((err: Error) => err instanceof CloudError && err.reason === 'corrupt');
    expect(await c.h.destination!.stat(`${c.base}/short.bin`)).toBe(null);
  });

  test('bytes that differ from the source’s md5 are refused and do not replace what is there', async () => {
    const good = crypto.randomBytes(3000);
    await c.h.destination!.put(`${c.base}/kept.bin`, async () => Readable.from([good]), {
      mode: 'create',
      size: good.length,
    });
    for (const size of [3000, 20 * MiB]) {
      const other = crypto.randomBytes(size);
      await expect(
        c.h.destination!.put(`${c.base}/kept.bin`, async () => Readable.from([other]), {
          mode: 'replace',
          size,
          expectedMd5: crypto.createHash('md5').update(good).digest('hex'),
        }),
      ).rejects.toSatisfy((err: Error) => err instanceof CloudError && err.reason === 'corrupt');
    }
    const [item] = (await listAll(c.h, c.base)).filter((i) => i.path === 'kept.bin');
    expect((await bytesOf(await c.h.source!.open(item))).equals(good)).toBeTruthy();
    const right = crypto.createHash('md5').update(good).digest('hex');
    await c.h.destination!.put(`${c.base}/kept.bin`, async () => Readable.from([good]), {
      mode: 'replace',
      size: good.length,
      expectedMd5: right,
    });
  });

  test(
    "hashOf tells the destination's own hash of the stored file: " + 'its kind, and the value the bytes have',
    async () => {
      const d = c.h.destination!;
      // every destination tells a hash of what it stores
      expect(d.hashOf).toBeTruthy();
      for (const [rel, data] of [
        ['hashed/empty.txt', Buffer.alloc(0)],
        ['hashed/small.jpg', crypto.randomBytes(1234)],
        ['hashed/blocks.bin', crypto.randomBytes(4 * MiB + 5)], // more than one of Dropbox's 4 MiB blocks
      ] as const) {
        await d.put(`${c.base}/${rel}`, async () => Readable.from([data]), { mode: 'create', size: data.length });
        const got = await d.hashOf!(`${c.base}/${rel}`);
        expect(got).toBeTruthy();
        if (got!.kind === 's3etag') {
          // A multipart ETag: the parts' md5s, not computable from the bytes alone.
          expect(got!.value).toMatch(/^[0-9a-f]{32}-\d+$/);
          continue;
        }
        expect(got!.kind).toBe(c.s.nativeHash);
        expect(got!.value).toBe(hashBytes(got!.kind, data));
        // A kind asked for: one that reads the file computes it; one that keeps its own tells that.
        for (const kind of ['md5', 'sha256', 'dropbox', 'quickxor'] as const) {
          const preferred = await d.hashOf!(`${c.base}/${rel}`, undefined, kind);
          if (!preferred || preferred.kind === 's3etag') throw new Error(`${kind}: no hash computed from the bytes`);
          expect([kind, got!.kind]).toContain(preferred.kind);
          expect(preferred.value).toBe(hashBytes(preferred.kind, data));
        }
      }
      // no file: null
      expect(await d.hashOf!(`${c.base}/hashed/nothing.jpg`)).toBe(null);
      // no folder: null
      expect(await d.hashOf!(`${c.base}/no-such-folder/nothing.jpg`)).toBe(null);
      // a folder: null
      expect(await d.hashOf!(`${c.base}/hashed`)).toBe(null);
    },
  );

  test('remove deletes that one file: never a folder, a neighbour or a namesake elsewhere', async () => {
    const d = c.h.destination!;
    // Takeout deletes the archives it has read through it; every destination of this half has it.
    // the destination removes files
    expect(d.remove).toBeTruthy();
    const dir = `${c.base}/rm`;
    const zip = crypto.randomBytes(2000);
    const sibling = crypto.randomBytes(1500);
    const inner = crypto.randomBytes(700);
    for (const [rel, data] of [
      ['a.zip', zip],
      ['a.zip.1', sibling],
      ['folder/a.zip', zip],
      ['folder/inner.txt', inner],
    ] as const) {
      await d.put(`${dir}/${rel}`, async () => Readable.from([data]), { mode: 'create', size: data.length });
    }
    const kept = ['a.zip.1', 'folder/a.zip', 'folder/inner.txt'];

    await d.remove!(`${dir}/a.zip`);
    expect(await d.stat(`${dir}/a.zip`)).toBe(null);
    const left = await listAll(c.h, dir);
    expect(left.map((i) => i.path)).toEqual(kept);
    const neighbour = left.find((i) => i.path === 'a.zip.1')!;
    // a file whose name starts alike is untouched
    expect((await bytesOf(await c.h.source!.open(neighbour))).equals(sibling)).toBeTruthy();

    // Nothing there: nothing happens.
    await d.remove!(`${dir}/a.zip`);
    await d.remove!(`${dir}/never-there.zip`);
    await d.remove!(`${c.base}/no/such/folder/a.zip`);

    await expect(d.remove!(`${dir}/folder`)).rejects.toSatisfy(
      (err: Error) => err instanceof CloudError && err.reason === 'invalid_options',
    );
    expect(await d.stat(`${dir}/folder/inner.txt`)).toEqual({ size: inner.length });
    // the folder and what is in it stay
    expect((await listAll(c.h, dir)).map((i) => i.path)).toEqual(kept);
  });

  test('resumable put: an interrupted upload resumes from its checkpoint', async () => {
    // the destination resumes its uploads (a run survives a crash)
    expect(c.s.resumable).toBeTruthy();
    const data = crypto.randomBytes(70 * MiB);
    let saved: unknown = null;
    const stop = new AbortController();
    let saves = 0;
    const first = {
      get state() {
        return saved;
      },
      async save(st: unknown) {
        saved = st;
        if (++saves === 3) stop.abort(new Error('crash'));
      },
    };
    await expect(
      c.h.destination!.put(`${c.base}/resume.bin`, async (off) => slow(data.subarray(off)), {
        mode: 'create',
        size: data.length,
        checkpoint: first,
        signal: stop.signal,
      }),
    ).rejects.toThrow();
    // progress was checkpointed
    expect(saved).toBeTruthy();
    const offsets: number[] = [];
    const second = {
      get state() {
        return saved;
      },
      async save(st: unknown) {
        saved = st;
      },
    };
    const stored = await c.h.destination!.put(
      `${c.base}/resume.bin`,
      async (off) => {
        offsets.push(off);
        return trickle(data.subarray(off), MiB);
      },
      { mode: 'create', size: data.length, checkpoint: second },
    );
    // It went on from where it stopped. (A wrapping destination may first read the part before again
    // for a hash of its own, as crypt does for the plaintext's SHA-256: none of that is sent again.)
    expect(offsets.at(-1)).toBeGreaterThan(0);
    expect(stored.size).toBe(data.length);
    const [item] = (await listAll(c.h, c.base)).filter((i) => i.path === 'resume.bin');
    expect((await bytesOf(await c.h.source!.open(item))).equals(data)).toBeTruthy();
    expect((await listAll(c.h, c.base)).filter((i) => i.path.includes('partial'))).toEqual([]);
  });

  // move: what keeps a replaced copy as a version. Only destinations that have it; the others skip.
  const mover = () => c.h.destination!.move?.bind(c.h.destination);
  /** Each file listed under `folder` of base, with its bytes: [path, bytes], in path order. */
  const filesIn = async (folder: string): Promise<Array<[string, Buffer]>> =>
    Promise.all(
      (await listAll(c.h, `${c.base}/${folder}`)).map(async (i) => [i.path, await bytesOf(await c.h.source!.open(i))]),
    );
  const putFile = (rel: string, data: Buffer) =>
    c.h.destination!.put(`${c.base}/${rel}`, async () => Readable.from([data]), { mode: 'create', size: data.length });

  test('move (where there is one): the file goes to its new path, folders made for it, bytes kept', async () => {
    const move = mover();
    if (!move) return;
    const data = crypto.randomBytes(3000);
    await putFile('moving/a.jpg', data);
    const hash = await c.h.destination!.hashOf?.(`${c.base}/moving/a.jpg`);
    // Renamed in its folder, then moved into folders that do not exist yet.
    await move(`${c.base}/moving/a.jpg`, `${c.base}/moving/b.jpg`);
    await move(`${c.base}/moving/b.jpg`, `${c.base}/moving/.versions/2026/a b ü.jpg`);
    expect(await c.h.destination!.stat(`${c.base}/moving/a.jpg`)).toBe(null);
    expect(await c.h.destination!.stat(`${c.base}/moving/b.jpg`)).toBe(null);
    expect(await c.h.destination!.stat(`${c.base}/moving/.versions/2026/a b ü.jpg`)).toEqual({ size: data.length });
    expect(await c.h.destination!.hashOf?.(`${c.base}/moving/.versions/2026/a b ü.jpg`)).toEqual(hash);
    const [[path, bytes], ...others] = await filesIn('moving');
    expect([path, others]).toEqual(['.versions/2026/a b ü.jpg', []]);
    expect(bytes).toEqualBytes(data);
  });

  test('move (where there is one) never replaces: CloudError exists, and both files stay as they were', async () => {
    const move = mover();
    if (!move) return;
    const [mine, theirs] = [crypto.randomBytes(1500), crypto.randomBytes(2500)];
    await putFile('clash/mine.jpg', mine);
    await putFile('clash/deep/theirs.jpg', theirs);
    await expect(move(`${c.base}/clash/mine.jpg`, `${c.base}/clash/deep/theirs.jpg`)).rejects.toSatisfy(isExists);
    const files = await filesIn('clash');
    expect(files.map(([path]) => path)).toEqual(['deep/theirs.jpg', 'mine.jpg']);
    expect(files[0][1]).toEqualBytes(theirs);
    expect(files[1][1]).toEqualBytes(mine);
  });

  test('move (where there is one) of a file that is not there: CloudError not_found, nothing made', async () => {
    const move = mover();
    if (!move) return;
    await putFile('absent/here.jpg', Buffer.from('here'));
    for (const from of ['absent/not-here.jpg', 'no-such-folder/not-here.jpg']) {
      await expect(move(`${c.base}/${from}`, `${c.base}/absent/moved/to.jpg`)).rejects.toSatisfy(
        (err: Error) => err instanceof CloudError && err.reason === 'not_found',
      );
    }
    expect(await c.h.destination!.stat(`${c.base}/absent/moved/to.jpg`)).toBe(null);
    expect((await listAll(c.h, `${c.base}/absent`)).map((i) => i.path)).toEqual(['here.jpg']);
  });

  test('abandon discards an unfinished upload', async () => {
    // the destination resumes its uploads (a run survives a crash)
    expect(c.s.resumable).toBeTruthy();
    const data = crypto.randomBytes(40 * MiB);
    let saved: unknown = null;
    const stop = new AbortController();
    const cp = {
      get state() {
        return saved;
      },
      async save(st: unknown) {
        saved = st;
        stop.abort(new Error('crash'));
      },
    };
    await expect(
      c.h.destination!.put(`${c.base}/abandoned.bin`, async (off) => trickle(data.subarray(off), MiB), {
        mode: 'create',
        size: data.length,
        checkpoint: cp,
        signal: stop.signal,
      }),
    ).rejects.toThrow();
    await c.h.destination!.abandon!(saved);
    await c.h.destination!.abandon!(saved); // twice is harmless
    expect(await c.h.destination!.stat(`${c.base}/abandoned.bin`)).toBe(null);
    expect((await listAll(c.h, c.base)).filter((i) => i.path.startsWith('.') || i.path.includes('abandoned'))).toEqual(
      [],
    );
  });
}

/**
 * A destination where every put() adds a file (it can neither find one by its path nor replace
 * it): what it keeps of the contract. It never replaces, whatever the mode; it refuses bytes that
 * are not the source's; what it added reads back byte for byte through its source.
 */
export function addingDestinationHalf(c: Under): void {
  /** The items listed at `rel` under base, by path. */
  const at = async (rel: string) => (await listAll(c.h, '')).filter((i) => i.path === `${c.base}/${rel}`);

  test('put adds each file; it reads back byte for byte at its path', async () => {
    const files: Array<[string, Buffer]> = [
      ['a.jpg', crypto.randomBytes(1234)],
      ['b.mp4', crypto.randomBytes(300_000)],
    ];
    const stored = await Promise.all(
      files.map(([rel, data]) =>
        c.h.destination!.put(`${c.base}/${rel}`, async () => Readable.from([data]), {
          mode: 'create',
          size: data.length,
          expectedMd5: crypto.createHash('md5').update(data).digest('hex'),
        }),
      ),
    );
    expect(stored.map((s) => s.size)).toEqual(files.map(([, data]) => data.length));
    for (const [rel, data] of files) {
      const items = await at(rel);
      expect(items.length).toBe(1);
      expect((await bytesOf(await c.h.source!.open(items[0]))).equals(data)).toBeTruthy();
    }
  });

  test('put never replaces, in either mode: a second file at the path is added beside the first', async () => {
    const first = crypto.randomBytes(2000);
    const second = crypto.randomBytes(2100);
    const third = crypto.randomBytes(2200);
    await Promise.all(
      [
        [first, 'create'],
        [second, 'create'],
        [third, 'replace'],
      ].map(([data, mode]) =>
        c.h.destination!.put(`${c.base}/same.jpg`, async () => Readable.from([data as Buffer]), {
          mode: mode as 'create' | 'replace',
        }),
      ),
    );
    // The source names the three apart (a file of the same name gets a suffix).
    const items = (await listAll(c.h, '')).filter((i) => i.path.startsWith(`${c.base}/same`));
    const read = await Promise.all(items.map(async (i) => bytesOf(await c.h.source!.open(i))));
    expect(items.length).toBe(3);
    // each is there, untouched
    for (const data of [first, second, third]) expect(read.some((r) => r.equals(data))).toBeTruthy();
  });

  test('a source that ends early, or bytes other than the source’s md5, add nothing', async () => {
    const data = crypto.randomBytes(5000);
    await expect(
      c.h.destination!.put(`${c.base}/short.jpg`, async () => Readable.from([data.subarray(0, 3000)]), {
        mode: 'create',
        size: data.length,
      }),
    ).rejects.toSatisfy((err: Error) => err instanceof CloudError && err.reason === 'corrupt');
    await expect(
      c.h.destination!.put(`${c.base}/other.jpg`, async () => Readable.from([data]), {
        mode: 'create',
        expectedMd5: crypto.createHash('md5').update('other bytes').digest('hex'),
      }),
    ).rejects.toSatisfy((err: Error) => err instanceof CloudError && err.reason === 'corrupt');
    expect(await at('short.jpg')).toEqual([]);
    expect(await at('other.jpg')).toEqual([]);
  });
}
