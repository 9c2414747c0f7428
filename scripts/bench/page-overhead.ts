// Page overhead of the extension, measured side by side in one run: the same
// page workloads timed in Chromium without the extension, with it and no panel
// open, and with it while a Wirescope panel streams the tab. Prints medians,
// ratios, and the CPU each kind of process used; asserts nothing.
//
// No debugging client is attached to the measured page: the page runs its
// workloads itself and posts its timings to the bench server. (A Playwright or
// Puppeteer page session records every WebSocket frame and request over CDP;
// that instrumentation alone tripled the flood times in an earlier version of
// this bench and hid the extension's cost inside its own.) Only the opt-in
// BENCH_DEVTOOLS modes attach one, the real DevTools, on purpose.
//
// A reference row, "one more listener", runs the same page without the
// extension but with a single extra, empty 'message' listener on the flooded
// socket: the least any listener-based capture can cost.

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { medianOf } from '../../lib/patterns/median';
import { readBody, startServer, type TestServer } from '../../tests/e2e/support/server';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, EXTENSION_DIR, freePort } from '../lib/chromium';
import {
  CdpSession,
  listTargets,
  openWirescopeInDevTools,
  poll,
  showDevToolsPanel,
  waitForDevToolsFrontEnd,
} from '../lib/devtools';
import { cpuByKind, cpuSince, type ProcessKind } from '../lib/process-cpu';
import { ratioInterval } from '../lib/ratio-interval';

const FLOOD = 20_000;
const FETCHES = 1_000;
/** Browsers per mode: runs in one browser share its luck, so more browsers beat more runs each. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Repetitions of each workload inside one browser (all are kept for the median). */
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
/** BENCH_MODES=closed,open (substrings of mode names) measures only those, plus the baseline. BENCH_RAW=1 also prints every sample. */
const ONLY_MODES = (process.env.BENCH_MODES ?? '').split(',').filter(Boolean);

const ALL_WORKLOADS = [
  'ws receive flood',
  'ws receive flood, read',
  'ws send flood',
  'fetches, fixed length',
  'fetches, chunked',
] as const;
type Workload = (typeof ALL_WORKLOADS)[number];
/** BENCH_WORKLOADS=fetches (substrings of workload names) runs only those workloads. */
const ONLY_WORKLOADS = (process.env.BENCH_WORKLOADS ?? '').split(',').filter(Boolean);
const WORKLOADS: readonly Workload[] = ALL_WORKLOADS.filter(
  (w) => ONLY_WORKLOADS.length === 0 || ONLY_WORKLOADS.some((o) => w.includes(o)),
);
if (WORKLOADS.length === 0) throw new Error(`BENCH_WORKLOADS matches none of: ${ALL_WORKLOADS.join(', ')}`);
interface Mode {
  name: string;
  /** The unpacked extension to load, if any. */
  extension?: string;
  panelOpen?: boolean;
  extraListener?: boolean;
  /** Opens the real DevTools window on the page (and selects Wirescope's panel when the extension is loaded). */
  devtools?: boolean;
  /** With devtools: then selects the Elements tab, so Wirescope's panel records but is hidden. */
  panelHidden?: boolean;
  /** The mode its ratios are taken against, when not "without extension". */
  against?: Mode;
}
const BASELINE: Mode = { name: 'without extension' };
const MODES: Mode[] = [
  BASELINE,
  { name: 'one more listener', extraListener: true },
  { name: 'extension, panel closed', extension: EXTENSION_DIR },
  { name: 'extension, panel open', extension: EXTENSION_DIR, panelOpen: true },
];
/**
 * BENCH_DEVTOOLS=1 also measures with the real DevTools window open on the
 * page, as a user debugging it has: DevTools alone (against no DevTools), and
 * the extension with its panel selected in DevTools (against DevTools alone,
 * the cost Wirescope adds to a debugging session). DevTools' own
 * instrumentation records every request and frame, so these runs are slower.
 */
