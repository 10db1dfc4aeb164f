// `npm run build` (and `npm install`, through `prepare`): builds the web app into dist/. The build
// is written beside it and swapped in at the end, so a Ferry starting meanwhile never reads half a
// build.
import fs from 'node:fs/promises';
import path from 'node:path';
import { build } from 'vite';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
const fresh = path.join(root, `dist.new-${process.pid}`);
const old = path.join(root, `dist.old-${process.pid}`);

await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir: fresh } });
await fs.rename(dist, old).catch((err) => {
  if (err.code !== 'ENOENT') throw err;
});
await fs.rename(fresh, dist);
await fs.rm(old, { recursive: true, force: true });
