// One measured run of the decoding benchmark in Chromium: a page floods
// itself over Socket.IO while the popped-out Wirescope panel, its Socket.IO
// connection selected in the sidebar, lists (and, with decoding on, decodes
// and pairs) everything as it arrives. Only the browser target and the panel
// are driven over CDP during the flood; the page is read once, afterwards.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPanel, unpackedExtensionId, WAIT_MS, withTimeout } from './browser-targets';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, freePort } from './chromium';
import { CdpSession, listTargets, poll } from './devtools';
import { type FloodPlan, floodPage, startSocketIoFlood } from './socket-io-flood';

export interface PanelFloodRun {
  /** From the flood's first frame (sent by the server) to the panel listing every frame, ms. */
  listedMs: number;
  /** From the first frame to the sidebar's latency line showing every ping answered, ms; null with decoding off. */
  answeredMs: number | null;
  /** From the first frame to the page having its last frame, ms. */
  pageMs: number;
  /** How far the panel was behind the page at the end: the panel done (listed, and answered when decoding) less the page's last frame, ms. */
  lagMs: number;
  /** The same at half the frames: when the panel listed half of them less when the page had them, ms. */
  lagAtHalfMs: number;
  /** The panel's lag behind the page at each tenth of the frames, ms (does it grow with frames?). */
  lagByTenthMs: number[];
  /** The panel's JS heap after garbage collection, at the end, bytes. */
  heapBytes: number;
}

/** What the page keeps in `window.flood` (see floodPage). */
interface PageFlood {
  ticks: number;
  pings: number;
  acks: number;
  frames: number;
  marks: number[];
}

/** What the waiter installed in the panel reports (epoch ms; null until reached). */
interface PanelWait {
  marks: Array<number | null>;
  answeredAt: number | null;
  status: string;
  latency: string;
}

/** Longest wait for the panel to catch up with a flood. */
const CATCH_UP_MS = 300_000;

const SUMMARY = '[data-testid="summary"] span';
const SELECTED_ENTRY = 'button.conn-entry.selected';

/**
 * Installs in the panel a watcher of the status bar's count of the selected
 * connection's events and of its latency line; `window.floodWait` resolves
 * once the count reached base + frames (and, when `pings`, the answered
 * count reached it), with when it passed each tenth of the frames.
 */
function waiterScript(base: number, plan: FloodPlan, decode: boolean): string {
  return `(() => {
    const base = ${base}, frames = ${plan.frames}, pings = ${decode ? plan.pings : 0};
    const step = frames / 10;
    const now = () => performance.timeOrigin + performance.now();
    const state = { marks: Array(10).fill(null), answeredAt: null, status: '', latency: '' };
    window.floodState = state;
    const shownOf = (text) => Number((text.split(' ')[0] ?? '').replace(/[^0-9]/g, ''));
    window.floodWait = new Promise((resolve) => {
      const check = () => {
        state.status = document.querySelector(${JSON.stringify(SUMMARY)})?.textContent ?? '';
        state.latency = document.querySelector(${JSON.stringify(`${SELECTED_ENTRY} .latency`)})?.textContent ?? '';
        const listed = shownOf(state.status) - base;
        for (let k = 0; k < 10; k++) if (state.marks[k] === null && listed >= (k + 1) * step) state.marks[k] = now();
        const answered = Number(/calls: (\\d+) answered/.exec(state.latency)?.[1] ?? 0);
        if (pings > 0 && state.answeredAt === null && answered >= pings) state.answeredAt = now();
        if (state.marks[9] !== null && (pings === 0 || state.answeredAt !== null)) {
          observer.disconnect();
          resolve(state);
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    return true;
  })()`;
}

export interface PanelFloodOptions {
  /** Writes the panel's CPU profile over the flood here (a .cpuprofile file, for Chromium's DevTools). */
  profilePath?: string;
  /** Saves a PNG of the panel here once it has caught up. */
  screenshotPath?: string;
  progress?: (line: string) => void;
}

