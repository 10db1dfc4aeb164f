import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => (t = await startTestApp()));
afterAll(() => t.close());

test('/openapi.json is a valid OpenAPI 3 document that lists every route', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  const doc = res.json();
  const validator = new Validator();
  const result = await validator.validate(doc);
  expect(result.valid).toBe(true);
  expect(doc.openapi).toMatch(/^3\./);

  const documented = new Set<string>();
  for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`);
  }
  const routes = t.app.routeTable.filter((r) => !r.url.startsWith('/docs') && r.url !== '/openapi.json');
  expect(routes.length).toBeGreaterThan(25);
  for (const r of routes) expect(documented.has(`${r.method} ${r.url}`)).toBeTruthy();

  // Signed-in routes say how to authenticate; every error response is the one error shape.
  expect(doc.paths['/api/v1/tasks'].post.security).toEqual([{ session: [] }, { token: [] }]);
  expect(doc.paths['/api/v1/auth/login'].post.security).toBe(undefined);
  const taskBody = doc.paths['/api/v1/tasks'].post.requestBody.content['application/json'].schema;
  // a webhook secret is write-only
  expect(taskBody.properties.notify.properties.webhook.properties.secret.writeOnly).toBe(true);
  // a run tells of its notifications
  expect(doc.components.schemas.Run.properties.notifications.type).toBe('array');
});

test('Swagger UI is served at /docs', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/docs/' });
  expect(res.statusCode).toBe(200);
  expect(res.body).toMatch(/swagger/i);
});
