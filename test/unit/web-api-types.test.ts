// The web app's client is typed from Ferry's own OpenAPI document: a change to the API that is not
// regenerated into services/web/src/api/schema.d.ts (npm run api-types) fails here.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { test } from '@jest/globals';
import { generateApiTypes, SCHEMA_FILE } from '../../services/web/scripts/api-types.ts';

test("the web app's API types match Ferry's OpenAPI document (else: npm run api-types)", async () => {
  const committed = await fs.readFile(SCHEMA_FILE, 'utf8');
  const fresh = await generateApiTypes();
  assert.ok(fresh.includes('"/api/v1/tasks"'), 'the generated types describe the API');
  assert.equal(committed, fresh, 'services/web/src/api/schema.d.ts is stale: run npm run api-types and commit it');
});
