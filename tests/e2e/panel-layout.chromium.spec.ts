// The panel in the room DevTools gives it when docked: at the bottom of the
// window it is often 250-350 px high, at a side 400-500 px wide. The event
// list must keep most of the room and show several rows; the overview folds
// to a bar (and unfolds on request, remembered across a reload) and the
// connections list becomes a drop-down. At a roomy size nothing of that
// shows. Screenshots of every size go to test-results/layout/ to look at.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { openCapture } from './support/capture';
import { startServer, type TestServer } from './support/server';
import { expect, type Page, test } from './support/test';
import { visibleRowTexts } from './support/visible-rows';

const SHOTS = resolve(import.meta.dirname, '..', '..', 'test-results', 'layout');

let server: TestServer;
let browser: LaunchedBrowser;

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  server = await startServer();
  server.socket('/ticks', (ws) => {
    let n = 0;
    const timer = setInterval(() => {
      ws.send(JSON.stringify({ tick: ++n, at: Date.now() }));
      if (n === 40) clearInterval(timer);
    }, 10);
    ws.on('close', () => clearInterval(timer));
  });
  server.route('/api/items', (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"items":[1,2,3]}');
  });
  server.page(
    '/traffic.html',
    `<!doctype html><title>traffic</title><script>
      const ws = new WebSocket('ws://' + location.host + '/ticks');
      ws.onmessage = async (e) => {
        if (JSON.parse(e.data).tick !== 40) return;
        for (let i = 0; i < 3; i++) await (await fetch('/api/items?i=' + i)).text();
        document.title = 'done';
      };
    </script>`,
  );
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Rows of the event list a user sees (support/visible-rows.ts). */
async function visibleRows(panel: Page): Promise<number> {
  return (await panel.evaluate(visibleRowTexts)).length;
}

/**
 * The text of the first row in view that contains `text`, once two reads of
 * the rows in view 150 ms apart agree.
 */
async function settledRowInView(panel: Page, text: string): Promise<string> {
  let before: string[] = [];
  let found = '';
  await expect
    .poll(
      async () => {
        const now = await panel.evaluate(visibleRowTexts);
        const settled = now.join('\n') === before.join('\n');
        before = now;
        found = now.find((row) => row.includes(text)) ?? '';
        return settled && found !== '';
      },
      { intervals: [150], message: `a settled row in view with ${text}` },
    )
    .toBe(true);
  return found;
}

/** The share of the window's height the event list's scroll area takes. */
async function listShare(panel: Page): Promise<number> {
  return panel.evaluate(() => {
    const scroller = document.querySelector('[data-testid="events"]');
    return scroller ? scroller.getBoundingClientRect().height / window.innerHeight : 0;
  });
}

/** The filter box's placeholder, the room for text in the box, and the width the text takes there. */
async function filterPlaceholder(panel: Page): Promise<{ text: string; room: number; needed: number }> {
  return panel.evaluate(() => {
    const input = document.querySelector<HTMLInputElement>('input[aria-label="Filter events"]');
    if (!input) return { text: '', room: 0, needed: Number.POSITIVE_INFINITY };
    const style = getComputedStyle(input);
    // Laid out as a span in the box's own font, apart from the code that chose it.
    const probe = document.createElement('span');
    probe.style.cssText = `position:absolute;visibility:hidden;white-space:pre;font:${style.font}`;
    probe.textContent = input.placeholder;
    document.body.append(probe);
    const needed = probe.getBoundingClientRect().width;
    probe.remove();
    const room =
      input.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight);
    return { text: input.placeholder, room, needed };
  });
}

/** Checks that the placeholder fits its box at this size, and screenshots the toolbar. */
async function expectPlaceholderFits(panel: Page, name: string): Promise<string> {
  await expect
    .poll(
      async () => {
        const p = await filterPlaceholder(panel);
        return p.needed <= p.room ? 'fits' : `"${p.text}" needs ${p.needed} px of ${p.room}`;
      },
      { message: `filter placeholder at ${name}` },
    )
    .toBe('fits');
  await panel.locator('.toolbar').screenshot({ path: resolve(SHOTS, `toolbar-${name}.png`) });
  return (await filterPlaceholder(panel)).text;
}

const DOCKED = [
  { width: 480, height: 260 },
  { width: 400, height: 300 },
  { width: 500, height: 350 },
];