if (process.env.BENCH_DEVTOOLS) {
  const devtoolsAlone: Mode = { name: 'DevTools open, no extension', devtools: true };
  MODES.push(
    devtoolsAlone,
    {
      name: 'extension, panel in DevTools',
      extension: EXTENSION_DIR,
      devtools: true,
      against: devtoolsAlone,
    },
    {
      name: 'extension, panel hidden in DevTools',
      extension: EXTENSION_DIR,
      devtools: true,
      panelHidden: true,
      against: devtoolsAlone,
    },
  );
}
/**
 * BENCH_COMPARE=<another build's chrome-mv3 directory>[,<another>...] also
 * measures those builds, in the same browsers' rounds: a change is judged
 * against its predecessor side by side, not against figures from another run.
 * With several, each is named by its directory's parent.
 */
const COMPARE_DIRS = (process.env.BENCH_COMPARE ?? '')
  .split(',')
  .filter(Boolean)
  .map((d) => resolve(d));
for (const dir of COMPARE_DIRS) {
  const name = COMPARE_DIRS.length === 1 ? 'compared build' : basename(dirname(dir));
  MODES.push(
    { name: `${name}, panel closed`, extension: dir },
    { name: `${name}, panel open`, extension: dir, panelOpen: true },
  );
}

/** The page waits for /go, warms up, runs every workload REPEATS times and posts the timings. */
const PAGE = `<!doctype html><title>bench</title><script>
const extraListener = location.search.includes('extra-listener');
// With read, the page's handler reads each message's data, as real pages do;
// without, it only counts them (the page never turns a message into a string).
const receiveFlood = (n, read = false) => new Promise((resolve) => {
  const ws = new WebSocket('ws://' + location.host + '/flood');
  let got = 0, t0 = 0, chars = 0;
  ws.onopen = () => { t0 = performance.now(); ws.send(String(n)); };
  ws.onmessage = read
    ? (e) => { chars += e.data.length; if (++got === n) { const t = performance.now() - t0; ws.close(); window.readChars = chars; resolve(t); } }
    : () => { got++; if (got === n) { const t = performance.now() - t0; ws.close(); resolve(t); } };
  if (extraListener) ws.addEventListener('message', () => {});
});
const sendFlood = (n) => new Promise((resolve) => {
  const ws = new WebSocket('ws://' + location.host + '/sink?n=' + n);
  let t0 = 0;
  ws.onopen = () => { t0 = performance.now(); for (let i = 0; i < n; i++) ws.send('message number ' + i + ' {"x":' + i + '}'); };
  ws.onmessage = () => { const t = performance.now() - t0; ws.close(); resolve(t); };
});
const fetches = async (n, path = '/ping') => {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { const r = await fetch(path + '?i=' + i); await r.text(); }
  return performance.now() - t0;
};
// Waits until the browser's processes are quiet, so work the extension left
// over from one workload (deferred delivery, the panel's rendering) is not
// timed as part of the next. That work's CPU is still counted in the totals,
// and split by workload: during its timed runs, and after them until quiet.
const settle = (after) => fetch('/settle' + (after ? '?after=' + encodeURIComponent(after) : ''));
addEventListener('load', async () => {
  await fetch('/go');
  await fetches(20); await fetches(20, '/ping-chunked'); await receiveFlood(2000); await sendFlood(2000); await settle();
  await fetch('/mark');
  const runs = {
    'ws receive flood': () => receiveFlood(${FLOOD}),
    'ws receive flood, read': () => receiveFlood(${FLOOD}, true),
    'ws send flood': () => sendFlood(${FLOOD}),
    'fetches, fixed length': () => fetches(${FETCHES}),
    'fetches, chunked': () => fetches(${FETCHES}, '/ping-chunked'),
  };
  const chosen = ${JSON.stringify(WORKLOADS)};
  const out = {};
  for (const w of chosen) out[w] = [];
  for (let i = 0; i < ${REPEATS}; i++) {
    for (const w of chosen) { out[w].push(await runs[w]()); await settle(w); }
  }
  await fetch('/result', { method: 'POST', body: JSON.stringify(out) });
});
</script>`;

