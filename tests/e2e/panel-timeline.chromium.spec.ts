// The timeline overview as a user sees it: a time axis of clock labels, a
// lane per connection or channel that follows the filter, the transport chips
// and the selected connection, tooltips in words, and a brushed range drawn
// with its duration and a button to clear it; also at DevTools' docked sizes.
// Screenshots go to test-results/overview/ to look at.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { openCapture } from './support/capture';
import { startServer, type TestServer } from './support/server';
import { expect, type Page, test } from './support/test';

const SHOTS = resolve(import.meta.dirname, '..', '..', 'test-results', 'overview');
/** The axis strip above the lanes (lib/timeline/overview AXIS_STRIP_PX). */
const AXIS_PX = 16;

let server: TestServer;
let browser: LaunchedBrowser;

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  server = await startServer();
  server.socket('/ticks', (ws) => {
    let n = 0;
    const timer = setInterval(() => {
      ws.send(`tick ${++n}`);
      if (n === 30) clearInterval(timer);
    }, 40);
    ws.on('close', () => clearInterval(timer));
  });
  // Answered after a short hold: fetched on a timer, a polling loop.
  server.route('/poll', (_req, res) => {
    setTimeout(() => {
      res.setHeader('cache-control', 'no-store');
      res.end('{"items":[]}');
    }, 100);
  });
  server.page(
    '/ticks.html',
    `<!doctype html><title>ticks</title><script>
      let ticked = false, polled = false;
      const finish = () => { if (ticked && polled) document.title = 'done'; };
      const ws = new WebSocket('ws://' + location.host + '/ticks');
      ws.onmessage = (e) => { if (e.data === 'tick 30') { ticked = true; finish(); } };
      let polls = 0;
      const timer = setInterval(async () => {
        const n = ++polls;
        if (n === 10) clearInterval(timer);
        await (await fetch('/poll', { cache: 'no-store' })).text();
        if (n === 10) { polled = true; finish(); }
      }, 300);
    </script>`,
  );
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * The requests' lane: their channel (listed first; on a busy machine slow
 * answers can make the loop overlap and read as a long-poll) or, where the
 * timing was not regular enough to be told from chance, "Other requests"
 * (listed last).
 */
const HTTP_LANE = /^((Polling|Long-poll) GET \/poll|Other requests)$/;

const overviewOf = (panel: Page) => panel.getByRole('img', { name: /Timeline overview/ });

/** The canvas's accessible name lists its lanes; the part after "Timeline overview: ". */
async function laneNames(panel: Page): Promise<string> {
  const name = (await overviewOf(panel).getAttribute('aria-label')) ?? '';
  return /^Timeline overview(?:: (.*?))?\. Drag/.exec(name)?.[1] ?? '';
}

async function canvasBox(panel: Page) {
  const box = await overviewOf(panel).boundingBox();
  if (!box) throw new Error('no overview canvas');
  return box;
}

/** Moves the pointer along a lane until the tooltip matches (a tick or bar is a few pixels wide). */
async function hoverUntil(panel: Page, y: number, from: number, to: number, text: RegExp): Promise<string> {
  // Steps of 5 px: a hover reports 2 px either side of the pointer, so no tick is stepped over.
  for (let x = from; x <= to; x += 5) {
    await panel.mouse.move(x, y);
    const seen = await panel.evaluate(() => document.querySelector('[role="tooltip"]')?.textContent ?? '');
    if (text.test(seen)) return seen;
  }
  throw new Error(`no tooltip matching ${text} along the lane`);
}

