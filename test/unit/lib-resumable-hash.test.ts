// Resumable hashes (connectors/lib/resumable-hash.ts): a state saved mid-stream and loaded, as a
// checkpoint is after a restart, gives the digest Node's crypto gives for the whole; a state that
// does not load is no checkpoint.
import crypto from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { loadHash, newHash, type ResumableKind } from '../../connectors/lib/resumable-hash.ts';

const data = crypto.randomBytes(1_000_003);

describe.each(['md5', 'sha256'] as ResumableKind[])('%s', (kind) => {
  test('whole: the digest of the bytes', async () => {
    const h = await newHash(kind);
    h.update(data.subarray(0, 1));
    h.update(data.subarray(1));
    expect(h.digest().toString('hex')).toBe(crypto.hash(kind, data));
  });

  test('saved at any point, through JSON, and loaded: the same digest', async () => {
    for (const at of [0, 1, 63, 64, 65, 500_000, data.length]) {
      const h = await newHash(kind);
      h.update(data.subarray(0, at));
      const checkpoint = JSON.parse(JSON.stringify({ hash: h.save() })) as { hash: unknown };
      // The first hasher goes on as well: saving does not finish it.
      h.update(data.subarray(at));
      const resumed = await loadHash(kind, checkpoint.hash);
      expect(resumed).not.toBeNull();
      resumed!.update(data.subarray(at));
      const digest = resumed!.digest();
      expect(digest.toString('hex')).toBe(crypto.hash(kind, data));
      expect(h.digest().equals(digest)).toBe(true);
    }
  });

  test('a state that does not load gives null', async () => {
    const h = await newHash(kind);
    h.update(data.subarray(0, 100));
    const saved = Buffer.from(h.save(), 'base64');
    const other = kind === 'md5' ? 'sha256' : 'md5';
    for (const bad of [
      undefined,
      null,
      42,
      { state: 'x' },
      '',
      'not base64 at all!',
      saved.subarray(0, saved.length - 1).toString('base64'),
      Buffer.concat([saved, Buffer.from([0])]).toString('base64'),
      Buffer.from(saved.map((b, i) => (i < 4 ? b ^ 0xff : b))).toString('base64'),
      (await newHash(other)).save(),
    ])
      expect(await loadHash(kind, bad)).toBeNull();
  });
});
