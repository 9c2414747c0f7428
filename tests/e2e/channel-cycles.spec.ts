// A selected long-poll channel shows its cycles, in Chromium and Firefox: a
// real XHR long-poll against a loopback server (one answer a 503, the last
// poll left held), the channel chosen in the panel's connections list, its
// cycles table checked row by row at a roomy size and at the sizes DevTools
// has docked; clicking a cycle selects its request in the event list.
// Screenshots go to test-results/cycles/<browser>/; with
// WIRESCOPE_DOCS_SHOTS=1 Chromium's 1280x800 light one is written to
// docs/channel-cycles.png.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EngineBrowser, EngineCapture, PanelView } from './support/engine';
import { launchEngine } from './support/engines';
import { ANSWERS, CYCLES, FAILING, holdOf, serveHeldLongPoll } from './support/held-long-poll';
import { type PatternServer, startPatternServer } from './support/pattern-servers';
import { expect, test } from './support/test';

const ROOT = resolve(import.meta.dirname, '..', '..');

let server: PatternServer;
let browser: EngineBrowser;
let shots: string;
let runs = 0;

test.beforeAll(async ({ engine }) => {
  shots = resolve(ROOT, 'test-results', 'cycles', engine);
  await mkdir(shots, { recursive: true });
  server = await startPatternServer();
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the page and the panel, and waits until every answer was given and the last poll is held. */
async function captureLongPoll(): Promise<EngineCapture> {
  const session = await browser.openCapture(serveHeldLongPoll(server, String(++runs)));
  await session.page.waitForFunction(
    (n) => (window as unknown as { answered: number }).answered >= n,
    ANSWERS,
    { timeout: 20_000 },
  );
  return session;
}

const ROWS = '[data-testid="cycles"] tbody tr:not(.spacer)';

interface CycleRow {
  /** Cells by column (number, start, hold, gap, status, size, flight); a narrow table has no size or start. */
  cells: Record<string, string>;
  className: string;
  title: string;
  /** Wholly inside the table's scroll area, under its sticky header. */
  inView: boolean;
}

/** Every row of the cycles table, in order. */
function cycleRows(panel: PanelView): Promise<CycleRow[]> {
  return panel.evaluate((selector) => {
    const scroller = document.querySelector('.cycles-scroll');
    const head = scroller?.querySelector('thead');
    const area = scroller?.getBoundingClientRect();
    const headBottom = head?.getBoundingClientRect().bottom ?? 0;
    return [...document.querySelectorAll(selector)].map((tr) => {
      const r = tr.getBoundingClientRect();
      return {
        cells: Object.fromEntries(
          [...tr.querySelectorAll('td')].map((td) => [
            td.getAttribute('data-col') ?? '',
            td.textContent ?? '',
          ]),
        ),
        className: tr.className,
        title: tr.getAttribute('title') ?? '',
        inView: area !== undefined && r.top >= headBottom - 1 && r.bottom <= area.bottom + 1,
      };
    });
  }, ROWS);
}

/** Clicks (or double-clicks) the row of cycle n, as a user's mouse does. */
async function clickCycle(panel: PanelView, n: number, type: 'click' | 'dblclick' = 'click'): Promise<void> {
  const clicked = await panel.evaluate(
    ({ selector, n, type }) => {
      const tr = [...document.querySelectorAll(selector)].find(
        (row) => row.querySelector('td.c-num')?.textContent === String(n),
      );
      if (!tr) return false;
      for (const name of type === 'click' ? ['mousedown', 'mouseup', 'click'] : ['dblclick'])
        tr.dispatchEvent(
          new MouseEvent(name, { bubbles: true, cancelable: true, detail: type === 'click' ? 1 : 2 }),
        );
      return true;
    },
    { selector: ROWS, n, type },
  );
  if (!clicked) throw new Error(`no row for cycle ${n}`);
}

/** Waits until every cycle is listed and the last answer's end is recorded (it comes a moment after the next poll starts). */
async function waitForCycles(panel: PanelView): Promise<CycleRow[]> {
  await expect
    .poll(async () => {
      const rows = await cycleRows(panel);
      return [rows.length, rows[ANSWERS - 1]?.cells.status];
    })
    .toEqual([CYCLES, '200']);
  return cycleRows(panel);
}

/** Checks every row of the table: eight answers (one a 503), then the poll still held. */
async function expectCycleRows(panel: PanelView): Promise<void> {
  const rows = await waitForCycles(panel);
  for (const [i, row] of rows.entries()) {
    const n = i + 1;
    const { number, start, hold, gap, status, size, flight: inFlight } = row.cells;
    expect(number).toBe(String(n));
    // The start's clock; docked narrow, it is in the row's tooltip with the size.
    if (start !== undefined) expect(start, `start of cycle ${n}`).toMatch(/^\d\d:\d\d:\d\d/);
    else expect(row.title).toMatch(/started \d\d:\d\d:\d\d\.\d{3}/);
    expect(inFlight, `in flight at cycle ${n}`).toBe('1');
    if (n === CYCLES) {
      expect(status).toBe('pending');
      expect(hold).toMatch(/…$/);
      if (size !== undefined) expect(size).toBe('');
    } else {
      expect(status).toBe(n === FAILING ? '503' : '200');
      const ms = holdOf(n);
      const holdMs = hold?.endsWith(' ms') ? Number.parseFloat(hold) : Number.parseFloat(hold ?? '') * 1000;
      expect(holdMs, `hold of cycle ${n}: ${hold}`).toBeGreaterThanOrEqual(ms - 5);
      expect(holdMs, `hold of cycle ${n}: ${hold}`).toBeLessThan(ms + 2000);
      if (size !== undefined) expect(size).toMatch(/ B$/);
    }
    if (n > 1) expect(gap, `gap before cycle ${n}`).toMatch(/^\d+ ms$/);
  }
  expect(rows[FAILING - 1]?.className).toMatch(/o-http-error/);
}

/** The selected row of the event list: its type, and whether it lies wholly inside the list and the window. */
function selectedEvent(panel: PanelView): Promise<Array<{ type: string | null; inView: boolean }>> {
  return panel.evaluate(() => {
    const list = document.querySelector('[data-testid="events"]');
    const area = list?.getBoundingClientRect();
    return [...document.querySelectorAll('[data-testid="events"] tbody tr.selected')].map((tr) => {
      const r = tr.getBoundingClientRect();
      const inView =
        area !== undefined &&
        r.top >= area.top - 1 &&
        r.bottom <= Math.min(area.bottom, window.innerHeight) + 1 &&
        r.height > 0;
      return { type: tr.getAttribute('data-type'), inView };
    });
  });
}

test('a selected long-poll channel shows its cycles, the newest in view; a cycle selects its request', async () => {
  const { panel } = await captureLongPoll();
  await panel.setViewport(1280, 800);
  const channel = '.conn-entry.k-channel';
  await expect.poll(() => panel.texts(channel)).toEqual([expect.stringContaining(`${CYCLES} cycles`)]);
  await panel.click(channel);

  await expect.poll(() => panel.text('[data-testid="cycles"]')).toMatch(/Long-poll GET \/inbox\/\d+\/wait/);
  const facts = await panel.text('[data-testid="cycles-facts"]');
  expect(facts).toContain(`${CYCLES} cycles`);
  expect(facts).toContain('1 failure');
  expect(facts).toContain('1 in flight');
  expect(await panel.text('[data-testid="cycles-storm"]')).toBe('no storm (≤ 1 in flight)');
  await expectCycleRows(panel);
  expect((await cycleRows(panel)).at(-1)?.inView).toBe(true);
  await panel.screenshot(resolve(shots, 'cycles-1280x800.png'));

  // A cycle selects its request in the event list; the table stays.
  await clickCycle(panel, 3);
  await expect.poll(async () => (await cycleRows(panel))[2]?.className).toMatch(/selected/);
  await expect.poll(() => selectedEvent(panel)).toEqual([{ type: 'exchange', inView: true }]);
  expect(await panel.texts('[data-testid="detail"]')).toEqual([]);
  // A double click opens its detail: the request's headers and timing; closing it brings the table back.
  await clickCycle(panel, 3, 'dblclick');
  await expect.poll(() => panel.text('[data-testid="detail"]')).toMatch(/\/inbox\/\d+\/wait/);
  await panel.clickButton('Close detail');
  await expect.poll(async () => (await panel.texts('[data-testid="cycles"]')).length).toBe(1);
  await expect.poll(async () => (await cycleRows(panel))[2]?.className).toMatch(/selected/);
  await panel.screenshot(resolve(shots, 'cycles-1280x800-selected.png'));

  // Exported and imported back: the poll still held when the file was saved is "pending at export".
  const saved = await panel.download('Export timeline');
  const dir = await mkdtemp(join(tmpdir(), 'wirescope-cycles-'));
  try {
    await writeFile(join(dir, 'inbox.json'), saved.text);
    await panel.setInputFile('input[aria-label="Import file"]', join(dir, 'inbox.json'));
    await expect
      .poll(() => panel.texts('[role="status"]'))
      .toContainEqual(expect.stringContaining('Viewing imported file inbox.json'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await panel.click('.conn-entry.k-channel');
  await expect.poll(async () => (await cycleRows(panel)).length).toBe(CYCLES);
  const rows = await cycleRows(panel);
  expect(rows.at(-1)?.cells.status).toBe('pending at export');
  expect(rows.at(-1)?.cells.hold).toBe('—');
  expect(rows[FAILING - 1]?.cells.status).toBe('503');
  expect(await panel.text('[data-testid="cycles-facts"]')).toContain('1 pending at export');
  await panel.screenshot(resolve(shots, 'cycles-1280x800-imported.png'));
});

for (const size of [
  { width: 480, height: 260 },
  { width: 500, height: 350 },
]) {
  const name = `${size.width}x${size.height}`;
  test(`docked at ${name}, the channel chosen from the drop-down shows its cycles, newest in view`, async () => {
    const { panel } = await captureLongPoll();
    await panel.setViewport(size.width, size.height);
    // Docked narrow, the connections list becomes a drop-down once the panel has laid itself out again.
    await expect
      .poll(async () => (await panel.texts('button')).some((t) => t.trim().startsWith('Connection:')))
      .toBe(true);
    await panel.clickButton(/^Connection:/);
    await panel.click('.conn-entry.k-channel');
    await expect.poll(async () => (await panel.texts('[data-testid="cycles"]')).length).toBe(1);
    await expectCycleRows(panel);
    await expect.poll(async () => (await cycleRows(panel)).at(-1)?.inView).toBe(true);
    // The event list keeps a share of the width beside the table.
    const listWidth = await panel.evaluate(
      () => document.querySelector('[data-testid="events"]')?.getBoundingClientRect().width ?? 0,
    );
    expect(listWidth).toBeGreaterThan(size.width * 0.35);
    await panel.screenshot(resolve(shots, `cycles-${name}.png`));
    await panel.emulateColorScheme('dark');
    try {
      await expect.poll(() => panel.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      await panel.screenshot(resolve(shots, `cycles-${name}-dark.png`));
    } finally {
      await panel.emulateColorScheme(null);
    }
  });
}

test('the cycles of a long-poll channel, for the docs (1280x800, light)', async ({ engine }) => {
  // The docs show Chromium's panel; Firefox's goes beside the other screenshots.
  const shot =
    process.env.WIRESCOPE_DOCS_SHOTS === '1' && engine === 'chromium'
      ? resolve(ROOT, 'docs', 'channel-cycles.png')
      : resolve(shots, 'channel-cycles.png');
  const { panel } = await captureLongPoll();
  await panel.setViewport(1280, 800);
  await panel.emulateColorScheme('light');
  try {
    await panel.click('.conn-entry.k-channel');
    await waitForCycles(panel);
    await clickCycle(panel, FAILING - 1);
    await expect.poll(async () => (await selectedEvent(panel)).length).toBe(1);
    await mkdir(resolve(shot, '..'), { recursive: true });
    await panel.screenshot(shot);
  } finally {
    await panel.emulateColorScheme(null);
  }
});