/** The extension process's CPU for one workload's timed runs, and after them until the browser was quiet. */
interface WorkloadCpu {
  during: number;
  after: number;
}

interface BrowserRun {
  times: Record<Workload, number[]>;
  cpu: Map<ProcessKind, number>;
  extensionCpu: Map<Workload, WorkloadCpu>;
}

/** Progress on stderr, so a stalled run shows where it stands. */
function progress(line: string): void {
  if (process.env.BENCH_QUIET === undefined) process.stderr.write(`  [page-overhead] ${line}\n`);
}

/** Hooks the bench server's /go, /mark and /result routes to one browser run at a time. */
class PageProtocol {
  private isOpen = true;
  private readonly waiting: ServerResponse[] = [];
  onMark: () => void = () => {};
  /** `after`: the workload whose timed run just ended (none for the warm-up). */
  onSettle: (after: Workload | null) => Promise<void> = async () => {};
  onResult: (times: Record<Workload, number[]>) => void = () => {};

  constructor(server: TestServer) {
    server.route('/go', (_req, res) => {
      if (this.isOpen) res.end('go');
      else this.waiting.push(res);
    });
    server.route('/mark', (_req, res) => {
      this.onMark();
      res.end('ok');
    });
    server.route('/settle', async (req, res) => {
      const after = new URL(req.url ?? '/', 'http://bench').searchParams.get('after');
      await this.onSettle(WORKLOADS.find((w) => w === after) ?? null);
      res.end('ok');
    });
    server.route('/result', async (req, res) => {
      const body = JSON.parse(String(await readBody(req))) as Record<Workload, number[]>;
      res.end('ok');
      this.onResult(body);
    });
  }

  /** The page's /go request waits until `open()` is called. */
  hold(): void {
    this.isOpen = false;
  }

  open(): void {
    this.isOpen = true;
    for (const res of this.waiting.splice(0)) res.end('go');
  }
}

/** Quiet: the whole browser used under a fifth of one core over a quarter second. */
const QUIET_WINDOW_MS = 250;
const QUIET_CPU_MS = 50;
const MAX_SETTLE_MS = 10_000;

/** Resolves once the browser's process tree is quiet, or after MAX_SETTLE_MS. */
async function browserQuiet(browserPid: number): Promise<void> {
  const total = () => [...cpuByKind(browserPid).values()].reduce((a, b) => a + b, 0);
  const started = Date.now();
  let before = total();
  while (Date.now() - started < MAX_SETTLE_MS) {
    await new Promise((r) => setTimeout(r, QUIET_WINDOW_MS));
    const now = total();
    if (now - before < QUIET_CPU_MS) return;
    before = now;
  }
  progress(`not quiet after ${MAX_SETTLE_MS} ms; going on`);
}

/** How long to wait for the browser, the panel page or its extension bindings to appear. */
const WAIT_MS = 20_000;

/** A CDP call that gives up after `ms` (a stopped target never answers). */
function withTimeout<T>(what: string, promise: Promise<T>, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  // Cleared once settled: a pending timer would keep the bench's process alive after its last run.
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Chromium's id for an unpacked extension: its absolute path's SHA-256, hex digits mapped to a-p (every Mode's path is absolute). */
function unpackedExtensionId(dir: string): string {
  const hex = createHash('sha256').update(dir).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + Number.parseInt(c, 16))).join('');
}

/**
 * Opens the detached Wirescope panel for the page's tab in a window of its
 * own (so it is visible and renders, as a docked panel would). Only the
 * browser target and the panel page are touched over CDP, never the measured
 * page: the panel page itself looks up the other tab's id, then loads
 * `panel.html?tabId=N`.
 */
