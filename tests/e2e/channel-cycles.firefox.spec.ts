// A selected long-poll channel shows its cycles in Firefox ESR too, with the
// Firefox build (temporary add-on over WebDriver BiDi, see support/firefox.ts):
// the held long-poll of support/held-long-poll.ts, its channel chosen in the
// detached panel, every cycle's status and in-flight count checked. The
// screenshot goes to test-results/cycles/firefox-1280x800.png.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type LaunchedFirefox, launchFirefox } from './support/firefox';
import { ANSWERS, CYCLES, FAILING, serveHeldLongPoll } from './support/held-long-poll';
import { type PatternServer, startPatternServer } from './support/pattern-servers';
import { expect, test } from './support/test';

const SHOTS = resolve(import.meta.dirname, '..', '..', 'test-results', 'cycles');

let server: PatternServer;
let firefox: LaunchedFirefox;

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  server = await startPatternServer();
  firefox = await launchFirefox();
});

test.afterAll(async () => {
  await firefox?.close();
  await server?.close();
});

test('in Firefox, a selected long-poll channel shows its cycles, the newest in view', async () => {
  const capture = await firefox.openCapture(serveHeldLongPoll(server, 'firefox'));
  await firefox.page.waitForFunction(
    (n) => (window as unknown as { answered: number }).answered >= n,
    { timeout: 20_000 },
    ANSWERS,
  );
  const { panel } = capture;
  await panel.setViewport({ width: 1280, height: 800 });
  const channel = await panel.waitForSelector('.conn-entry.k-channel', { timeout: 15_000 });
  await channel?.click();
  // Every cycle listed, the last answer's end recorded (it comes a moment after the next poll starts).
  await panel.waitForFunction(
    (cycles, answers) => {
      const rows = [...document.querySelectorAll('[data-testid="cycles"] tbody tr:not(.spacer)')];
      const status = rows[answers - 1]?.querySelector('[data-col="status"]')?.textContent;
      return rows.length === cycles && status === '200';
    },
    { timeout: 15_000 },
    CYCLES,
    ANSWERS,
  );
  const rows = await panel.evaluate(() => {
    const scroller = document.querySelector('.cycles-scroll') as HTMLElement;
    const area = scroller.getBoundingClientRect();
    return [...scroller.querySelectorAll('tbody tr:not(.spacer)')].map((tr) => {
      const cell = (col: string) => tr.querySelector(`[data-col="${col}"]`)?.textContent ?? '';
      const r = tr.getBoundingClientRect();
      return {
        number: cell('number'),
        status: cell('status'),
        flight: cell('flight'),
        hold: cell('hold'),
        inView: r.top >= area.top - 1 && r.bottom <= area.bottom + 1,
      };
    });
  });
  expect(rows.map((r) => r.number)).toEqual(Array.from({ length: CYCLES }, (_, i) => String(i + 1)));
  expect(rows.map((r) => r.status)).toEqual(
    rows.map((_, i) => (i + 1 === CYCLES ? 'pending' : i + 1 === FAILING ? '503' : '200')),
  );
  expect(rows.every((r) => r.flight === '1')).toBe(true);
  expect(rows.at(-1)?.hold).toMatch(/…$/);
  expect(rows.at(-1)?.inView).toBe(true);
  const facts = await panel.$eval('[data-testid="cycles-facts"]', (el) => el.textContent ?? '');
  expect(facts).toContain(`${CYCLES} cycles`);
  expect(facts).toContain('1 failure');

  // A cycle selects its request in the event list.
  const third = (await panel.$$('[data-testid="cycles"] tbody tr:not(.spacer)'))[2];
  expect(await third?.$eval('[data-col="number"]', (td) => td.textContent)).toBe('3');
  await third?.click();
  await panel.waitForFunction(
    () =>
      document.querySelector('[data-testid="events"] tbody tr.selected')?.getAttribute('data-type') ===
      'exchange',
    { timeout: 10_000 },
  );
  await panel.screenshot({ path: resolve(SHOTS, 'firefox-1280x800.png') });
});
