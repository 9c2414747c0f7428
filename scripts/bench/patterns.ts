// Benchmark: the pattern detector fed 100,000 HTTP requests (long-poll and
// polling loops, a small storm, REST noise, bursts, retries) incrementally, the
// way the panel feeds it: store.ingest(batch) then detector.update(store).
// Prints the detector's time for each 10,000 requests and the total; a flat
// per-slice time means near-linear cost. Run with
// `npx tsx scripts/bench/patterns.ts`, or through `npm run bench` via run().

import { pathToFileURL } from 'node:url';
import { PatternDetector } from '../../lib/patterns';
import { TimelineStore } from '../../lib/timeline/store';
import {
  assetsAndBurst,
  longPollLoop,
  pollingLoop,
  restTraffic,
  retriesWithBackoff,
  rng,
  seedStorm,
  Trace,
} from '../../tests/unit/patterns-traces';

export const REQUESTS = 100_000;
const SLICE = 10_000;
const T0 = 1_764_000_000_000;

/** About `target` requests of mixed traffic over one long session. */
function buildTrace(target: number): { trace: Trace; requests: number } {
  const r = rng(42);
  const trace = new Trace('bench');
  let requests = 0;
  let block = 0;
  // Blocks of ~10 minutes of traffic, one after another, until the target.
  while (requests < target) {
    const start = T0 + block * 600_000;
    const before = requests;
    for (let i = 0; i < 6; i++) {
      const cycles = 40 + Math.floor(r() * 40);
      longPollLoop(trace, r, {
        path: `/lp${i}`,
        start: start + i * 50,
        cycles,
        label: 'x',
        cacheBuster: '_',
      });
      requests += cycles;
    }
    for (let i = 0; i < 8; i++) {
      const cycles = 60 + Math.floor(r() * 60);
      const interval = [1000, 2000, 5000][i % 3] as number;
      pollingLoop(trace, r, {
        path: `/poll${i}`,
        start: start + i * 30,
        cycles,
        label: 'x',
        interval,
        jitter: 0.05,
      });
      requests += cycles;
    }
    restTraffic(trace, r, { start, calls: 300 });
    requests += 300;
    for (let k = 0; k < 10; k++) assetsAndBurst(trace, r, start + k * 60_000);
    requests += 10 * 13;
    retriesWithBackoff(trace, r, { path: '/api/flaky', start: start + 1000, tries: 5, succeedLast: true });
    requests += 5;
    if (block % 5 === 0) {
      seedStorm(trace, { path: '/seed', start: start + 5000, hold: 2000, generations: 4, label: 'x' });
      requests += 40;
    }
    block++;
    if (requests === before) break;
  }
  return { trace, requests };
}

export async function run(): Promise<string[]> {
  const { trace, requests } = buildTrace(REQUESTS);
  const messages = trace.messages(200);
  const store = new TimelineStore();
  const detector = new PatternDetector();
  const lines: string[] = [];
  const sliceMs: number[] = [];
  let detectorMs = 0;
  let sliceStart = 0;
  let nextMark = SLICE;
  for (const m of messages) {
    store.ingest(m);
    const t0 = performance.now();
    detector.update(store);
    detectorMs += performance.now() - t0;
    while (store.connections.length >= nextMark) {
      sliceMs.push(detectorMs - sliceStart);
      sliceStart = detectorMs;
      nextMark += SLICE;
    }
  }
  const t0 = performance.now();
  detector.flush();
  const patterns = detector.patterns();
  detectorMs += performance.now() - t0;
  lines.push(
    `pattern detector over ${store.connections.length} requests / ${store.events.length} events, fed in ${messages.length} batches:`,
  );
  for (const [i, ms] of sliceMs.entries())
    lines.push(
      `  requests ${String(i * SLICE).padStart(6)}-${String((i + 1) * SLICE).padStart(6)}: ${ms.toFixed(1).padStart(7)} ms`,
    );
  const first = sliceMs[0] ?? 0;
  const last = sliceMs[sliceMs.length - 1] ?? 0;
  const storms = patterns.filter((p) => p.storm).length;
  lines.push(
    `  total: ${detectorMs.toFixed(1)} ms (${((detectorMs / store.connections.length) * 1000).toFixed(1)} µs per request)`,
  );
  lines.push(`  last/first 10k slice: ${(last / (first || 1)).toFixed(2)} (1.0 = linear)`);
  lines.push(
    `  patterns found: ${patterns.length} (${storms} with a storm warning); requests generated: ${requests}`,
  );
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await run()) console.log(line);
}
