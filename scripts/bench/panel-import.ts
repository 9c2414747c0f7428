// Benchmark: a 100,000-event timeline imported into the built panel (target
// < 1 s from choosing the file to the list showing it), the same import's
// parse+validate cost alone in Node, and the panel's JS heap before and after.
// Run: `npx tsx scripts/bench/panel-import.ts` (needs `npm run build`), or `npm run bench`.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildTimelineExport } from '../../lib/export/timeline';
import { importFile } from '../../lib/import';
import { detectPatterns } from '../../lib/patterns';
import { medianOf } from '../../lib/patterns/median';
import { launchBrowser } from '../lib/chromium';
import { buildLargeStore, EVENT_COUNT } from './filter';

export async function run(): Promise<string[]> {
  const store = buildLargeStore();
  const timeline = buildTimelineExport({
    connections: store.connections,
    events: store.events,
    page: { url: 'https://stream.example/', title: 'bench' },
    toolVersion: '0.1.0',
    userAgent: 'bench',
    now: new Date(),
  });
  const text = JSON.stringify(timeline);
  const lines = [
    `panel import of a ${EVENT_COUNT.toLocaleString('en')}-event timeline (${(text.length / 1024 / 1024).toFixed(1)} MB JSON; target < 1 s)`,
  ];

  const nodeTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const result = importFile(text, 'bench.json');
    if (!result.ok) throw new Error(result.error);
    detectPatterns(result.parts.connections, result.parts.events);
    nodeTimes.push(performance.now() - t0);
  }
  lines.push(
    `  parse + validate + model + pattern detection, Node: median ${medianOf(nodeTimes).toFixed(0)} ms`,
  );

  const dir = await mkdtemp(join(tmpdir(), 'wirescope-bench-'));
  const file = join(dir, 'timeline-100k.json');
  await writeFile(file, text);
  const browser = await launchBrowser();
  try {
    const panel = browser.context.pages()[0] ?? (await browser.context.newPage());
    await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=1`);
    const cdp = await browser.context.newCDPSession(panel);
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
      return usage.usedSize / 1024 / 1024;
    };
    const before = await heap();
    const input = panel.getByLabel('Import file');
    const shown = `${EVENT_COUNT.toLocaleString('en')} events`;
    const t0 = Date.now();
    await input.setInputFiles(file);
    await panel.waitForFunction(
      (expected) => document.querySelector('[data-testid="summary"]')?.textContent?.includes(expected),
      shown,
      { polling: 'raf', timeout: 60_000 },
    );
    const ms = Date.now() - t0;
    const rows = await panel.locator('[data-testid="events"] tbody tr').count();
    const after = await heap();
    lines.push(`  in the built panel, file chosen -> "${shown}" shown: ${ms} ms (${rows} rows in the DOM)`);
    lines.push(
      `  panel JS heap: ${before.toFixed(1)} MB empty, ${after.toFixed(1)} MB holding ${EVENT_COUNT.toLocaleString('en')} events`,
    );
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await run()) console.log(line);
}
