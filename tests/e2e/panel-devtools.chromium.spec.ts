// The panel in the REAL DevTools: live traffic appears in the unified list,
// the filter language narrows it, and a payload carrying markup stays text.

import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CdpSession } from '../../scripts/lib/devtools';
import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { type DevToolsPanel, listTargets, openWirescopeInDevTools } from './support/devtools';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

const XSS = '<img src=x onerror="window.__wirescopePwned=1;document.title=\'pwned\'">';

let server: TestServer;
let browser: LaunchedBrowser;
let panel: DevToolsPanel | null = null;

test.beforeAll(async () => {
  server = await startServer();
  server.socket('/echo', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.route('/api/status', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"online":3}');
  });
  server.page(
    '/mixed.html',
    `<!doctype html><title>mixed</title><body><script>
      const ws = new WebSocket('ws://' + location.host + '/echo');
      let n = 0;
      ws.onopen = () => {
        ws.send(JSON.stringify({ op: 'subscribe', topic: 'prices' }));
        ws.send(${JSON.stringify(XSS)});
        ws.send(new Uint8Array([1, 2, 3, 250]));
        const t = setInterval(() => { ws.send('tick ' + (++n)); if (n >= 5) clearInterval(t); }, 50);
      };
      fetch('/api/status').then((r) => r.text()).then((t) => { document.body.dataset.status = t; });
    </script></body>`,
  );
  // A worker's traffic, which only DevTools' network log sees.
  server.route('/w-data', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('from the worker');
  });
  // A socket that stays open and keeps talking.
  server.socket('/ticker', (ws) => {
    const timer = setInterval(() => ws.send('tick'), 100);
    ws.on('close', () => clearInterval(timer));
  });
  server.route('/worker.js', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(`
      onmessage = async (e) => {
        if (e.data === 'ticker') { self.ticker = new WebSocket('ws://' + location.host + '/ticker'); return; }
        await (await fetch('/w-data?n=' + e.data)).text();
        const ws = new WebSocket('ws://' + location.host + '/echo?n=' + e.data);
        ws.onopen = () => ws.send('from the worker ' + e.data);
        ws.onmessage = () => { ws.close(); postMessage('done ' + e.data); };
      };`);
  });
  server.page(
    '/worker.html',
    `<!doctype html><title>worker</title><body><script>
      window.worker = new Worker('/worker.js');
      worker.onmessage = (e) => { document.body.dataset.done = e.data; };
      worker.postMessage(1);
      fetch('/api/status?from=page').then((r) => r.text());
    </script></body>`,
  );
});

test.afterAll(async () => {
  panel?.close();
  await browser?.close();
  await server?.close();
});

const ROWS = `[...document.querySelectorAll('[data-testid="events"] tbody tr')].map((r) => r.textContent)`;
const setFilter = (q: string) => `(() => {
  const input = document.querySelector('input[aria-label="Filter events"]');
  input.value = ${JSON.stringify(q)};
  input.dispatchEvent(new Event('input', { bubbles: true }));
  return true;
})()`;

