// `npm install` and `npm ci` (through `prepare`): fills Node's compile cache, where `npm start`
// keeps it, with every module Ferry's process may load. A start that finds one module not yet in
// the cache loads Node's TypeScript stripper to strip it, and holds it to the end: measured,
// importing services/main.ts takes 133 MiB cold and 110 warm. So without this, the first start
// after an install or upgrade idles at about 132 MiB, every later one at about 118.
// The cache is kept per set of V8 flags: package.json runs this with npm start's.
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');
const cache = process.env.NODE_COMPILE_CACHE ?? path.join(repo, 'node_modules/.cache/node');

/** Ferry's modules: the connectors and the services, but the web app (built apart) and the CLI's entry point. */
export function ferryModules(): string[] {
  return ['connectors', 'services']
    .flatMap((dir) =>
      fs.readdirSync(path.join(repo, dir), { recursive: true, encoding: 'utf8' }).map((f) => `${dir}/${f}`),
    )
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .filter((f) => !f.startsWith('services/web/') && f !== 'services/cli/main.ts' && f !== 'services/compile-cache.ts')
    .sort();
}

if (import.meta.main) {
  module.enableCompileCache(cache);
  // Imported, not started: each module only defines what it exports (main.ts starts only as the entry point).
  for (const f of ferryModules()) await import(path.join(repo, f));
  module.flushCompileCache();
}
