// Page overhead of the extension, measured side by side in one run: the same
// page workloads timed in Chromium without the extension, with it and no panel
// open, and with it while a Wirescope panel (detached) streams the tab.
// Prints medians and ratios; asserts nothing.
//
// A reference row, "one more listener", runs the same page without the
// extension but with a single extra, empty 'message' listener on the flooded
// socket: the least any listener-based capture can cost. On this 2-core
// machine it alone measured x1.12 on the receive flood.

import type { Page } from '@playwright/test';
import { startServer, type TestServer } from '../../tests/e2e/support/server';
import { launchBrowser, onlyTabId } from '../lib/chromium';

const FLOOD = 20_000;
const FETCHES = 1_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Repetitions of each workload inside one browser (the median is kept). */
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

const PAGE = `<!doctype html><title>bench</title><script>
window.receiveFlood = (n) => new Promise((resolve) => {
  const ws = new WebSocket('ws://' + location.host + '/flood');
  let got = 0, t0 = 0;
  ws.onopen = () => { t0 = performance.now(); ws.send(String(n)); };
  ws.onmessage = (e) => { got++; if (got === n) { const t = performance.now() - t0; ws.close(); resolve(t); } };
  if (location.search === '?extra-listener') ws.addEventListener('message', () => {});
});
window.sendFlood = (n) => new Promise((resolve) => {
  const ws = new WebSocket('ws://' + location.host + '/sink');
  let t0 = 0;
  ws.onopen = () => { t0 = performance.now(); for (let i = 0; i < n; i++) ws.send('message number ' + i + ' {"x":' + i + '}'); };
  ws.onmessage = () => { const t = performance.now() - t0; ws.close(); resolve(t); };
});
window.fetches = async (n) => {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { const r = await fetch('/ping?i=' + i); await r.text(); }
  return performance.now() - t0;
};
</script>`;

type Mode = 'without extension' | 'one more listener' | 'extension, panel closed' | 'extension, panel open';
type Workload = 'ws receive flood' | 'ws send flood' | 'sequential fetches';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function runWorkloads(page: Page): Promise<Record<Workload, number>> {
  const samples: Record<Workload, number>[] = [];
  for (let i = 0; i < REPEATS; i++) samples.push(await runWorkloadsOnce(page));
  const mid = (w: Workload) => median(samples.map((s) => s[w]));
  return {
    'ws receive flood': mid('ws receive flood'),
    'ws send flood': mid('ws send flood'),
    'sequential fetches': mid('sequential fetches'),
  };
}

async function runWorkloadsOnce(page: Page): Promise<Record<Workload, number>> {
  return {
    'ws receive flood': await page.evaluate(
      (n) => (window as unknown as { receiveFlood(n: number): Promise<number> }).receiveFlood(n),
      FLOOD,
    ),
    'ws send flood': await page.evaluate(
      (n) => (window as unknown as { sendFlood(n: number): Promise<number> }).sendFlood(n),
      FLOOD,
    ),
    'sequential fetches': await page.evaluate(
      (n) => (window as unknown as { fetches(n: number): Promise<number> }).fetches(n),
      FETCHES,
    ),
  };
}

async function measure(server: TestServer, mode: Mode): Promise<Record<Workload, number>> {
  const extension = mode === 'extension, panel closed' || mode === 'extension, panel open';
  const browser = await launchBrowser({ extension });
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.origin}/bench.html${mode === 'one more listener' ? '?extra-listener' : ''}`);
    if (mode === 'extension, panel open') {
      const tabId = await onlyTabId(browser);
      const panel = await browser.context.newPage();
      await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`);
      await page.bringToFront();
    }
    // One warm-up pass so JIT and connection setup do not count.
    await page.evaluate(() => (window as unknown as { fetches(n: number): Promise<number> }).fetches(20));
    return await runWorkloads(page);
  } finally {
    await browser.close();
  }
}

export async function run(): Promise<string[]> {
  const server = await startServer();
  server.page('/bench.html', PAGE);
  server.route('/ping', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('pong');
  });
  server.socket('/flood', (ws) => {
    ws.once('message', (data) => {
      const n = Number(String(data));
      for (let i = 0; i < n; i++) ws.send(`{"seq":${i},"price":${(i * 1.01).toFixed(2)},"sym":"WSC"}`);
    });
  });
  server.socket('/sink', (ws) => {
    let got = 0;
    ws.on('message', () => {
      got++;
      if (got === FLOOD) ws.send('done');
    });
  });
  const modes: Mode[] = [
    'without extension',
    'one more listener',
    'extension, panel closed',
    'extension, panel open',
  ];
  const samples = new Map<string, number[]>();
  try {
    // Rounds interleave the modes so machine noise spreads over all of them.
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of modes) {
        const result = await measure(server, mode);
        for (const [workload, ms] of Object.entries(result)) {
          const key = `${mode}|${workload}`;
          samples.set(key, [...(samples.get(key) ?? []), ms]);
        }
      }
    }
  } finally {
    await server.close();
  }
  const lines = [
    `page overhead (median of ${ROUNDS} rounds x ${REPEATS} runs; ${FLOOD} WS messages each way, ${FETCHES} sequential fetches; target ratio <= 1.10)`,
  ];
  for (const workload of ['ws receive flood', 'ws send flood', 'sequential fetches'] as Workload[]) {
    const base = median(samples.get(`without extension|${workload}`) ?? []);
    const cell = (mode: Mode) => {
      const ms = median(samples.get(`${mode}|${workload}`) ?? []);
      return `${ms.toFixed(0).padStart(6)} ms x${(ms / base).toFixed(3)}`;
    };
    lines.push(
      `  ${workload.padEnd(20)} without ${base.toFixed(0).padStart(6)} ms | one more listener ${cell('one more listener')} | panel closed ${cell('extension, panel closed')} | panel open ${cell('extension, panel open')}`,
    );
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await run()) console.log(line);
}
