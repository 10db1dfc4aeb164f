import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => (t = await startTestApp()));
afterAll(() => t.close());

test('/openapi.json is a valid OpenAPI 3 document that lists every route', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json();
  const validator = new Validator();
  const result = await validator.validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.match(doc.openapi, /^3\./);

  const documented = new Set<string>();
  for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`);
  }
  const routes = t.app.routeTable.filter((r) => !r.url.startsWith('/docs') && r.url !== '/openapi.json');
  assert.ok(routes.length > 25);
  for (const r of routes)
    assert.ok(documented.has(`${r.method} ${r.url}`), `${r.method} ${r.url} is missing from the OpenAPI document`);

  // Signed-in routes say how to authenticate; every error response is the one error shape.
  assert.deepEqual(doc.paths['/api/v1/tasks'].post.security, [{ session: [] }, { token: [] }]);
  assert.equal(doc.paths['/api/v1/auth/login'].post.security, undefined);
  const taskBody = doc.paths['/api/v1/tasks'].post.requestBody.content['application/json'].schema;
  assert.equal(
    taskBody.properties.notify.properties.webhook.properties.secret.writeOnly,
    true,
    'a webhook secret is write-only',
  );
  assert.equal(doc.components.schemas.Run.properties.notifications.type, 'array', 'a run tells of its notifications');
});

test('Swagger UI is served at /docs', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /swagger/i);
});
