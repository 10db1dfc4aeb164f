// Names users choose end up in mails, subjects and logs: one with a line break or another control
// character is refused at the door with a clear 400, and nothing is stored.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { signup, snapshot, startTestApp, type Actor, type TestApp } from '../support/app.ts';

let t: TestApp;
let root: string;
let a: Actor;
let src: string;
let dst: string;
let taskId: string;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-names-')));
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root });
  a = await signup(t);
  // Local clouds live in their owner's space: <FERRY_LOCAL_ROOTS>/<user id>/.
  await fs.mkdir(path.join(root, a.id, 'photos'), { recursive: true });
  await fs.mkdir(path.join(root, a.id, 'backup'), { recursive: true });
  src = (await req('POST', '/clouds', { kind: 'local', name: 'Photos', options: { root: 'photos' } })).json().id;
  dst = (await req('POST', '/clouds', { kind: 'local', name: 'Backup', options: { root: 'backup' } })).json().id;
  taskId = (
    await req('POST', '/tasks', { name: 'Family', source: { cloudId: src }, destination: { cloudId: dst, path: 'x' } })
  ).json().id;
});
afterAll(async () => {
  await t.close();
  await fs.rm(root, { recursive: true, force: true });
});

function req(method: string, url: string, payload?: unknown) {
  return t.app.inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    payload: payload as object,
    headers: a.headers,
  });
}

const forged = [
  'x\nBcc: victim@example.com',
  'x\r\nTo: victim@example.com',
  'x\rCc: v@example.com',
  'NAS\u001b[31m',
  'x\u2028Bcc: v@example.com',
  'a\u0085b',
  'evil\u202egpj.exe',
];

describe('names with line breaks or control characters', () => {
  test('a task named with one is refused on create and on change, and nothing is stored', async () => {
    const before = await snapshot(t.db);
    for (const name of forged) {
      const created = await req('POST', '/tasks', {
        name,
        source: { cloudId: src },
        destination: { cloudId: dst, path: 'y' },
      });
      expect(created.statusCode).toBe(400);
      expect(created.json().error.code).toBe('invalid_request');
      expect(created.json().error.message).toMatch(/name.*line breaks or control characters/);
      const changed = await req('PATCH', `/tasks/${taskId}`, { name });
      expect(changed.statusCode).toBe(400);
    }
    expect(await snapshot(t.db)).toBe(before);
    expect((await req('GET', `/tasks/${taskId}`)).json().name).toBe('Family');
  });

  test('a cloud named with one is refused on create and on rename', async () => {
    const before = await snapshot(t.db);
    for (const name of forged) {
      const created = await req('POST', '/clouds', { kind: 'local', name, options: { root: 'photos' } });
      expect(created.statusCode).toBe(400);
      expect(created.json().error.message).toMatch(/name.*line breaks or control characters/);
      const renamed = await req('PATCH', `/clouds/${src}`, { name });
      expect(renamed.statusCode).toBe(400);
    }
    expect(await snapshot(t.db)).toBe(before);
  });

  test('names in other scripts, with emoji and inner spaces, are kept as typed', async () => {
    for (const name of ['Фото → NAS', 'Familie 👨‍👩‍👧 (2024)', 'a  b', 'שלום']) {
      const res = await req('PATCH', `/tasks/${taskId}`, { name });
      expect(res.statusCode).toBe(200);
      expect(res.json().name).toBe(name);
    }
  });
});
