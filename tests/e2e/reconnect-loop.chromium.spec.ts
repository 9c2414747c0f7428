// Reconnect loops end to end in Chromium, through the built extension: a
// loopback WebSocket server closes every connection soon after it opens; one
// page reconnects at once (a storm: shown in the sidebar and the findings
// strip, exported as a `reconnect-loop` with its storm and `finding`), the
// other backs off exponentially with jitter (a loop, no storm). The pages use
// the browser's own WebSocket in a hand-written loop, as apps do, capped at
// a few attempts. Screenshots go to test-results/reconnect/.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ExportedPattern } from '../../lib/export/timeline';
import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { type CaptureSession, openCapture } from './support/capture';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SHOTS = resolve(ROOT, 'test-results', 'reconnect');
/** How long the server keeps each connection before closing it (code 1011). */
const SERVER_KEEPS_MS = 40;
const CLOSE_CODE = 1011;

/**
 * A page that reopens its WebSocket whenever it closes, at most `maxAttempts`
 * times: at once (`backoff` false) or after 200 ms, 400 ms, 800 ms … with
 * ±30 % jitter.
 */
function reconnectPage(path: string, backoff: boolean, maxAttempts: number): string {
  return `<!doctype html><title>reconnect</title><body><script>
let attempts = 0;
function connect() {
  attempts++;
  const ws = new WebSocket('ws://' + location.host + '${path}?token=' + Math.random().toString(36).slice(2));
  ws.onclose = () => {
    if (attempts >= ${maxAttempts}) { document.title = 'gave up'; return; }
    const delay = ${backoff ? '200 * 2 ** (attempts - 1) * (0.7 + 0.6 * Math.random())' : '0'};
    setTimeout(connect, delay);
  };
}
connect();
</script></body>`;
}

let server: TestServer;
let browser: LaunchedBrowser;
let session: CaptureSession | null = null;
let opened = 0;

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  server = await startServer();
  server.socket('/live', (ws) => {
    opened++;
    setTimeout(() => ws.close(CLOSE_CODE, 'going away soon'), SERVER_KEEPS_MS);
  });
  server.page('/storm', reconnectPage('/live', false, 12));
  server.page('/backoff', reconnectPage('/live', true, 6));
  browser = await launchBrowser();
});

