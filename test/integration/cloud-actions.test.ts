// The actions connectors declare, mounted by the API at /clouds/:id/<path>: a connector made for this
// test (an action with a body, one with a path parameter that fails as asked) beside the real ones.
// Only the cloud's owner reaches them, only on a cloud of a kind that declares them, with the
// action's own schemas; errors map as every cloud call's.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { connectors } from '../../connectors/index.ts';
import {
  CloudError,
  type CloudErrorReason,
  type ConnectorDefinition,
  defineAction,
  defineConnector,
  type ProviderKind,
} from '../../connectors/types.ts';
import { signup, snapshot, startTestApp, type Actor, type TestApp } from '../support/app.ts';

const KIND = 'test-notes' as ProviderKind;
const note = z.object({ cloud: z.string(), text: z.string() }).meta({ id: 'TestNote' });
const noteBody = z.strictObject({ text: z.string().min(1, 'write something').max(20) });
const reasons = z.strictObject({ why: z.enum(['not_found', 'unreachable', 'invalid_options', 'exists']) });

const notes = defineConnector({
  kind: KIND,
  title: 'Notes',
  auth: 'credentials',
  source: true,
  destination: false,
  options: z.object({ label: z.string() }),
  unavailable: () => null,
  open: () => ({
    features: {},
    check: async () => {},
    browse: async () => ({ entries: [] }),
  }),
  actions: [
    defineAction<{ label: string }, undefined, typeof noteBody, typeof note>({
      method: 'POST',
      path: 'notes',
      summary: 'Notes: add one',
      body: noteBody,
      response: note,
      status: 201,
      audit: (n) => ({ action: 'notes.add', details: { text: n.text } }),
      // What the connector was opened with reaches the handler: the cloud's own options.
      run: async ({ cloud }, { body }) => ({ cloud: cloud.options.label, text: body.text }),
    }),
    defineAction<{ label: string }, typeof reasons, undefined, typeof note>({
      method: 'GET',
      path: 'fails/:why',
      summary: 'Notes: fail with the reason given',
      params: reasons,
      response: note,
      run: async (_ctx, { params }) => {
        throw new CloudError(params.why as CloudErrorReason, `Failing as asked: ${params.why}.`);
      },
    }),
  ],
});

let t: TestApp;
let root: string;
let a: Actor;
let b: Actor;
let mine: string;
let local: string;

beforeAll(async () => {
  // Registered before the app is built, as the registry's own connectors are.
  (connectors as Map<string, ConnectorDefinition>).set(KIND, notes as unknown as ConnectorDefinition);
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-actions-')));
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root });
  a = await signup(t);
  b = await signup(t);
  const inserted = await t.db.query(
    `INSERT INTO clouds (user_id, kind, name, options) VALUES ($1, $2, 'My notes', '{"label":"kitchen"}') RETURNING id`,
    [a.id, KIND],
  );
  mine = inserted.rows[0].id;
  await fs.mkdir(path.join(root, a.id), { recursive: true });
  const res = await req(a, 'POST', '/clouds', { kind: 'local', name: 'NAS', options: { root: '' } });
  expect(res.statusCode).toBe(201);
  local = res.json().id;
});
afterAll(async () => {
  await t.close();
  (connectors as Map<string, ConnectorDefinition>).delete(KIND);
  await fs.rm(root, { recursive: true, force: true });
});

const req = (actor: Actor, method: string, url: string, payload?: unknown) =>
  t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload: payload as object, headers: actor.headers });

const audited = async (action: string) =>
  (await t.db.query('SELECT user_id, target_id, details FROM audit_log WHERE action = $1', [action])).rows;

describe('cloud actions', () => {
  test('the owner calls an action with its body: its status, its result, and the audit entry', async () => {
    const res = await req(a, 'POST', `/clouds/${mine}/notes`, { text: 'milk' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ cloud: 'kitchen', text: 'milk' });
    expect(await audited('notes.add')).toEqual([{ user_id: a.id, target_id: mine, details: { text: 'milk' } }]);
  });

  test("a body the action's schema refuses is a 400 with the schema's message, and changes nothing", async () => {
    const before = await snapshot(t.db);
    const empty = await req(a, 'POST', `/clouds/${mine}/notes`, { text: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('invalid_request');
    expect(empty.json().error.message).toMatch(/write something/);
    const extra = await req(a, 'POST', `/clouds/${mine}/notes`, { text: 'eggs', more: 1 });
    expect(extra.statusCode).toBe(400);
    const bad = await req(a, 'GET', `/clouds/${mine}/fails/bogus`);
    expect(bad.statusCode).toBe(400);
    expect(await snapshot(t.db)).toBe(before);
  });

  test("another user's cloud is not found, whatever the action", async () => {
    const before = await snapshot(t.db);
    const res = await req(b, 'POST', `/clouds/${mine}/notes`, { text: 'bread' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect((await req(b, 'GET', `/clouds/${mine}/fails/exists`)).statusCode).toBe(404);
    expect((await req(b, 'GET', `/clouds/${mine}/takeout`)).statusCode).toBe(404);
    expect(await snapshot(t.db)).toBe(before);
  });

  test('a cloud of a kind without the action is a clear 400 naming the kinds that have it', async () => {
    const res = await req(a, 'POST', `/clouds/${local}/notes`, { text: 'tea' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: { code: 'invalid_request', message: 'NAS has no POST /clouds/:id/notes: only a Notes cloud does.' },
    });
    const takeout = await req(a, 'GET', `/clouds/${local}/takeout`);
    expect(takeout.statusCode).toBe(400);
    expect(takeout.json().error.message).toMatch(/only a Google Photos via Takeout exports cloud does/);
    const picker = await req(a, 'GET', `/clouds/${mine}/picker-sessions/abc`);
    expect(picker.statusCode).toBe(400);
    expect(picker.json().error.message).toMatch(/only a Google Photos cloud does/);
  });

  test("a connector's errors map as every cloud call's", async () => {
    const expected = { not_found: 404, unreachable: 502, invalid_options: 400, exists: 409 };
    for (const [why, status] of Object.entries(expected)) {
      const res = await req(a, 'GET', `/clouds/${mine}/fails/${why}`);
      expect(res.statusCode).toBe(status);
      expect(res.json().error.message).toMatch(new RegExp(`Failing as asked: ${why}`));
    }
  });

  test('the OpenAPI document describes each action with its schemas', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const post = doc.paths['/api/v1/clouds/{id}/notes'].post;
    expect(post.summary).toBe('Notes: add one');
    // the success status
    expect(post.responses['201']).toBeTruthy();
    // the result is a named component
    expect(doc.components.schemas.TestNote).toBeTruthy();
    expect(doc.components.schemas.PickerSession && doc.components.schemas.ExportStatus).toBeTruthy();
    expect(
      doc.paths['/api/v1/clouds/{id}/fails/{why}'].get.parameters.map((p: { name: string }) => p.name).sort(),
    ).toEqual(['id', 'why']);
  });
});
