import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from '@jest/globals';
import { createKeyring, hashPassword, KeyError, verifyPassword } from '../../services/core/crypto.ts';
import { isPrivateAddress } from '../../connectors/lib/net-guard.ts';

test('sealed secrets open only with their key, and tampering is detected', () => {
  const ring = createKeyring([crypto.randomBytes(32)]);
  const sealed = ring.seal('{"secretAccessKey":"s3cr3t"}');
  assert.ok(!sealed.includes('s3cr3t'));
  assert.notEqual(ring.seal('same'), ring.seal('same'), 'a fresh IV each time');
  assert.equal(ring.open(sealed), '{"secretAccessKey":"s3cr3t"}');
  const parts = sealed.split(':');
  const ct = Buffer.from(parts[4], 'base64');
  ct[0] ^= 1;
  parts[4] = ct.toString('base64');
  assert.throws(() => ring.open(parts.join(':')), KeyError);
  assert.throws(() => createKeyring([crypto.randomBytes(32)]).open(sealed), /is not configured/);
});

test('passwords: memory-hard hash, verified, salted', async () => {
  const h1 = await hashPassword('hunter2 but longer');
  const h2 = await hashPassword('hunter2 but longer');
  assert.notEqual(h1, h2);
  assert.equal(await verifyPassword('hunter2 but longer', h1), true);
  assert.equal(await verifyPassword('hunter2 but longeR', h1), false);
  assert.equal(await verifyPassword('x', 'garbage'), false);
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
    assert.equal(isPrivateAddress(a), true, a);
  }
  for (const a of ['8.8.8.8', '52.216.0.1', '2606:4700::1111', '172.32.0.1'])
    assert.equal(isPrivateAddress(a), false, a);
});
