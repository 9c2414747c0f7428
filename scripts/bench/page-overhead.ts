// Page overhead of the extension, measured side by side in one run: the same
// page workloads timed in Chromium without the extension, with it and no panel
// open, and with it while a Wirescope panel streams the tab. Prints medians,
// ratios, and the CPU each kind of process used; asserts nothing.
//
// Each round opens one browser per mode, all at once, and then runs one
// workload at a time in each of them in turn: the modes' runs of a workload
// are seconds apart, so the machine's slow swings (this is a VM with
// neighbours) hit them alike, and each ratio is taken within its round. (Each
// mode's browser running all its workloads in turn, minutes apart from the
// next mode's, put an empty listener anywhere from x0.95 to x1.17.)
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
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { medianOf } from '../../lib/patterns/median';
import { readBody, startServer, type TestServer } from '../../tests/e2e/support/server';
import { openPanel, openWindow, unpackedExtensionId, withTimeout } from '../lib/browser-targets';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, EXTENSION_DIR, freePort } from '../lib/chromium';
import { openWirescopeInDevTools, showDevToolsPanel, waitForDevToolsFrontEnd } from '../lib/devtools';
import { cpuByKind, cpuSince, type ProcessKind } from '../lib/process-cpu';
import { pairedRatioInterval } from '../lib/ratio-interval';

const FLOOD = 20_000;
const FETCHES = 1_000;
/** Rounds, each with a browser per mode: runs in one browser share its luck, so more browsers beat more runs each. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Repetitions of each workload inside one browser (all are kept for the median). */
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
/**
 * A flood runs for under a second, a quarter of a fetch loop, and one run in
 * a browser can take up to half again as long as the next: each repeat runs
 * every flood this many times, so a round's median flood rests on several
 * runs, as a fetch loop's 1,000 requests already average out their own noise.
 */
const FLOOD_RUNS = Number(process.env.BENCH_FLOOD_RUNS ?? 3);
/** BENCH_MODES=closed,open (substrings of mode names) measures only those, plus the baseline. BENCH_RAW=1 also prints every sample. */
const ONLY_MODES = (process.env.BENCH_MODES ?? '').split(',').filter(Boolean);

/** Messages received before the page's heap is measured again (45 bytes each: 4.5 MB of text). */
const HEAP_FLOOD = 100_000;
/** Fetches that end the back-to-back workload. */
const BACK_TO_BACK_FETCHES = 200;

const ALL_WORKLOADS = [
  'ws receive flood',
  'ws receive flood, read',
  'ws send flood',
  'fetches, fixed length',
  'fetches, chunked',
  'back to back',
  'heap after 100k received',
] as const;
type Workload = (typeof ALL_WORKLOADS)[number];
const runsPerRepeat = (w: Workload): number => (w.startsWith('ws ') ? FLOOD_RUNS : 1);
/** A workload whose result is bytes of heap, not milliseconds. */
const isHeapWorkload = (w: Workload): boolean => w.startsWith('heap');
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
  /** Without the extension: opens a blank second window beside the page, as the panel's window is. */
  secondWindow?: boolean;
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
 * BENCH_WINDOW=1 also measures the page, without the extension, beside a blank
 * second window, as the panel's window is beside it: what that window costs
 * on its own.
 */
if (process.env.BENCH_WINDOW) MODES.push({ name: 'a second window', secondWindow: true });
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

/**
 * The page waits for /go (its panel or DevTools are open by then), warms up,
 * then asks /next for one workload at a time, runs it and posts its time to
 * /result, until /next answers with no workload.
 */
