// Reconnect loops end to end in Chromium and Firefox, through the built
// extension: a loopback WebSocket server closes every connection soon after it
// opens; one page reconnects at once (a storm: shown in the sidebar and the
// findings strip, exported as a `reconnect-loop` with its storm and
// `finding`), the other backs off exponentially with jitter (a loop, no
// storm). The pages use the browser's own WebSocket in a hand-written loop, as
// apps do, capped at a few attempts. Screenshots go to
// test-results/reconnect/<browser>/.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ExportedPattern } from '../../lib/export/timeline';
import type { EngineBrowser, PanelView } from './support/engine';
import { launchEngine } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

const ROOT = resolve(import.meta.dirname, '..', '..');
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
let browser: EngineBrowser;
let shots: string;
let opened = 0;

test.beforeAll(async ({ engine }) => {
  shots = resolve(ROOT, 'test-results', 'reconnect', engine);
  await mkdir(shots, { recursive: true });
  server = await startServer();
  server.socket('/live', (ws) => {
    opened++;
    setTimeout(() => ws.close(CLOSE_CODE, 'going away soon'), SERVER_KEEPS_MS);
  });
  server.page('/storm', reconnectPage('/live', false, 12));
  server.page('/backoff', reconnectPage('/live', true, 6));
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const CLOCK = /\d\d:\d\d:\d\d\.\d{3}/;
const CHANNEL = '.sidebar .conn-entry.k-channel';
const FINDING = '[data-testid="findings"] li.finding';

function reconnectLoops(t: { patterns: ExportedPattern[] }): ExportedPattern[] {
  return t.patterns.filter((p) => p.kind === 'reconnect-loop');
}

/** Waits until exactly one element matches selector and its text contains `part`. */
async function expectOne(panel: PanelView, selector: string, part: string, timeout = 15_000): Promise<void> {
  await expect.poll(() => panel.texts(selector), { timeout }).toEqual([expect.stringContaining(part)]);
}

test('a client that reconnects at once is a reconnect storm: sidebar, findings strip and export', async () => {
  opened = 0;
  const { panel, page, waitForTimeline } = await browser.openCapture(`${server.origin}/storm`);
  await panel.setViewport(1280, 800);

  // One channel for all the sockets, with the RE badge and the storm line.
  await expectOne(panel, `${CHANNEL} .conn-title`, 'Reconnect loop WebSocket /live');
  expect(await panel.texts(`${CHANNEL} .conn-title`)).toEqual(['Reconnect loop WebSocket /live']);
  expect(await panel.texts(`${CHANNEL} .badge.channel`)).toEqual(['RE']);
  await expect
    .poll(() => panel.text(`${CHANNEL} .storm`))
    .toMatch(
      new RegExp(
        `^(⚠ Reconnect storm since|Reconnect storm ${CLOCK.source} – ended) ${CLOCK.source}: \\d+ attempts, retried after \\d+ ms$`,
      ),
    );
  // The findings strip says what is wrong and the fix.
  await expectOne(panel, `${FINDING} .finding-title`, 'Reconnect storm on WebSocket /live:');
  await panel.click(`${FINDING} .finding-title`);
  await expect
    .poll(() => panel.text(`${FINDING} .finding-details`))
    .toContain('The client reconnects at once after each close (close code 1011)');
  expect(await panel.text(`${FINDING} .finding-details`)).toContain('Back off: wait 1 s, 2 s, 4 s');
  await expect.poll(() => page.title(), { timeout: 15_000 }).toBe('gave up');
  await panel.screenshot(resolve(shots, 'storm-1280x800.png'));

  // Selected, the channel lists its attempts and its one-sentence finding.
  await panel.click(CHANNEL);
  await expect.poll(() => panel.text('[data-testid="attempts-facts"]')).toContain('12 attempts');
  expect(await panel.text('[data-testid="attempts-facts"]')).toContain('no back-off');
  await expect
    .poll(() => panel.text('[data-testid="channel-finding"]'))
    .toContain('reconnects the WebSocket to /live at once');
  await panel.screenshot(resolve(shots, 'storm-attempts-1280x800.png'));
  await panel.setViewport(500, 350);
  await panel.screenshot(resolve(shots, 'storm-attempts-500x350.png'));
  await panel.setViewport(1280, 800);

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
  const { panel, page, waitForTimeline } = await browser.openCapture(`${server.origin}/backoff`);
  await panel.setViewport(1280, 800);
  await expect.poll(() => page.title(), { timeout: 30_000 }).toBe('gave up');

  await expectOne(panel, CHANNEL, '6 attempts');
  expect(await panel.texts(`${CHANNEL} .badge.channel`)).toEqual(['RE']);
  expect(await panel.texts(`${CHANNEL} .storm`)).toEqual([]);
  expect(await panel.texts('[data-testid="findings"]')).toEqual([]);
  await panel.click(CHANNEL);
  await expect.poll(() => panel.text('[data-testid="attempts-facts"]')).toContain('backs off');
  await panel.screenshot(resolve(shots, 'backoff-1280x800.png'));

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
