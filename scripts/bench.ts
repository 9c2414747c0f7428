// `npm run bench`: every benchmark in scripts/bench/, each printing its own
// side-by-side figures. Benchmarks measure; they never pass or fail on time.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = join(import.meta.dirname, 'bench');
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run?: () => Promise<string[]> };
  if (typeof mod.run !== 'function') continue;
  console.log(`\n== ${file.replace(/\.ts$/, '')}`);
  const started = Date.now();
  for (const line of await mod.run()) console.log(line);
  console.log(`   (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
