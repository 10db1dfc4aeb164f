// `npm run bench -- <name> [options]`: one benchmark, with the project's pinned Node (npm puts
// node_modules/.bin first on PATH), whatever the system's Node. Each prints its table and writes
// bench/results/<name>.json.
import fs from 'node:fs/promises';

const names = (await fs.readdir(import.meta.dirname))
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'support.ts')
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...options] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(
    `${name ? `No benchmark "${name}". ` : ''}Usage: npm run bench -- <name> [options]; the names: ${names.join(', ')}`,
  );
  process.exit(2);
}
// The benchmark reads its options where it would when run alone.
process.argv = [process.argv[0], `${import.meta.dirname}/${name}.ts`, ...options];
await import(`./${name}.ts`);
