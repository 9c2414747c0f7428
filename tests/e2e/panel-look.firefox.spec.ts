// The panel as a Firefox user sees it, at the docked sizes and a roomy one:
// the seed's long-poll storm is a finding in the strip above the list (one
// line, going on, then ended), its polls are one row each with method and
// status, and the overview keeps its time axis. Screenshots go to
// test-results/firefox-look/ to look at.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type LaunchedFirefox, launchFirefox } from './support/firefox';
import { startServer, type TestServer } from './support/server';
import { serveStorm } from './support/storm-page';
import { expect, test } from './support/test';

const SHOTS = resolve(import.meta.dirname, '..', '..', 'test-results', 'firefox-look');
const SIZES = [
  { width: 1280, height: 800 },
  { width: 480, height: 260 },
  { width: 400, height: 300 },
  { width: 500, height: 350 },
];

let server: TestServer;
let firefox: LaunchedFirefox;

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  server = await startServer();
  serveStorm(server);
  firefox = await launchFirefox();
});

test.afterAll(async () => {
  await firefox?.close();
  await server?.close();
});

test('in Firefox, a poll storm is a one-line finding over exchange rows at every docked size, and says when it ended', async () => {
  const capture = await firefox.openCapture(`${server.origin}/storm`);
  const panel = capture.panel;
  // The page in front while the storm builds, as a user's page is (in a
  // background tab Firefox runs its timers together on whole seconds). Then
  // the panel in front: a hidden panel records without drawing. The loop
  // detector misses this storm in Firefox now and then (a known miss, kept as
  // an expected failure in tests/unit/patterns-recorded.test.ts); this spec is
  // about the panel's look, so a missed storm is loaded afresh, up to three times.
  test.setTimeout(150_000);
  let found = false;
  for (let attempt = 1; attempt <= 3 && !found; attempt++) {
    await firefox.page.bringToFront();
    if (attempt > 1) await firefox.page.goto(`${server.origin}/storm`);
    await new Promise((r) => setTimeout(r, 5000));
    await panel.bringToFront();
    found = await panel
      .waitForFunction(() => document.querySelector('[data-testid="findings"] li.finding.ongoing') !== null, {
        timeout: 20_000,
      })
      .then(
        () => true,
        () => false,
      );
  }
  if (!found) {
    await panel.screenshot({ path: resolve(SHOTS, 'no-finding.png') });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(resolve(SHOTS, 'no-finding.json'), JSON.stringify(await capture.exportTimeline()));
  }
  expect(found, 'a storm finding within three tries').toBe(true);
  for (const size of SIZES) {
    await panel.setViewport(size);
    await panel.waitForFunction(
      (w: number) => document.documentElement.clientWidth === w,
      { timeout: 5000 },
      size.width,
    );
    const look = await panel.evaluate(() => {
      const strip = document.querySelector('[data-testid="findings"]')?.getBoundingClientRect();
      const list = document.querySelector('[data-testid="events"]')?.getBoundingClientRect();
      const exchanges = [...document.querySelectorAll('[data-testid="events"] tr[data-type="exchange"]')];
      return {
        stripHeight: strip?.height ?? 0,
        listHeight: list?.height ?? 0,
        title: document.querySelector('.finding.ongoing .finding-title')?.textContent ?? '',
        count: document.querySelector('[data-testid="findings-count"]')?.textContent ?? '',
        exchanges: exchanges.length,
        methods: [...new Set(exchanges.map((tr) => tr.querySelector('.c-method')?.textContent))],
      };
    });
    await panel.screenshot({ path: resolve(SHOTS, `ongoing-${size.width}x${size.height}.png`) });
    expect(look.title).toMatch(/storm/i);
    expect(look.count).toBe('⚠ 1 finding');
    // Folded to one line, and the list keeps more room than the strip.
    expect(look.stripHeight).toBeGreaterThan(0);
    expect(look.stripHeight).toBeLessThanOrEqual(32);
    expect(look.listHeight).toBeGreaterThan(look.stripHeight * 2);
    expect(look.exchanges).toBeGreaterThan(2);
    expect(look.methods).toEqual(['GET']);
  }
  // The roomy panel shows the overview with its time axis of clock times.
  await panel.setViewport({ width: 1280, height: 800 });
  await panel.waitForFunction(() => document.querySelectorAll('[data-testid="axis-label"]').length > 1, {
    timeout: 5000,
  });
  const axis = await panel.evaluate(() =>
    [...document.querySelectorAll('[data-testid="axis-label"]')].map((l) => l.textContent ?? ''),
  );
  expect(axis[0]).toMatch(/^\d\d:\d\d(:\d\d)?/);

  await firefox.page.evaluate(() => {
    (window as unknown as { stopStorm: boolean }).stopStorm = true;
  });
  await panel.waitForFunction(
    () => document.querySelector('[data-testid="findings"] li.finding.ended') !== null,
    {
      timeout: 40_000,
    },
  );
  const ended = await panel.evaluate(() => ({
    when: document.querySelector('.finding.ended .finding-when')?.textContent ?? '',
    count: document.querySelector('[data-testid="findings-count"]')?.textContent ?? '',
    // Resized four times without a scroll by the user: the list still follows the newest.
    newPill: document.querySelector('.new-pill')?.textContent ?? null,
  }));
  expect(ended.newPill).toBeNull();
  expect(ended.when).toMatch(/^ended \d\d:\d\d:\d\d\.\d{3}$/);
  expect(ended.count).toBe('1 finding (ended)');
  await panel.screenshot({ path: resolve(SHOTS, 'ended-1280x800.png') });
});