test('live traffic, filtering and an inert XSS payload in the real DevTools panel', async () => {
  browser = await launchBrowser({ devtools: true });
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(`${server.origin}/mixed.html`);
  panel = await openWirescopeInDevTools(browser.debugPort as number, browser.extensionId);

  // Live: the WebSocket echoes and the fetch appear in one list.
  const rows = await panel.waitFor<string[]>(`(() => {
    const rows = ${ROWS};
    return rows.some((t) => t.includes('tick 5') && t.includes('↓ receive')) && rows.some((t) => t.includes('/api/status')) ? rows : null;
  })()`);
  expect(rows.some((t) => t.includes('subscribe') && t.includes('↑ send'))).toBe(true);
  // The fetch is one row: method, status and response together.
  expect(
    rows.some(
      (t) => t.includes('/api/status') && t.includes('GET') && t.includes('200') && t.includes('online'),
    ),
  ).toBe(true);
  expect(rows.some((t) => t.includes('4 B · 01 02 03 fa'))).toBe(true);
  const connections = await panel.evaluate<string>(
    `document.querySelector('nav[aria-label="Connections"]').textContent`,
  );
  expect(connections).toContain('#1 /echo');
  expect(connections).toContain('Other requests');

  // Filtering with the filter language.
  await panel.evaluate(setFilter('transport:ws dir:in /tick [2-4]/'));
  const ticks = await panel.waitFor<string[]>(
    `(() => { const r = ${ROWS}; return r.length === 3 ? r : null; })()`,
  );
  expect(ticks.every((t) => /tick [2-4]/.test(t) && t.includes('↓'))).toBe(true);
  await panel.evaluate(setFilter('/tick(/'));
  const error = await panel.waitFor<string>(`document.querySelector('#filter-error')?.textContent`);
  expect(error).toMatch(/invalid regular expression/);
  await panel.evaluate(setFilter('-transport:ws'));
  const http = await panel.waitFor<string[]>(
    `(() => { const r = ${ROWS}; return r.length > 0 && r.every((t) => t.includes('GET')) ? r : null; })()`,
  );
  expect(http.some((t) => t.includes('online'))).toBe(true);

  // The XSS payload: shown as text in the list and in the detail pane, never as an element.
  await panel.evaluate(setFilter('onerror dir:in'));
  await panel.waitFor(`(() => { const r = ${ROWS}; return r.length === 1 ? r : null; })()`);
  await panel.evaluate(`(() => {
    document.querySelector('[data-testid="events"] tbody tr').dispatchEvent(new MouseEvent('mousedown', { bubbles: true }));
    return true;
  })()`);
  const detail = await panel.waitFor<string>(`document.querySelector('[data-testid="detail"]')?.textContent`);
  expect(detail).toContain('<img src=x onerror=');
  // A quiet spell is the point here: had the payload become an <img>, its
  // onerror would have run by now (the image fails at once).
  await page.waitForTimeout(300);
  const inert = await panel.evaluate<{ imgs: number; pwned: boolean; title: string }>(`({
    imgs: document.querySelectorAll('img').length,
    pwned: 'wirescopePwned' in window || '__wirescopePwned' in window,
    title: document.title,
  })`);
  expect(inert).toEqual({ imgs: 0, pwned: false, title: 'Wirescope' });

  // DevTools conventions: the theme follows DevTools (themeName), and Pop out
  // opens the same panel bound to the inspected tab.
  expect(await panel.evaluate<string | null>(`document.documentElement.dataset.theme ?? null`)).toMatch(
    /^(light|dark)$/,
  );
  await panel.evaluate(`(() => {
    [...document.querySelectorAll('button')].find((b) => b.textContent === 'Pop out').click();
    return true;
  })()`);
  const debugPort = browser.debugPort as number;
  await expect
    .poll(async () => (await listTargets(debugPort)).some((t) => /\/panel\.html\?tabId=\d+$/.test(t.url)), {
      timeout: 10_000,
    })
    .toBe(true);
});

const OUTSIDE_SECTION = 'section[aria-label="Seen only by DevTools"]';
/** The text of each endpoint group's entry (its requests are listed only when it is opened). */
const OUTSIDE = `[...document.querySelectorAll('${OUTSIDE_SECTION} .outside-group > button')].map((b) => b.textContent)`;
/** Opens the group whose endpoint ends with `path` (unless open) and gives its requests' text, or null. */
const requestsOf = (path: string) => `(() => {
  const group = [...document.querySelectorAll('${OUTSIDE_SECTION} .outside-group')].find((g) =>
    g.dataset.endpoint.endsWith(${JSON.stringify(path)}),
  );
  const button = group?.querySelector(':scope > button');
  if (!button) return null;
  if (button.getAttribute('aria-expanded') !== 'true') button.click();
  const rows = [...group.querySelectorAll('.outside-request')].map((li) => li.textContent);
  return rows.length > 0 ? rows : null;
})()`;
const SHOTS = resolve(import.meta.dirname, '..', '..', 'test-results', 'devtools');

/**
 * A PNG of the DevTools window, docked beside a blank page as it opened, sized so the Wirescope
 * panel itself is width×height CSS pixels (the window is resized until it is), cut to DevTools' side.
 */