async function openPanel(debugPort: number, extensionDir: string): Promise<void> {
  const panelUrl = `chrome-extension://${unpackedExtensionId(extensionDir)}/panel.html`;
  const version = await poll(
    'the browser endpoint',
    async () => {
      const res = await fetch(`http://127.0.0.1:${debugPort}/json/version`);
      return (await res.json()) as { webSocketDebuggerUrl: string };
    },
    WAIT_MS,
  );
  const browserSession = await withTimeout(
    'browser session',
    CdpSession.connect(version.webSocketDebuggerUrl),
  );
  try {
    await withTimeout(
      'new window',
      browserSession.send('Target.createTarget', { url: panelUrl, newWindow: true }),
    );
  } finally {
    browserSession.close();
  }
  const target = await poll(
    'the panel page',
    async () =>
      (await listTargets(debugPort)).find((t) => t.url.startsWith(panelUrl) && t.webSocketDebuggerUrl),
    WAIT_MS,
  );
  const panelSession = await withTimeout(
    'panel session',
    CdpSession.connect(target.webSocketDebuggerUrl ?? ''),
  );
  try {
    // The target is listed before its extension bindings exist: ask until chrome.tabs answers.
    const tabIds = await poll(
      'the tab lookup',
      () =>
        withTimeout(
          'tab lookup',
          panelSession.evaluate<number[] | null>(`(async () => {
            if (typeof chrome === 'undefined' || !chrome.tabs) return null;
            const own = (await chrome.tabs.getCurrent())?.id;
            return (await chrome.tabs.query({})).map((t) => t.id).filter((id) => id !== own);
          })()`),
        ),
      WAIT_MS,
    );
    if (tabIds.length !== 1) throw new Error(`expected one page tab, found ${tabIds.length}`);
    await withTimeout(
      'panel load',
      panelSession.evaluate(`location.replace('panel.html?tabId=${tabIds[0]}')`),
    );
  } finally {
    panelSession.close();
  }
  // Let the panel load, subscribe and receive the (short) replay before timing starts.
  await new Promise((r) => setTimeout(r, 1500));
}

/** Waits for the DevTools window that --auto-open-devtools-for-tabs opens; selects Wirescope's panel in it. */
async function openDevTools(
  debugPort: number,
  extensionDir: string | undefined,
  hidePanel = false,
): Promise<void> {
  if (extensionDir) {
    const panel = await withTimeout(
      'the panel in DevTools',
      openWirescopeInDevTools(debugPort, unpackedExtensionId(extensionDir)),
      60_000,
    );
    panel.close();
    // Opened once (so it links and records), then another tab is selected, as when debugging with the Network panel.
    if (hidePanel) await withTimeout('the Elements tab', showDevToolsPanel(debugPort, 'elements'), 30_000);
  } else {
    await waitForDevToolsFrontEnd(debugPort);
  }
  // Let DevTools finish loading (and the panel receive its replay) before timing starts.
  await new Promise((r) => setTimeout(r, 2000));
}

