// Benchmark: what the page hook pays to take one request's call site (a
// stack from the saved Error, read and parsed to the first frame outside the
// hook), in Chromium, from a page stack as deep as a framework's (20 frames
// of page code under the request). The hook does this only for requests that
// look like a loop's. Run with `npx tsx scripts/bench/call-site.ts`
// (Chromium from CHROME_PATH, default /usr/bin/chromium).

import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const HOOK_URL = 'https://hook.test/hook.js';

/** The hook's reader, bundled as the hook is, with its frames named HOOK_URL. */
async function hookBundle(): Promise<string> {
  const out = await build({
    stdin: {
      contents: `import { callSiteReader } from './lib/hook/initiator';
import { capturePristine } from './lib/hook/pristine';
const read = callSiteReader(capturePristine(window), ${JSON.stringify(HOOK_URL)});
window.benchTake = () => read();`,
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    format: 'iife',
    write: false,
  });
  return `${out.outputFiles[0]?.text ?? ''}\n//# sourceURL=${HOOK_URL}`;
}

const PAGE = `function deep(n, f) { return n === 0 ? f() : deep(n - 1, f); }
window.benchRun = (count) => { let site; for (let i = 0; i < count; i++) site = deep(20, benchTake); return site; };
//# sourceURL=https://app.test/app.js`;

const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const page = await browser.newPage();
  await page.addScriptTag({ content: await hookBundle() });
  await page.addScriptTag({ content: PAGE });
  const result = await page.evaluate(() => {
    const run = (window as unknown as { benchRun(n: number): unknown }).benchRun;
    run(2000);
    const rounds: number[] = [];
    for (let r = 0; r < 9; r++) {
      const count = 20_000;
      const start = performance.now();
      run(count);
      rounds.push(((performance.now() - start) * 1000) / count);
    }
    rounds.sort((a, b) => a - b);
    return { median: rounds[4] ?? 0, site: run(1) };
  });
  console.log(
    `call site (capture + parse) in Chromium: median ${result.median.toFixed(2)} µs a request (9 rounds of 20,000)`,
  );
  console.log('site:', JSON.stringify(result.site));
} finally {
  await browser.close();
}