const PAGE = `<!doctype html><title>bench</title><script>
const browserId = new URLSearchParams(location.search).get('b');
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
// A page whose traffic does not pause: what the extension defers to a quiet
// moment is then the page's cost too.
const backToBack = async () => {
  const t0 = performance.now();
  await receiveFlood(${FLOOD});
  await sendFlood(${FLOOD});
  await fetches(${BACK_TO_BACK_FETCHES});
  return performance.now() - t0;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const collect = async () => { gc(); await sleep(200); gc(); await sleep(200); gc(); };
// The page's JS heap (its isolate: the extension's isolated world included)
// after a flood it does not keep, measured after garbage collection.
const heapAfterFlood = async (n) => {
  if (typeof gc !== 'function' || !performance.memory) return -1;
  await collect();
  const before = performance.memory.usedJSHeapSize;
  await receiveFlood(n);
  // The hook hands its records over within half a second of the page going idle.
  await sleep(2000);
  await collect();
  return performance.memory.usedJSHeapSize - before;
};
const runs = {
  'back to back': backToBack,
  'heap after 100k received': () => heapAfterFlood(${HEAP_FLOOD}),
  'ws receive flood': () => receiveFlood(${FLOOD}),
  'ws receive flood, read': () => receiveFlood(${FLOOD}, true),
  'ws send flood': () => sendFlood(${FLOOD}),
  'fetches, fixed length': () => fetches(${FETCHES}),
  'fetches, chunked': () => fetches(${FETCHES}, '/ping-chunked'),
};
addEventListener('load', async () => {
  await fetch('/go?b=' + browserId);
  await fetches(20); await fetches(20, '/ping-chunked'); await receiveFlood(2000); await sendFlood(2000);
  for (;;) {
    const workload = await (await fetch('/next?b=' + browserId)).text();
    if (!Object.hasOwn(runs, workload)) break;
    const ms = await runs[workload]();
    await fetch('/result?b=' + browserId, { method: 'POST', body: JSON.stringify(ms) });
  }
});
</script>`;

/** The extension process's CPU for one workload's timed runs, and after them until the browser was quiet. */
interface WorkloadCpu {
  during: number;
  after: number;
}

/** Progress on stderr, so a stalled run shows where it stands. */
function progress(line: string): void {
  if (process.env.BENCH_QUIET === undefined) process.stderr.write(`  [page-overhead] ${line}\n`);
}

const browserIdOf = (req: IncomingMessage) =>
  new URL(req.url ?? '/', 'http://bench').searchParams.get('b') ?? '';

/**
 * The bench server's side of the page protocol, for several browsers at once
 * (each page names its browser): holds each page's /go until released, and
 * hands it one workload at a time through its waiting /next.
 */
class PageCommands {
  private readonly released = new Set<string>();
  private readonly heldGo = new Map<string, ServerResponse>();
  /** Each page's /next, while it waits for a workload. */
  private readonly waitingNext = new Map<string, ServerResponse>();
  private readonly onNext = new Map<string, () => void>();
  private readonly onResult = new Map<string, (ms: number) => void>();

  constructor(server: TestServer) {
    server.route('/go', (req, res) => {
      const id = browserIdOf(req);
      if (this.released.has(id)) res.end('go');
      else this.heldGo.set(id, res);
    });
    server.route('/next', (req, res) => {
      const id = browserIdOf(req);
      this.waitingNext.set(id, res);
      this.onNext.get(id)?.();
    });
    server.route('/result', async (req, res) => {
      const id = browserIdOf(req);
      const ms = Number(JSON.parse(String(await readBody(req))));
      res.end('ok');
      this.onResult.get(id)?.(ms);
    });
  }

  /** Lets the page of browser `id` start (warming up first). */
  release(id: string): void {
    this.released.add(id);
    this.heldGo.get(id)?.end('go');
    this.heldGo.delete(id);
  }

  /** Resolves once the page of `id` waits for a workload (warmed up, or done with the last). */
  ready(id: string): Promise<void> {
    if (this.waitingNext.has(id)) return Promise.resolve();
    return new Promise((resolve) => this.onNext.set(id, resolve));
  }

  /** Runs one workload in the page of `id` (which must be ready) and resolves with its time in ms. */
  run(id: string, workload: Workload): Promise<number> {
    const next = this.waitingNext.get(id);
    if (!next) return Promise.reject(new Error(`page ${id} is not waiting for a workload`));
    this.waitingNext.delete(id);
    const result = new Promise<number>((resolve) => this.onResult.set(id, resolve));
    next.end(workload);
    return result;
  }

  /** Ends the page's loop and forgets browser `id`. */
  finish(id: string): void {
    this.waitingNext.get(id)?.end('done');
    this.waitingNext.delete(id);
    this.heldGo.get(id)?.end('go');
    this.heldGo.delete(id);
    this.released.delete(id);
    this.onNext.delete(id);
    this.onResult.delete(id);
  }
}