async function measure(server: TestServer, protocol: PageProtocol, mode: Mode): Promise<BrowserRun> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'wirescope-bench-'));
  const debugPort = await freePort();
  const args = [
    ...CHROMIUM_FLAGS,
    '--headless',
    `--user-data-dir=${userDataDir}`,
    `--remote-debugging-port=${debugPort}`,
  ];
  if (mode.devtools) args.push('--auto-open-devtools-for-tabs');
  if (mode.extension)
    args.push(`--disable-extensions-except=${mode.extension}`, `--load-extension=${mode.extension}`);
  args.push(`${server.origin}/bench.html${mode.extraListener ? '?extra-listener' : ''}`);

  protocol.hold();
  let cpuAtMark = new Map<ProcessKind, number>();
  let cpuAtQuiet = new Map<ProcessKind, number>();
  const extensionCpu = new Map<Workload, WorkloadCpu>();
  const extensionMs = (from: Map<ProcessKind, number>, to: Map<ProcessKind, number>) =>
    cpuSince(from, to).get('extension') ?? 0;
  const result = new Promise<BrowserRun>((resolve) => {
    protocol.onMark = () => {
      progress(`${mode.name}: warmed up, measuring`);
      cpuAtMark = cpuByKind(chromium.pid ?? 0);
      cpuAtQuiet = cpuAtMark;
    };
    protocol.onSettle = async (after) => {
      const atEnd = cpuByKind(chromium.pid ?? 0);
      await browserQuiet(chromium.pid ?? 0);
      const quiet = cpuByKind(chromium.pid ?? 0);
      if (after) {
        const sum = extensionCpu.get(after) ?? { during: 0, after: 0 };
        sum.during += extensionMs(cpuAtQuiet, atEnd);
        sum.after += extensionMs(atEnd, quiet);
        extensionCpu.set(after, sum);
      }
      cpuAtQuiet = quiet;
    };
    protocol.onResult = (times) =>
      resolve({ times, cpu: cpuSince(cpuAtMark, cpuByKind(chromium.pid ?? 0)), extensionCpu });
  });
  const chromium: ChildProcess = spawn(CHROMIUM_PATH, args, { stdio: 'ignore', detached: true });
  const exited = new Promise((r) => chromium.once('exit', r));
  progress(`${mode.name}: browser ${chromium.pid} started`);
  try {
    if (mode.extension && mode.panelOpen) await openPanel(debugPort, mode.extension);
    if (mode.devtools) await openDevTools(debugPort, mode.extension, mode.panelHidden);
    protocol.open();
    progress(`${mode.name}: page released`);
    return await withTimeout(`${mode.name}: result`, result, 300_000);
  } finally {
    try {
      process.kill(-(chromium.pid ?? 0), 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

/**
 * A browser run that fails (a stalled start, such as the panel's CDP target
 * now and then, or no result) is repeated in a fresh browser instead of
 * ending a run of many minutes; a failed run contributes no samples.
 */
async function measureWithRetry(server: TestServer, protocol: PageProtocol, mode: Mode): Promise<BrowserRun> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await measure(server, protocol, mode);
    } catch (err) {
      if (attempt >= 3) throw err;
      progress(
        `${mode.name}: attempt ${attempt} failed (${err instanceof Error ? err.message : String(err)}), starting another browser`,
      );
    }
  }
}