test('docked sizes keep the event list; overview and connections stay reachable', async () => {
  browser = await launchBrowser();
  const { page, panel } = await openCapture(browser, `${server.origin}/traffic.html`);
  await expect(page).toHaveTitle('done');
  await expect(panel.getByTestId('summary')).toContainText(/^5\d events/);

  for (const size of DOCKED) {
    const name = `${size.width}x${size.height}`;
    await panel.setViewportSize(size);
    const overviewToggle = panel.getByRole('button', { name: /Timeline overview/ });
    const connections = panel.getByRole('button', { name: /^Connection:/ });
    // Folded by default where it is short; the list has the room.
    await expect(overviewToggle).toHaveAttribute('aria-expanded', 'false');
    await expect(panel.getByTestId('timeline')).toHaveCount(0);
    await expect(panel.locator('.sidebar')).toHaveCount(0);
    await expect.poll(() => visibleRows(panel), { message: `rows at ${name}` }).toBeGreaterThanOrEqual(5);
    expect(await listShare(panel)).toBeGreaterThan(0.45);
    await panel.screenshot({ path: resolve(SHOTS, `docked-${name}.png`) });
    expect(await expectPlaceholderFits(panel, name)).toMatch(/^Filter/);

    // The overview unfolds on request, and the list still shows rows under it.
    await overviewToggle.click();
    await expect(overviewToggle).toHaveAttribute('aria-expanded', 'true');
    await expect(panel.getByRole('img', { name: /Timeline overview/ })).toBeVisible();
    await expect.poll(() => visibleRows(panel)).toBeGreaterThanOrEqual(2);
    await panel.screenshot({ path: resolve(SHOTS, `docked-${name}-overview.png`) });
    await overviewToggle.click();
    await expect(overviewToggle).toHaveAttribute('aria-expanded', 'false');

    // The connections list is a drop-down: choosing one narrows the list, and "All" undoes it.
    await connections.click();
    await expect(connections).toHaveAttribute('aria-expanded', 'true');
    const ws = panel.getByRole('button', { name: /#1 \/ticks/ });
    await expect(ws).toBeVisible();
    await panel.screenshot({ path: resolve(SHOTS, `docked-${name}-connections.png`) });
    await ws.click();
    await expect(connections).toHaveAttribute('aria-expanded', 'false');
    await expect(connections).toContainText('#1 /ticks');
    await expect(panel.getByTestId('summary')).toContainText(/^4\d of 5\d events/);
    await connections.click();
    await panel.getByRole('button', { name: 'All connections' }).click();
    await expect(panel.getByTestId('summary')).toContainText(/^5\d events/);

    // A selected event's detail leaves the list a share of the width. The row
    // is one the user sees once the list has settled after the filter change
    // (a row picked from the rows drawn before could be redrawn out of view).
    const tickInView = await settledRowInView(panel, '"tick":');
    await panel
      .locator('[data-testid="events"] tbody tr', { hasText: tickInView })
      .first()
      .dispatchEvent('mousedown');
    await expect(panel.getByTestId('detail')).toBeVisible();
    // The selected row keeps its highlight under the pointer.
    const selectedRow = panel.locator('[data-testid="events"] tbody tr.selected');
    const background = () => selectedRow.evaluate((el) => getComputedStyle(el).backgroundColor);
    await expect.poll(background).not.toBe('rgba(0, 0, 0, 0)');
    const selectedBackground = await background();
    await selectedRow.hover();
    await expect(selectedRow).toHaveCSS('background-color', selectedBackground);
    const listWidth = await panel.getByTestId('events').evaluate((el) => el.getBoundingClientRect().width);
    expect(listWidth).toBeGreaterThan(size.width * 0.4);
    await expect.poll(() => visibleRows(panel)).toBeGreaterThanOrEqual(5);
    await panel.screenshot({ path: resolve(SHOTS, `docked-${name}-detail.png`) });
    await panel.keyboard.press('Escape');
    await panel.keyboard.press('Escape');
    await expect(panel.getByTestId('detail')).toHaveCount(0);
  }

  // Docked at the bottom of a wide window: the connections stay a column; the overview is folded.
  await panel.setViewportSize({ width: 1280, height: 260 });
  await expect(panel.locator('.sidebar')).toBeVisible();
  await expect(panel.getByRole('button', { name: /^Connection:/ })).toHaveCount(0);
  await expect.poll(() => visibleRows(panel)).toBeGreaterThanOrEqual(5);
  await panel.screenshot({ path: resolve(SHOTS, 'docked-1280x260.png') });

  // The choice to unfold is remembered across a reload.
  await panel.setViewportSize({ width: 480, height: 260 });
  await panel.getByRole('button', { name: /Timeline overview/ }).click();
  await expect(panel.getByRole('img', { name: /Timeline overview/ })).toBeVisible();
  await panel.waitForTimeout(600);
  await panel.reload();
  await expect(panel.getByRole('button', { name: /Timeline overview/ })).toHaveAttribute(
    'aria-expanded',
    'true',
  );
  await expect(panel.getByRole('img', { name: /Timeline overview/ })).toBeVisible();

  // Roomy: the layout as it always was (no bar, sidebar and overview shown).
  await panel.setViewportSize({ width: 1280, height: 800 });
  await expect(panel.getByRole('button', { name: /Timeline overview/ })).toHaveCount(0);
  await expect(panel.getByRole('button', { name: /^Connection:/ })).toHaveCount(0);
  await expect(panel.locator('.sidebar')).toBeVisible();
  await expect(panel.getByTestId('timeline')).toBeVisible();
  expect(await panel.getByTestId('timeline').evaluate((el) => el.getBoundingClientRect().height)).toBe(130);
  await panel.screenshot({ path: resolve(SHOTS, 'roomy-1280x800.png') });
  // Roomy, the box has room for more of the filter language's hint.
  expect(await expectPlaceholderFits(panel, '1280x800')).toContain('status:404');
});