async function shootPanel(
  debugPort: number,
  panel: DevToolsPanel,
  width: number,
  height: number,
): Promise<Buffer> {
  const front = (await listTargets(debugPort)).find((t) => t.url.startsWith('devtools://devtools/bundled/'));
  if (!front?.webSocketDebuggerUrl) throw new Error('the DevTools front-end is not open');
  const devtools = await CdpSession.connect(front.webSocketDebuggerUrl);
  try {
    // DevTools keeps its side of the window at the width it was given (555 px at first): widen it.
    await devtools.evaluate(`(async () => {
      const Emulation = await import('./panels/emulation/emulation.js');
      Emulation.AdvancedApp.AdvancedApp.instance().rootSplitWidget?.setSidebarSize(${width + 2});
      return true;
    })()`);
    let windowSize = { width: width * 2, height: height + 30 };
    let panelSize = { width: 0, height: 0 };
    for (let i = 0; i < 6; i++) {
      await devtools.send('Emulation.setDeviceMetricsOverride', {
        ...windowSize,
        deviceScaleFactor: 1,
        mobile: false,
      });
      await new Promise((r) => setTimeout(r, 300));
      panelSize = await panel.evaluate<{ width: number; height: number }>(
        '({ width: window.innerWidth, height: window.innerHeight })',
      );
      if (panelSize.width === width && panelSize.height === height) break;
      windowSize = {
        width: windowSize.width + width - panelSize.width,
        height: windowSize.height + height - panelSize.height,
      };
    }
    const devtoolsWidth = Math.min(windowSize.width, panelSize.width + 2);
    const shot = (await devtools.send('Page.captureScreenshot', {
      format: 'png',
      clip: {
        x: windowSize.width - devtoolsWidth,
        y: 0,
        width: devtoolsWidth,
        height: windowSize.height,
        scale: 1,
      },
    })) as { data: string };
    return Buffer.from(shot.data, 'base64');
  } finally {
    devtools.close();
  }
}