export async function run(): Promise<string[]> {
  const server = await startServer();
  const protocol = new PageProtocol(server);
  server.page('/bench.html', PAGE);
  // Most API responses declare their length (Express's res.send and res.json,
  // engine.io's polling responses); streamed frameworks send chunked bodies,
  // which the hook reads piece by piece. Both are measured.
  server.route('/ping', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4' });
    res.end('pong');
  });
  server.route('/ping-chunked', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('pong');
  });
  server.socket('/flood', (ws) => {
    ws.once('message', (data) => {
      const n = Number(String(data));
      for (let i = 0; i < n; i++) ws.send(`{"seq":${i},"price":${(i * 1.01).toFixed(2)},"sym":"WSC"}`);
    });
  });
  server.socket('/sink', (ws, _req, url) => {
    const n = Number(url.searchParams.get('n'));
    let got = 0;
    ws.on('message', () => {
      got++;
      if (got === n) ws.send('done');
    });
  });

  /** Samples per mode and workload, grouped by browser (one group per round). */
  const times = new Map<string, number[][]>();
  const cpu = new Map<Mode, Map<ProcessKind, number[]>>();
  const extensionCpu = new Map<Mode, Map<Workload, WorkloadCpu[]>>();
  // Rounds interleave the modes so machine noise spreads over all of them, and
  // each round starts at the next mode, so no mode always runs first or last
  // (the same build measured in two places of a fixed order read 0.08 apart).
  const modes = MODES.filter(
    (m) => m === BASELINE || ONLY_MODES.length === 0 || ONLY_MODES.some((o) => m.name.includes(o)),
  );
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = modes.map((_, i) => modes[(i + round) % modes.length] as Mode);
      for (const mode of order) {
        const runResult = await measureWithRetry(server, protocol, mode);
        for (const workload of WORKLOADS) {
          const key = `${mode.name}|${workload}`;
          times.set(key, [...(times.get(key) ?? []), runResult.times[workload]]);
        }
        const byKind = cpu.get(mode) ?? new Map<ProcessKind, number[]>();
        for (const [kind, ms] of runResult.cpu) byKind.set(kind, [...(byKind.get(kind) ?? []), ms]);
        cpu.set(mode, byKind);
        const byWorkload = extensionCpu.get(mode) ?? new Map<Workload, WorkloadCpu[]>();
        for (const [workload, ms] of runResult.extensionCpu)
          byWorkload.set(workload, [...(byWorkload.get(workload) ?? []), ms]);
        extensionCpu.set(mode, byWorkload);
      }
    }
  } finally {
    await server.close();
  }

  const lines = [
    `page overhead (median of ${ROUNDS} browsers x ${REPEATS} runs; ${FLOOD} WS messages each way, ${FETCHES} sequential fetches of fixed-length and of chunked responses; target ratio <= 1.10)`,
    '  each ratio to "without extension" has its 90% interval, resampling whole browsers',
  ];
  for (const mode of modes)
    if (mode.against) lines.push(`  "${mode.name}" is taken against "${mode.against.name}" instead`);
  // Wide enough for the longest mode name, so names never run together.
  const column = Math.max(30, ...modes.map((m) => m.name.length + 2));
  lines.push(`  ${'workload'.padEnd(23)}${modes.map((m) => m.name.padStart(column)).join('')}`);
  for (const workload of WORKLOADS) {
    const base = times.get(`${BASELINE.name}|${workload}`) ?? [];
    const cells = modes.map((mode) => {
      const samples = times.get(`${mode.name}|${workload}`) ?? [];
      const ms = `${medianOf(samples.flat()).toFixed(0)} ms`;
      if (mode === BASELINE) return ms.padStart(column);
      const against = mode.against ? (times.get(`${mode.against.name}|${workload}`) ?? []) : base;
      const { ratio, low, high } = ratioInterval(samples, against);
      return `${ms} x${ratio.toFixed(3)} (${low.toFixed(2)}-${high.toFixed(2)})`.padStart(column);
    });
    lines.push(`  ${workload.padEnd(23)}${cells.join('')}`);
  }
  if (process.env.BENCH_RAW !== undefined) {
    lines.push('  every sample, by browser in run order (ms):');
    for (const [key, groups] of times)
      lines.push(
        `    ${key.padEnd(52)}${groups.map((g) => g.map((t) => t.toFixed(0)).join(' ')).join(' | ')}`,
      );
  }
  lines.push(`  CPU ms per browser over all measured workloads (median), by process:`);
  const kinds: ProcessKind[] = ['page renderer', 'extension', 'browser', 'network service', 'other'];
  lines.push(`    ${''.padEnd(column)}${kinds.map((k) => k.padStart(16)).join('')}`);
  for (const [mode, byKind] of cpu) {
    const cells = kinds.map((k) =>
      medianOf(byKind.get(k) ?? [0])
        .toFixed(0)
        .padStart(16),
    );
    lines.push(`    ${mode.name.padEnd(column)}${cells.join('')}`);
  }
  // Only CPU used while the page is timed competes with it; what comes after is catching up.
  lines.push(
    `  extension process CPU ms per browser by workload (median): during its ${REPEATS} timed runs + after them until quiet`,
  );
  lines.push(`    ${''.padEnd(column)}${WORKLOADS.map((w) => w.padStart(24)).join('')}`);
  for (const [mode, byWorkload] of extensionCpu) {
    if (!mode.extension) continue;
    const cells = WORKLOADS.map((w) => {
      const samples = byWorkload.get(w) ?? [];
      const during = medianOf(samples.map((s) => s.during)).toFixed(0);
      const after = medianOf(samples.map((s) => s.after)).toFixed(0);
      return `${during} + ${after}`.padStart(24);
    });
    lines.push(`    ${mode.name.padEnd(column)}${cells.join('')}`);
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await run()) console.log(line);
}