/** A quiet window: the whole browser used under a fifth of one core over a quarter second. */
const QUIET_WINDOW_MS = 250;
const QUIET_CPU_MS = 50;
/**
 * Quiet windows in a row that count as quiet, in a browser with the
 * extension. The relay holds a burst's delivery until the page has been quiet
 * for 600 ms (checked every 100 ms, after the hook's 50 ms backlog poll):
 * quiet must last longer than that, or a held delivery lands in the next
 * browser's timed run, uncounted here and slowing another mode.
 */
const QUIET_WINDOWS_WITH_EXTENSION = 4;
const MAX_SETTLE_MS = 10_000;

/** Resolves once the browser's process tree has been quiet for `windows` windows in a row, or after MAX_SETTLE_MS. */
async function browserQuiet(browserPid: number, windows = 1): Promise<void> {
  const total = () => [...cpuByKind(browserPid).values()].reduce((a, b) => a + b, 0);
  const started = Date.now();
  let before = total();
  let quietWindows = 0;
  while (Date.now() - started < MAX_SETTLE_MS) {
    await new Promise((r) => setTimeout(r, QUIET_WINDOW_MS));
    const now = total();
    quietWindows = now - before < QUIET_CPU_MS ? quietWindows + 1 : 0;
    if (quietWindows === windows) return;
    before = now;
  }
  progress(`not quiet after ${MAX_SETTLE_MS} ms; going on`);
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

/** One mode's browser, open for a round, its page ready for workloads. */
interface OpenBrowser {
  mode: Mode;
  id: string;
  pid: number;
  close(): Promise<void>;
}

let browsersStarted = 0;

/** Starts a browser for `mode`, opens its panel or DevTools, and waits until its page has warmed up. */
async function openBrowser(server: TestServer, pages: PageCommands, mode: Mode): Promise<OpenBrowser> {
  const id = String(++browsersStarted);
  const userDataDir = await mkdtemp(join(tmpdir(), 'wirescope-bench-'));
  const debugPort = await freePort();
  const args = [
    ...CHROMIUM_FLAGS,
    // gc() in the page, and heap sizes not rounded, for the heap workload.
    '--js-flags=--expose-gc',
    '--enable-precise-memory-info',
    '--headless',
    `--user-data-dir=${userDataDir}`,
    `--remote-debugging-port=${debugPort}`,
  ];
  if (mode.devtools) args.push('--auto-open-devtools-for-tabs');
  if (mode.extension)
    args.push(`--disable-extensions-except=${mode.extension}`, `--load-extension=${mode.extension}`);
  args.push(`${server.origin}/bench.html?b=${id}${mode.extraListener ? '&extra-listener' : ''}`);
  const chromium: ChildProcess = spawn(CHROMIUM_PATH, args, { stdio: 'ignore', detached: true });
  const exited = new Promise((r) => chromium.once('exit', r));
  const close = async () => {
    pages.finish(id);
    try {
      process.kill(-(chromium.pid ?? 0), 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
  progress(`${mode.name}: browser ${chromium.pid} started`);
  try {
    if (mode.extension && mode.panelOpen) await openPanel(debugPort, mode.extension);
    if (mode.secondWindow) {
      await openWindow(debugPort, 'about:blank');
      await new Promise((r) => setTimeout(r, 1500));
    }
    if (mode.devtools) await openDevTools(debugPort, mode.extension, mode.panelHidden);
    pages.release(id);
    await withTimeout(`${mode.name}: warm-up`, pages.ready(id), 120_000);
    progress(`${mode.name}: ready`);
    return { mode, id, pid: chromium.pid ?? 0, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What one round measured, per mode. */
interface RoundResult {
  times: Map<Mode, Map<Workload, number[]>>;
  cpu: Map<Mode, Map<ProcessKind, number>>;
  extensionCpu: Map<Mode, Map<Workload, WorkloadCpu>>;
}

/**
 * One round: a browser per mode, all open; then, for each repeat and
 * workload, the workload runs once in each browser in turn (the order
 * rotates; a flood does so FLOOD_RUNS times), each run followed by a wait
 * until that browser is quiet.
 */
async function measureRound(
  server: TestServer,
  pages: PageCommands,
  modes: readonly Mode[],
  round: number,
): Promise<RoundResult> {
  const result: RoundResult = { times: new Map(), cpu: new Map(), extensionCpu: new Map() };
  const browsers: OpenBrowser[] = [];
  try {
    for (const mode of modes) browsers.push(await openBrowser(server, pages, mode));
    for (const b of browsers) await browserQuiet(b.pid);
    // The heap is measured first, once, in a page that has only warmed up: a
    // history already full of earlier workloads' records would hide its growth.
    for (const workload of WORKLOADS.filter(isHeapWorkload)) {
      for (const b of browsers) {
        const bytes = await withTimeout(`${b.mode.name}: ${workload}`, pages.run(b.id, workload), 300_000);
        await browserQuiet(b.pid, b.mode.extension ? QUIET_WINDOWS_WITH_EXTENSION : 1);
        await withTimeout(`${b.mode.name}: next`, pages.ready(b.id), 30_000);
        const times = result.times.get(b.mode) ?? new Map<Workload, number[]>();
        times.set(workload, [...(times.get(workload) ?? []), bytes]);
        result.times.set(b.mode, times);
      }
    }
    let turn = round;
    const timed = WORKLOADS.filter((w) => !isHeapWorkload(w));
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      for (const workload of timed.flatMap((w) => Array<Workload>(runsPerRepeat(w)).fill(w))) {
        const order = browsers.map((_, i) => browsers[(i + turn) % browsers.length] as OpenBrowser);
        turn++;
        for (const b of order) {
          const before = cpuByKind(b.pid);
          const ms = await withTimeout(`${b.mode.name}: ${workload}`, pages.run(b.id, workload), 300_000);
          const atEnd = cpuByKind(b.pid);
          await browserQuiet(b.pid, b.mode.extension ? QUIET_WINDOWS_WITH_EXTENSION : 1);
          const quiet = cpuByKind(b.pid);
          await withTimeout(`${b.mode.name}: next`, pages.ready(b.id), 30_000);
          const times = result.times.get(b.mode) ?? new Map<Workload, number[]>();
          times.set(workload, [...(times.get(workload) ?? []), ms]);
          result.times.set(b.mode, times);
          const cpu = result.cpu.get(b.mode) ?? new Map<ProcessKind, number>();
          for (const [kind, used] of cpuSince(before, quiet)) cpu.set(kind, (cpu.get(kind) ?? 0) + used);
          result.cpu.set(b.mode, cpu);
          const extension = result.extensionCpu.get(b.mode) ?? new Map<Workload, WorkloadCpu>();
          const sum = extension.get(workload) ?? { during: 0, after: 0 };
          sum.during += cpuSince(before, atEnd).get('extension') ?? 0;
          sum.after += cpuSince(atEnd, quiet).get('extension') ?? 0;
          extension.set(workload, sum);
          result.extensionCpu.set(b.mode, extension);
        }
      }
      progress(`round ${round + 1}: repeat ${repeat + 1} of ${REPEATS} done`);
    }
    return result;
  } finally {
    for (const b of browsers) await b.close();
  }
}

/**
 * A round that fails (a stalled start, such as the panel's CDP target now and
 * then, or a run with no result) is repeated with fresh browsers instead of
 * ending a run of many minutes; a failed round contributes no samples.
 */
async function measureRoundWithRetry(
  server: TestServer,
  pages: PageCommands,
  modes: readonly Mode[],
  round: number,
): Promise<RoundResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await measureRound(server, pages, modes, round);
    } catch (err) {
      if (attempt >= 3) throw err;
      progress(
        `round ${round + 1}: attempt ${attempt} failed (${err instanceof Error ? err.message : String(err)}), starting it again`,
      );
    }
  }
}

export async function run(): Promise<string[]> {
  const server = await startServer();
  const pages = new PageCommands(server);
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

  /** Samples per mode and workload, grouped by round (each round has its own browser per mode). */
  const times = new Map<string, number[][]>();
  const cpu = new Map<Mode, Map<ProcessKind, number[]>>();
  const extensionCpu = new Map<Mode, Map<Workload, WorkloadCpu[]>>();
  const modes = MODES.filter(
    (m) => m === BASELINE || ONLY_MODES.length === 0 || ONLY_MODES.some((o) => m.name.includes(o)),
  );
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const roundResult = await measureRoundWithRetry(server, pages, modes, round);
      for (const mode of modes) {
        for (const workload of WORKLOADS) {
          const key = `${mode.name}|${workload}`;
          const samples = roundResult.times.get(mode)?.get(workload) ?? [];
          times.set(key, [...(times.get(key) ?? []), samples]);
        }
        const byKind = cpu.get(mode) ?? new Map<ProcessKind, number[]>();
        for (const [kind, ms] of roundResult.cpu.get(mode) ?? [])
          byKind.set(kind, [...(byKind.get(kind) ?? []), ms]);
        cpu.set(mode, byKind);
        const byWorkload = extensionCpu.get(mode) ?? new Map<Workload, WorkloadCpu[]>();
        for (const [workload, ms] of roundResult.extensionCpu.get(mode) ?? [])
          byWorkload.set(workload, [...(byWorkload.get(workload) ?? []), ms]);
        extensionCpu.set(mode, byWorkload);
      }
    }
  } finally {
    await server.close();
  }

  const lines = [
    `page overhead (${ROUNDS} rounds, each with a browser per mode, x ${REPEATS} repeats (${FLOOD_RUNS} runs of each flood per repeat), interleaved; ${FLOOD} WS messages each way, ${FETCHES} sequential fetches of fixed-length and of chunked responses; target ratio <= 1.10)`,
    '  times: medians of all runs; each ratio to "without extension": the median of the rounds\' ratios, with its 90% interval resampling rounds',
  ];
  for (const mode of modes)
    if (mode.against) lines.push(`  "${mode.name}" is taken against "${mode.against.name}" instead`);
  // Wide enough for the longest mode name, so names never run together.
  const column = Math.max(30, ...modes.map((m) => m.name.length + 2));
  lines.push(`  ${'workload'.padEnd(23)}${modes.map((m) => m.name.padStart(column)).join('')}`);
  for (const workload of WORKLOADS) {
    if (isHeapWorkload(workload)) continue;
    const base = times.get(`${BASELINE.name}|${workload}`) ?? [];
    const cells = modes.map((mode) => {
      const samples = times.get(`${mode.name}|${workload}`) ?? [];
      const ms = `${medianOf(samples.flat()).toFixed(0)} ms`;
      if (mode === BASELINE) return ms.padStart(column);
      const against = mode.against ? (times.get(`${mode.against.name}|${workload}`) ?? []) : base;
      const { ratio, low, high } = pairedRatioInterval(samples, against);
      return `${ms} x${ratio.toFixed(3)} (${low.toFixed(2)}-${high.toFixed(2)})`.padStart(column);
    });
    lines.push(`  ${workload.padEnd(23)}${cells.join('')}`);
  }
  for (const workload of WORKLOADS.filter(isHeapWorkload)) {
    const payloadMb = (HEAP_FLOOD * 45) / 1e6;
    lines.push(
      `  ${workload}: growth of the page's JS heap after GC, MB (median), and its ratio to the ${payloadMb.toFixed(1)} MB of text received`,
    );
    lines.push(
      `  ${''.padEnd(23)}${modes
        .map((mode) => {
          const mb = medianOf((times.get(`${mode.name}|${workload}`) ?? []).flat()) / 1e6;
          return `${mb.toFixed(1)} MB (x${(mb / payloadMb).toFixed(2)})`.padStart(column);
        })
        .join('')}`,
    );
  }
  if (process.env.BENCH_RAW !== undefined) {
    lines.push('  every sample, by round in run order (ms):');
    for (const [key, groups] of times)
      lines.push(
        `    ${key.padEnd(52)}${groups.map((g) => g.map((t) => t.toFixed(0)).join(' ')).join(' | ')}`,
      );
  }
  lines.push(`  CPU ms per browser over its measured runs, each until quiet (median), by process:`);
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
    `  extension process CPU ms per browser by workload (median): during its timed runs (${REPEATS} of each fetch loop, ${REPEATS * FLOOD_RUNS} of each flood) + after them until quiet`,
  );
  lines.push(
    `    ${''.padEnd(column)}${WORKLOADS.filter((w) => !isHeapWorkload(w))
      .map((w) => w.padStart(24))
      .join('')}`,
  );
  for (const [mode, byWorkload] of extensionCpu) {
    if (!mode.extension) continue;
    const cells = WORKLOADS.filter((w) => !isHeapWorkload(w)).map((w) => {
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
