// The web app's API types, generated from Ferry's own OpenAPI document:
//   node services/web/scripts/api-types.ts          writes src/api/schema.d.ts
// test/unit/web-api-types.test.ts fails when the committed file differs from what this generates.
import fs from 'node:fs/promises';
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { openApiDocument } from '../../api/openapi-document.ts';

export const SCHEMA_FILE = path.resolve(import.meta.dirname, '../src/api/schema.d.ts');

export async function generateApiTypes(): Promise<string> {
  const ast = await openapiTS((await openApiDocument()) as never);
  return (
    `// Generated from Ferry's OpenAPI document by ` +
    `services/web/scripts/api-types.ts: do not edit.\n${astToString(ast)}`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await fs.writeFile(SCHEMA_FILE, await generateApiTypes());
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