test.afterEach(async () => {
  await session?.panel.close();
  await session?.page.close();
  session = null;
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const CLOCK = /\d\d:\d\d:\d\d\.\d{3}/;

function reconnectLoops(t: { patterns: ExportedPattern[] }): ExportedPattern[] {
  return t.patterns.filter((p) => p.kind === 'reconnect-loop');
}

test('a client that reconnects at once is a reconnect storm: sidebar, findings strip and export', async () => {
  opened = 0;
  session = await openCapture(browser, `${server.origin}/storm`);
  const { panel, page, waitForTimeline } = session;
  await panel.setViewportSize({ width: 1280, height: 800 });
  await panel.emulateMedia({ colorScheme: 'light' });

  // One channel for all the sockets, with the RE badge and the storm line.
  const entry = panel.locator('.sidebar .conn-entry.k-channel');
  await expect(entry).toHaveCount(1, { timeout: 15_000 });
  await expect(entry.locator('.badge.channel')).toHaveText('RE');
  await expect(entry.locator('.conn-title')).toHaveText('Reconnect loop WebSocket /live');
  await expect(entry.locator('.storm')).toHaveText(
    new RegExp(
      `^(⚠ Reconnect storm since|Reconnect storm ${CLOCK.source} – ended) ${CLOCK.source}: \\d+ attempts, retried after \\d+ ms$`,
    ),
  );
  // The findings strip says what is wrong and the fix.
  const finding = panel.getByTestId('findings').locator('li.finding');
  await expect(finding).toHaveCount(1);
  await expect(finding.locator('.finding-title')).toContainText('Reconnect storm on WebSocket /live:');
  await finding.locator('.finding-title').click();
  await expect(finding.locator('.finding-details')).toContainText(
    'The client reconnects at once after each close (close code 1011)',
  );
  await expect(finding.locator('.finding-details')).toContainText('Back off: wait 1 s, 2 s, 4 s');
  await expect(page).toHaveTitle('gave up', { timeout: 15_000 });
  await panel.screenshot({ path: resolve(SHOTS, 'storm-1280x800.png') });

  // Selected, the channel lists its attempts and its one-sentence finding.
  await entry.click();
  await expect(panel.getByTestId('attempts-facts')).toContainText('12 attempts');
  await expect(panel.getByTestId('attempts-facts')).toContainText('no back-off');
  await expect(panel.getByTestId('channel-finding')).toContainText(
    'reconnects the WebSocket to /live at once',
  );
  await panel.screenshot({ path: resolve(SHOTS, 'storm-attempts-1280x800.png') });
  await panel.setViewportSize({ width: 500, height: 350 });
  await panel.screenshot({ path: resolve(SHOTS, 'storm-attempts-500x350.png') });
  await panel.setViewportSize({ width: 1280, height: 800 });

  const t = await waitForTimeline((x) => reconnectLoops(x).some((p) => p.cycles === 12));
  const [loop, ...others] = reconnectLoops(t);
  expect(others).toEqual([]);
  expect(opened).toBe(12);
  expect(loop).toMatchObject({
    method: 'GET',
    url: `ws://127.0.0.1:${server.port}/live`,
    cycles: 12,
    transport: 'websocket',
    backoff: false,
    closeCodes: [CLOSE_CODE],
    storm: { cause: 'fast-retries' },
  });
  expect(loop?.connectionIds).toHaveLength(12);
  const attempts = (loop?.attempts ?? []) as Array<{
    lifetimeMs: number;
    delayMs: number | null;
    code: number;
  }>;
  expect(attempts).toHaveLength(12);
  for (const a of attempts) {
    expect(a.code).toBe(CLOSE_CODE);
    expect(a.lifetimeMs).toBeGreaterThan(0);
    expect(a.lifetimeMs).toBeLessThan(1000);
  }
  expect(loop?.medianGapMs).toBeLessThan(1000);
  expect(loop?.finding).toMatch(
    /^The client reconnects the WebSocket to \/live at once after each close \(12 attempts, .*; back off: wait 1 s, 2 s, 4 s … with jitter before each retry, and stop after a few failures\.$/,
  );
});

test('a client that backs off with jitter is a reconnect loop, not a storm', async () => {
  opened = 0;
  session = await openCapture(browser, `${server.origin}/backoff`);
  const { panel, page, waitForTimeline } = session;
  await panel.setViewportSize({ width: 1280, height: 800 });
  await panel.emulateMedia({ colorScheme: 'light' });
  await expect(page).toHaveTitle('gave up', { timeout: 30_000 });

  const entry = panel.locator('.sidebar .conn-entry.k-channel');
  await expect(entry).toHaveCount(1, { timeout: 15_000 });
  await expect(entry.locator('.badge.channel')).toHaveText('RE');
  await expect(entry).toContainText('6 attempts');
  await expect(entry.locator('.storm')).toHaveCount(0);
  await expect(panel.getByTestId('findings')).toHaveCount(0);
  await entry.click();
  await expect(panel.getByTestId('attempts-facts')).toContainText('backs off');
  await panel.screenshot({ path: resolve(SHOTS, 'backoff-1280x800.png') });

  const t = await waitForTimeline((x) => reconnectLoops(x).some((p) => p.cycles === 6));
  const [loop, ...others] = reconnectLoops(t);
  expect(others).toEqual([]);
  expect(opened).toBe(6);
  expect(loop).toMatchObject({ cycles: 6, backoff: true, storm: null, closeCodes: [CLOSE_CODE] });
  const delays = ((loop?.attempts ?? []) as Array<{ delayMs: number | null }>).map((a) => a.delayMs);
  expect(delays).toHaveLength(6);
  expect(delays[0]).toBeNull();
  // 200 ms, 400 ms … ±30 %, each after the previous close.
  expect(delays.slice(1).every((d) => d !== null && d >= 130)).toBe(true);
  expect(loop?.finding).toMatch(
    /^The WebSocket to \/live keeps closing and is reopened 6 times .*with back-off/,
  );
});
