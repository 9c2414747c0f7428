// What a headless `npm start` leaves behind: the timeline exported by the
// panel's own "Export timeline" button inside the real DevTools, and a
// screenshot of the DevTools window showing the Wirescope panel.

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TimelineExport } from '../../lib/export/timeline';
import { CdpSession, type DevToolsPanel, listTargets } from '../lib/devtools';
import { isTimelineExport } from './summary';

async function browserSession(debugPort: number): Promise<CdpSession> {
  const res = await fetch(`http://127.0.0.1:${debugPort}/json/version`);
  const info = (await res.json()) as { webSocketDebuggerUrl?: string };
  if (!info.webSocketDebuggerUrl) throw new Error('the browser has no debugger URL');
  return CdpSession.connect(info.webSocketDebuggerUrl);
}

/** The first finished .json download in dir (the panel names the file; Chromium renames NAME.crdownload when done). */
async function waitForJsonFile(dir: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const names = await readdir(dir);
    const done = names.find((n) => n.endsWith('.json'));
    if (done && !names.some((n) => n.endsWith('.crdownload'))) return join(dir, done);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the export download did not arrive within ${timeoutMs} ms`);
}

/**
 * Clicks "Export timeline" in the panel (inside DevTools) and returns the
 * downloaded file, parsed. Downloads go to a private folder for the duration.
 */
export async function exportTimelineFromPanel(
  debugPort: number,
  panel: DevToolsPanel,
  timeoutMs = 15_000,
): Promise<TimelineExport> {
  const dir = await mkdtemp(join(tmpdir(), 'wirescope-export-'));
  const browser = await browserSession(debugPort);
  try {
    await browser.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
    // Export stays disabled until something was recorded: wait for it to be enabled.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await panel.evaluate<'clicked' | 'disabled' | 'missing'>(`(() => {
        const name = 'export timeline';
        const button = [...document.querySelectorAll('button')].find((b) =>
          [b.textContent, b.getAttribute('aria-label'), b.title].some((s) => (s ?? '').trim().toLowerCase() === name),
        );
        if (!button) return 'missing';
        if (button.disabled) return 'disabled';
        button.click();
        return 'clicked';
      })()`);
      if (state === 'clicked') break;
      if (state === 'missing') throw new Error('the panel has no "Export timeline" button');
      if (Date.now() > deadline)
        throw new Error(`"Export timeline" stayed disabled for ${timeoutMs} ms: nothing was recorded`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const file = await waitForJsonFile(dir, timeoutMs);
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (!isTimelineExport(parsed)) throw new Error('the exported file is not a wirescope-timeline v1 export');
    return parsed;
  } finally {
    browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A PNG of the DevTools front-end (Wirescope's panel selected), at width×height CSS pixels. */
export async function screenshotDevTools(debugPort: number, width = 1280, height = 800): Promise<Buffer> {
  const front = (await listTargets(debugPort)).find((t) => t.url.startsWith('devtools://devtools/bundled/'));
  if (!front?.webSocketDebuggerUrl) throw new Error('the DevTools front-end is not open');
  const devtools = await CdpSession.connect(front.webSocketDebuggerUrl);
  try {
    // Docked, the front-end's window also spans the (blank, here) page area: undock it first.
    await devtools.evaluate(`(async () => {
      const UI = await import('./ui/legacy/legacy.js');
      UI.DockController.DockController.instance().setDockSide('undocked');
    })()`);
    await devtools.send('Emulation.setDeviceMetricsOverride', {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    // Let the panel re-lay itself out at the new size before the capture.
    await new Promise((r) => setTimeout(r, 400));
    const shot = (await devtools.send('Page.captureScreenshot', { format: 'png' })) as { data: string };
    return Buffer.from(shot.data, 'base64');
  } finally {
    devtools.close();
  }
}

export async function writeArtifacts(
  outDir: string,
  timeline: TimelineExport,
  screenshot: Buffer,
): Promise<{ timelinePath: string; screenshotPath: string }> {
  await mkdir(outDir, { recursive: true });
  const timelinePath = join(outDir, 'demo-timeline.json');
  const screenshotPath = join(outDir, 'demo-panel.png');
  await writeFile(timelinePath, `${JSON.stringify(timeline, null, 2)}\n`);
  await writeFile(screenshotPath, screenshot);
  return { timelinePath, screenshotPath };
}