test('axis, lanes that follow the filters, tooltips in words, a brushed range with its duration', async () => {
  test.setTimeout(120_000);
  browser = await launchBrowser();
  const { page, panel } = await openCapture(browser, `${server.origin}/ticks.html`);
  await panel.setViewportSize({ width: 1280, height: 800 });
  await expect(page).toHaveTitle('done', { timeout: 15_000 });
  const summary = panel.getByTestId('summary');
  // The socket's open and 30 messages; each request's start, response and end.
  const total = 31 + 10 * 3;
  await expect(summary).toContainText(new RegExp(`^${total} events`));
  const timeline = panel.getByTestId('timeline');

  const http = HTTP_LANE;
  await expect
    .poll(
      async () =>
        (await laneNames(panel)).split(', ').filter((n) => n === '#1 /ticks' || http.test(n)).length,
    )
    .toBe(2);
  const lanes = (await laneNames(panel)).split(', ');
  const httpLane = lanes.find((n) => http.test(n)) ?? '';
  const both = lanes.join(', ');
  const named = (lane: string, suffix: string) => both.replace(lane, `${lane}${suffix}`);

  // The time axis reads as clock times, left to right.
  const labels = timeline.getByTestId('axis-label');
  const axis = () =>
    labels.evaluateAll((els) =>
      els.map((el) => ({ text: el.textContent ?? '', left: el.getBoundingClientRect().left })),
    );
  await expect.poll(async () => (await axis()).length).toBeGreaterThanOrEqual(3);
  const shownAxis = await axis();
  for (const { text } of shownAxis) expect(text).toMatch(/^(\d\d:\d\d:\d\d(\.\d{3})?|\.\d{3})$/);
  expect(shownAxis.some(({ text }) => /^\d\d:\d\d:\d\d/.test(text))).toBe(true);
  for (let i = 1; i < shownAxis.length; i++)
    expect(shownAxis[i]?.left).toBeGreaterThan(shownAxis[i - 1]?.left as number);

  // Tooltips in words: a lane's messages, a channel's request, the axis's time.
  const box = await canvasBox(panel);
  const label = 150;
  const laneH = 22;
  const pollY = box.y + AXIS_PX + laneH * (lanes.indexOf(httpLane) + 0.5);
  const ticksY = box.y + AXIS_PX + laneH * (lanes.indexOf('#1 /ticks') + 0.5);
  const tooltip = panel.getByRole('tooltip');
  const ticksTip = await hoverUntil(
    panel,
    ticksY,
    box.x + label + 2,
    box.x + box.width - 2,
    /^#1 \/ticks\d+ messages?, \d\d:\d\d:\d\d\.\d{3}/,
  );
  expect(ticksTip).not.toMatch(/pixel|px/);
  await panel.screenshot({ path: resolve(SHOTS, 'roomy-1280x800-tooltip.png') });
  const pollTip = await hoverUntil(
    panel,
    pollY,
    box.x + label + 2,
    box.x + box.width - 2,
    /1 request to \/poll, \d\d:\d\d:\d\d\.\d{3}–(\.\d{3}|\d\d:\d\d:\d\d\.\d{3}) \(\d+ ms\)/,
  );
  expect(pollTip.startsWith(httpLane)).toBe(true);
  await panel.mouse.move(box.x + box.width * 0.5, box.y + 5);
  await expect(tooltip).toContainText(/^\d\d:\d\d:\d\d\.\d{3}(\d+\.\d{3} s|\d+:\d\d\.\d{3}) from the start$/);
  await panel.mouse.move(box.x + 10, ticksY);
  await expect(tooltip).toHaveText(/^#1 \/ticksws:\/\/127\.0\.0\.1:\d+\/ticks$/);

  // Brush the second half of the time axis: the list is filtered, the overview shows the range and its duration.
  const x0 = box.x + label + (box.width - label) * 0.5;
  const x1 = box.x + box.width - 2;
  await panel.mouse.move(x0, ticksY);
  await panel.mouse.down();
  await panel.mouse.move(x1, ticksY, { steps: 5 });
  await panel.mouse.up();
  await expect(summary).toContainText(/Range \d\d:\d\d:\d\d\.\d{3} – \d\d:\d\d:\d\d\.\d{3}/);
  const shown = Number(/^([\d,]+) of/.exec((await summary.textContent()) ?? '')?.[1]);
  expect(shown).toBeGreaterThan(5);
  expect(shown).toBeLessThan(total);
  const duration = timeline.getByTestId('brush-duration');
  await expect(duration).toBeVisible();
  // The label's duration is the range's: read both ends back from the status bar.
  const [from, to] = [
    ...((await summary.textContent()) ?? '').matchAll(/(\d\d):(\d\d):(\d\d)\.(\d{3})/g),
  ].map((m) => ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]));
  const [, value, unit] = /^([\d.]+) (ms|s)/.exec((await duration.textContent()) ?? '') ?? [];
  const ms = Number(value) * (unit === 's' ? 1000 : 1);
  expect(Math.abs(ms - ((to as number) - (from as number)))).toBeLessThanOrEqual(10);
  await panel.mouse.move(box.x + box.width - 40, box.y + box.height + 80);
  await panel.screenshot({ path: resolve(SHOTS, 'roomy-1280x800-brushed.png') });
  // Its ✕ clears it.
  await timeline.getByRole('button', { name: 'Clear time range' }).click();
  await expect(summary).not.toContainText('Range');
  await expect(summary).toContainText(`${total} events`);
  await expect(duration).toHaveCount(0);

  // Lanes follow the filter text and the transport chips.
  const filter = panel.getByRole('searchbox', { name: 'Filter events' });
  await filter.fill('tick 3');
  await expect.poll(() => laneNames(panel)).toBe('#1 /ticks');
  await filter.fill('items');
  await expect.poll(() => laneNames(panel)).toBe(httpLane);
  await filter.fill('nothing-matches-this');
  await expect.poll(() => laneNames(panel)).toBe('');
  await filter.fill('');
  await panel.getByRole('button', { name: 'Show WebSocket' }).click();
  await expect.poll(() => laneNames(panel)).toBe('#1 /ticks');
  await panel.getByRole('button', { name: 'Show all transports' }).click();
  await expect.poll(() => laneNames(panel)).toBe(both);

  // Selecting a connection or a channel highlights its lane; the others stay.
  const connections = panel.getByRole('navigation', { name: 'Connections' });
  await connections.getByRole('button', { name: /#1 \/ticks/ }).click();
  await expect.poll(() => laneNames(panel)).toBe(named('#1 /ticks', ' (selected)'));
  await panel.screenshot({ path: resolve(SHOTS, 'roomy-1280x800-selected.png') });
  await connections.getByRole('button', { name: new RegExp(httpLane) }).click();
  await expect.poll(() => laneNames(panel)).toBe(named(httpLane, ' (selected)'));
  await connections.getByRole('button', { name: 'All connections' }).click();
  await expect.poll(() => laneNames(panel)).toBe(both);
});

const DOCKED = [
  { width: 480, height: 260 },
  { width: 400, height: 300 },
  { width: 500, height: 350 },
];

test('docked sizes: the unfolded overview keeps its axis, words and brushed duration', async () => {
  browser ??= await launchBrowser();
  const { page, panel } = await openCapture(browser, `${server.origin}/ticks.html`);
  await expect(page).toHaveTitle('done', { timeout: 15_000 });
  await expect(panel.getByTestId('summary')).toContainText(/^61 events/);
  // The filter text is remembered: start from none.
  await panel.getByRole('searchbox', { name: 'Filter events' }).fill('');
  for (const size of DOCKED) {
    const name = `${size.width}x${size.height}`;
    await panel.setViewportSize(size);
    const toggle = panel.getByRole('button', { name: /Timeline overview/ });
    if ((await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
    const timeline = panel.getByTestId('timeline');
    await expect(overviewOf(panel)).toBeVisible();
    await expect
      .poll(() => timeline.getByTestId('axis-label').count(), { message: `axis labels at ${name}` })
      .toBeGreaterThanOrEqual(2);
    // Every label lies inside the overview.
    const overviewRight = await timeline.evaluate((el) => el.getBoundingClientRect().right);
    for (const right of await timeline
      .getByTestId('axis-label')
      .evaluateAll((els) => els.map((el) => el.getBoundingClientRect().right)))
      expect(right).toBeLessThanOrEqual(overviewRight);
    const box = await canvasBox(panel);
    const label = await timeline.evaluate((el) =>
      Math.round(Math.min(150, Math.max(96, el.clientWidth * 0.22))),
    );
    // The requests' lane, whatever the lanes' height here.
    const lanes = (await laneNames(panel)).split(', ');
    // As the overview sizes them: the room shared, between 14 and 22 px each.
    const laneH = Math.max(14, Math.min(22, Math.floor((box.height - AXIS_PX - 20) / lanes.length)));
    const httpIndex = lanes.findIndex((n) => HTTP_LANE.test(n));
    expect(httpIndex).toBeGreaterThanOrEqual(0);
    const laneY = box.y + AXIS_PX + laneH * (httpIndex + 0.5);
    const tip = await hoverUntil(panel, laneY, box.x + label + 2, box.x + box.width - 2, /request to \/poll/);
    expect(tip).not.toMatch(/pixel/);
    // The tooltip stays inside the panel.
    const tipBox = await panel.getByRole('tooltip').boundingBox();
    expect(tipBox && tipBox.x >= 0 && tipBox.x + tipBox.width <= size.width).toBe(true);
    await panel.screenshot({ path: resolve(SHOTS, `docked-${name}-tooltip.png`) });

    // A brush over the middle of the plot shows its duration, and clears.
    const x0 = box.x + label + (box.width - label) * 0.3;
    const x1 = box.x + label + (box.width - label) * 0.6;
    await panel.mouse.move(x0, laneY);
    await panel.mouse.down();
    await panel.mouse.move(x1, laneY, { steps: 4 });
    await panel.mouse.up();
    const duration = timeline.getByTestId('brush-duration');
    await expect(duration).toHaveText(/^\d+(\.\d+)? (ms|s)✕$/);
    const durationBox = await duration.boundingBox();
    expect(
      durationBox && durationBox.x >= box.x && durationBox.x + durationBox.width <= box.x + box.width,
    ).toBe(true);
    await panel.mouse.move(box.x + 4, box.y + box.height + 40);
    await panel.screenshot({ path: resolve(SHOTS, `docked-${name}-brushed.png`) });
    await timeline.getByRole('button', { name: 'Clear time range' }).click();
    await expect(duration).toHaveCount(0);
  }
});
