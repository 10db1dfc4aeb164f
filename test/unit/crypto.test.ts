import crypto from 'node:crypto';
import { expect, test } from '@jest/globals';
import { createKeyring, hashPassword, KeyError, verifyPassword } from '../../services/core/crypto.ts';
import { isPrivateAddress } from '../../connectors/lib/net-guard.ts';

test('sealed secrets open only with their key, and tampering is detected', () => {
  const ring = createKeyring([crypto.randomBytes(32)]);
  const sealed = ring.seal('{"secretAccessKey":"s3cr3t"}');
  expect(sealed).not.toContain('s3cr3t');
  // a fresh IV each time
  expect(ring.seal('same')).not.toBe(ring.seal('same'));
  expect(ring.open(sealed)).toBe('{"secretAccessKey":"s3cr3t"}');
  const parts = sealed.split(':');
  const ct = Buffer.from(parts[4], 'base64');
  ct[0] ^= 1;
  parts[4] = ct.toString('base64');
  expect(() => ring.open(parts.join(':'))).toThrow(KeyError);
  expect(() => createKeyring([crypto.randomBytes(32)]).open(sealed)).toThrow(/is not configured/);
});

test('passwords: memory-hard hash, verified, salted', async () => {
  const h1 = await hashPassword('hunter2 but longer');
  const h2 = await hashPassword('hunter2 but longer');
  expect(h1).not.toBe(h2);
  expect(await verifyPassword('hunter2 but longer', h1)).toBe(true);
  expect(await verifyPassword('hunter2 but longeR', h1)).toBe(false);
  expect(await verifyPassword('x', 'garbage')).toBe(false);
});

test('private, loopback and link-local addresses are recognised', () => {
  for (const a of [
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '::1',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '0.0.0.0',
    '100.64.0.1',
  ]) {
    expect(isPrivateAddress(a)).toBe(true);
  }
  for (const a of ['8.8.8.8', '52.216.0.1', '2606:4700::1111', '172.32.0.1']) expect(isPrivateAddress(a)).toBe(false);
});
