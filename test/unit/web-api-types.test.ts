// The web app's client is typed from Ferry's own OpenAPI document: a change to the API that is not
// regenerated into services/web/src/api/schema.d.ts (npm run api-types) fails here.
import fs from 'node:fs/promises';
import { expect, test } from '@jest/globals';
import { generateApiTypes, SCHEMA_FILE } from '../../services/web/scripts/api-types.ts';

test("the web app's API types match Ferry's OpenAPI document (else: npm run api-types)", async () => {
  const committed = await fs.readFile(SCHEMA_FILE, 'utf8');
  const fresh = await generateApiTypes();
  // the generated types describe the API
  expect(fresh).toContain('"/api/v1/tasks"');
  // services/web/src/api/schema.d.ts is stale: run npm run api-types and commit it
  expect(committed).toBe(fresh);
});