test('worker traffic that only DevTools saw is listed apart, grouped by endpoint, in the real DevTools panel', async () => {
  const own = await launchBrowser({ devtools: true });
  let ownPanel: DevToolsPanel | null = null;
  try {
    const page = own.context.pages()[0] ?? (await own.context.newPage());
    ownPanel = await openWirescopeInDevTools(own.debugPort as number, own.extensionId);
    await page.goto(`${server.origin}/worker.html`);
    await page.waitForFunction(() => document.body.dataset.done === 'done 1');

    // Logged by DevTools as the worker made them (onRequestFinished), one entry per endpoint.
    const live = await ownPanel.waitFor<string[]>(`(() => {
      const items = ${OUTSIDE};
      return items.some((t) => t.includes('GET /w-data')) && items.some((t) => t.includes('/echo')) ? items : null;
    })()`);
    const fetchItem = live.find((t) => t.includes('/w-data')) ?? '';
    expect(fetchItem).toContain('FETCH');
    expect(fetchItem).toContain('GET /w-data×1');
    expect(fetchItem).not.toContain('?n=');
    expect(fetchItem).toContain('200');
    expect(fetchItem).toContain('from worker.js');
    const socketItem = live.find((t) => t.includes('/echo')) ?? '';
    expect(socketItem).toContain('WS');
    expect(socketItem).toContain('2 msg');
    // Opened, a group lists its requests with their query.
    const fetches = await ownPanel.waitFor<string[]>(requestsOf('/w-data'));
    expect(fetches).toHaveLength(1);
    expect(fetches[0]).toContain('/w-data?n=1');
    expect(fetches[0]).toContain('200');
    // The page's own fetch went through the hook: in the timeline, not in this list.
    expect(live.some((t) => t.includes('/api/status'))).toBe(false);
    await ownPanel.waitFor(
      `[...document.querySelectorAll('[data-testid="events"] tbody tr')].some((r) => r.textContent.includes('online')) || null`,
    );
    const timeline = await ownPanel.evaluate<string>(
      `document.querySelector('[data-testid="events"]').textContent`,
    );
    expect(timeline).not.toContain('/w-data');

    // A panel that starts after the traffic reads it from DevTools' log (getHAR).
    await ownPanel.evaluate('(window.beforeReload = true, location.reload(), true)').catch(() => {});
    await ownPanel.waitFor(
      `(!window.beforeReload && ${OUTSIDE}.some((t) => t.includes('GET /w-data') && t.includes('from worker.js'))) || null`,
    );
    // The same endpoints again: counted in their groups, each request listed inside.
    await page.evaluate(() => (window as unknown as { worker: Worker }).worker.postMessage(2));
    const grouped = await ownPanel.waitFor<string[]>(`(() => {
      const items = ${OUTSIDE};
      return items.some((t) => t.includes('/w-data×2')) && items.some((t) => t.includes('/echo×2')) ? items : null;
    })()`);
    expect(grouped).toHaveLength(2);
    const echoes = await ownPanel.waitFor<string[]>(requestsOf('/echo'));
    expect(echoes).toHaveLength(2);
    expect(echoes[0]).toContain('/echo?n=2');
    expect(echoes[1]).toContain('/echo?n=1');
    expect(await ownPanel.waitFor<string[]>(requestsOf('/w-data'))).toHaveLength(2);
    expect(
      await ownPanel.evaluate<string>(`document.querySelector('${OUTSIDE_SECTION} .pane-title').textContent`),
    ).toBe('Seen only by DevTools (4)');

    // Screenshots to look at: docked small (the list is in the connections drop-down), and roomy.
    await mkdir(SHOTS, { recursive: true });
    const debugPort = own.debugPort as number;
    await shootPanel(debugPort, ownPanel, 480, 260);
    await ownPanel.evaluate(`(() => {
      const dropdown = document.querySelector('.conn-dropdown-button');
      if (dropdown?.getAttribute('aria-expanded') !== 'true') dropdown?.click();
      return true;
    })()`);
    await ownPanel.waitFor(requestsOf('/w-data'));
    await ownPanel.evaluate(`(document.querySelector('${OUTSIDE_SECTION}').scrollIntoView(), true)`);
    await writeFile(resolve(SHOTS, 'outside-480x260.png'), await shootPanel(debugPort, ownPanel, 480, 260));
    await shootPanel(debugPort, ownPanel, 1280, 800);
    await ownPanel.waitFor(requestsOf('/w-data'));
    await ownPanel.waitFor(requestsOf('/echo'));
    await writeFile(resolve(SHOTS, 'outside-1280x800.png'), await shootPanel(debugPort, ownPanel, 1280, 800));

    // A worker's socket that stays open: listed while open, its count kept up to date.
    await page.evaluate(() => (window as unknown as { worker: Worker }).worker.postMessage('ticker'));
    const TICKER_MESSAGES = `(() => {
      const item = [...document.querySelectorAll('${OUTSIDE_SECTION} .outside-group')].find((li) => li.textContent.includes('/ticker'));
      return Number.parseInt(item?.querySelector('.outside-msgs')?.textContent ?? '0', 10);
    })()`;
    const firstTicks = await ownPanel.waitFor<number>(`${TICKER_MESSAGES} >= 3 ? ${TICKER_MESSAGES} : null`);
    const laterTicks = await ownPanel.waitFor<number>(
      `${TICKER_MESSAGES} > ${firstTicks} ? ${TICKER_MESSAGES} : null`,
    );
    expect(laterTicks).toBeGreaterThan(firstTicks);

    // Clear empties it with the rest of the panel.
    await ownPanel.evaluate(`(() => {
      document.querySelector('button[aria-label="Clear"]').click();
      return true;
    })()`);
    await ownPanel.waitFor(`${OUTSIDE}.length === 0 || null`);
    // DevTools' log still holds them and is read again: what started before the clear stays out.
    // A socket opened after the clear that stays open shows only through such a re-read
    // (DevTools reports a request when it ends): once it is listed, the log was read again.
    await page.evaluate(() => (window as unknown as { worker: Worker }).worker.postMessage('ticker'));
    const afterClear = await ownPanel.waitFor<string[]>(
      `(() => { const items = ${OUTSIDE}; return items.some((t) => t.includes('/ticker')) ? items : null; })()`,
    );
    expect(afterClear).toHaveLength(1);
  } finally {
    ownPanel?.close();
    await own.close();
  }
});