export async function runPanelFlood(
  plan: FloodPlan,
  decode: boolean,
  extensionDir: string,
  options: PanelFloodOptions = {},
): Promise<PanelFloodRun> {
  const { profilePath, screenshotPath, progress = () => {} } = options;
  const server = await startSocketIoFlood({ pages: { '/flood.html': floodPage(plan) } });
  const userDataDir = await mkdtemp(join(tmpdir(), 'wirescope-bench-'));
  const debugPort = await freePort();
  const chromium: ChildProcess = spawn(
    CHROMIUM_PATH,
    [
      ...CHROMIUM_FLAGS,
      '--headless',
      `--user-data-dir=${userDataDir}`,
      `--remote-debugging-port=${debugPort}`,
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      `${server.origin}/flood.html`,
    ],
    { stdio: 'ignore', detached: true },
  );
  const exited = new Promise((r) => chromium.once('exit', r));
  const sessions: CdpSession[] = [];
  try {
    await withTimeout('the page connecting', server.connected(), 30_000);
    await openPanel(debugPort, extensionDir, { storage: { panelSettings: { decodeProtocols: decode } } });
    const panelUrl = `chrome-extension://${unpackedExtensionId(extensionDir)}/panel.html?tabId=`;
    const panelTarget = await poll(
      'the live panel',
      async () =>
        (await listTargets(debugPort)).find((t) => t.url.startsWith(panelUrl) && t.webSocketDebuggerUrl),
      WAIT_MS,
    );
    const panel = await CdpSession.connect(panelTarget.webSocketDebuggerUrl as string);
    sessions.push(panel);

    // Select the Socket.IO connection in the sidebar (with decoding on, once it is detected).
    const entryText = decode ? 'Socket.IO' : '/socket.io/';
    await poll(
      'the Socket.IO entry in the sidebar',
      () =>
        panel.evaluate<boolean | null>(`(() => {
          const entry = [...document.querySelectorAll('button[data-entry]')].find((b) => b.textContent.includes(${JSON.stringify(entryText)}));
          if (!entry) return null;
          if (!entry.classList.contains('selected')) entry.click();
          return true;
        })()`),
      WAIT_MS,
    );
    // The handshake's events, listed once the count holds still.
    let previous = -1;
    const base = await poll(
      'the handshake listed',
      async () => {
        const shown = await panel.evaluate<number>(
          `Number((document.querySelector(${JSON.stringify(SUMMARY)})?.textContent.split(' ')[0] ?? '').replace(/[^0-9]/g, ''))`,
        );
        const settled = shown >= 3 && shown === previous;
        previous = shown;
        return settled ? shown : null;
      },
      WAIT_MS,
    );
    await panel.evaluate(waiterScript(base, plan, decode));

    if (profilePath) {
      await panel.send('Profiler.enable');
      await panel.send('Profiler.start');
    }
    progress(`decoding ${decode ? 'on' : 'off'}: flooding ${plan.frames} frames`);
    const flood = await server.flood(plan);
    const wait = await withTimeout(
      'the panel catching up',
      panel.evaluate<PanelWait>('window.floodWait'),
      CATCH_UP_MS,
    ).catch(async (err: unknown) => {
      const state = await panel.evaluate<PanelWait>('window.floodState').catch(() => null);
      throw new Error(`${String(err)}; panel shows "${state?.status}" / "${state?.latency}"`);
    });
    if (profilePath) {
      const { profile } = (await panel.send('Profiler.stop')) as { profile: unknown };
      await writeFile(profilePath, JSON.stringify(profile));
    }

    if (screenshotPath) {
      const { data } = (await panel.send('Page.captureScreenshot', { format: 'png' })) as { data: string };
      await writeFile(screenshotPath, Buffer.from(data, 'base64'));
    }

    const pageTarget = (await listTargets(debugPort)).find((t) => t.url.startsWith(server.origin));
    if (!pageTarget?.webSocketDebuggerUrl) throw new Error('the page target is gone');
    const page = await CdpSession.connect(pageTarget.webSocketDebuggerUrl);
    sessions.push(page);
    const got = await page.evaluate<PageFlood>('window.flood');
    if (got.frames !== plan.frames || got.acks !== plan.pings)
      throw new Error(
        `the page saw ${got.frames} frames and ${got.acks} acks, not ${plan.frames} and ${plan.pings}`,
      );

    await panel.send('HeapProfiler.collectGarbage');
    const heap = (await panel.send('Runtime.getHeapUsage')) as { usedSize: number };

    const listedAt = wait.marks[9] as number;
    const pageLastAt = got.marks[9] as number;
    const doneAt = Math.max(listedAt, wait.answeredAt ?? listedAt);
    return {
      listedMs: listedAt - flood.firstFrameAt,
      answeredMs: wait.answeredAt === null ? null : wait.answeredAt - flood.firstFrameAt,
      pageMs: pageLastAt - flood.firstFrameAt,
      lagMs: doneAt - pageLastAt,
      lagAtHalfMs: (wait.marks[4] as number) - (got.marks[4] as number),
      lagByTenthMs: wait.marks.map((at, k) => (at as number) - (got.marks[k] as number)),
      heapBytes: heap.usedSize,
    };
  } finally {
    for (const s of sessions) s.close();
    try {
      process.kill(-(chromium.pid ?? 0), 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
    await server.close();
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
