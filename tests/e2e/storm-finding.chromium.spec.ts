// Inside the real Chrome DevTools, a poll storm's initiator is a link: the
// seed's long-poll snippet storms against a held server, the Wirescope panel
// is opened in DevTools (over the DevTools protocol, Chromium only), and the
// finding's initiator opens the page in the Sources panel. The finding itself,
// in both browsers, is storm-finding.spec.ts.

import { launchBrowser } from './support/browser';
import { CdpSession, openWirescopeInDevTools, poll, waitForDevToolsFrontEnd } from './support/devtools';
import { startServer, type TestServer } from './support/server';
import { STORM_PAGE, serveStorm } from './support/storm-page';
import { expect, test } from './support/test';

/** The page's line that sends every poll (1-based, as the document counts it). */
const SEND_LINE = STORM_PAGE.split('\n').findIndex((l) => l.includes('xhr.send()')) + 1;

let server: TestServer;

test.beforeAll(async () => {
  server = await startServer();
  serveStorm(server);
});

test.afterAll(async () => {
  await server?.close();
});

test('inside DevTools the initiator is a link that opens the page in the Sources panel', async () => {
  const withDevTools = await launchBrowser({ devtools: true });
  try {
    const page = withDevTools.context.pages()[0] ?? (await withDevTools.context.newPage());
    await page.goto(`${server.origin}/storm`);
    const port = withDevTools.debugPort as number;
    const panel = await openWirescopeInDevTools(port, withDevTools.extensionId);
    try {
      // Inside DevTools the initiator is a button (openResource exists), not text.
      const label = await panel.waitFor<string>(
        `(() => { const b = document.querySelector('[data-testid="findings"] button[data-testid="initiator"]'); return b ? b.textContent : null; })()`,
        20_000,
      );
      expect(label).toMatch(new RegExp(`^longPoll @ storm:${SEND_LINE}:\\d+$`));
      await page.evaluate(() => {
        (window as unknown as { stopStorm: boolean }).stopStorm = true;
      });
      await panel.evaluate(
        `document.querySelector('[data-testid="findings"] button[data-testid="initiator"]').click()`,
      );
      const front = await waitForDevToolsFrontEnd(port);
      const devtools = await CdpSession.connect(front.webSocketDebuggerUrl as string);
      try {
        // The Sources panel shows the page. (Headless DevTools here leaves the page's source text
        // unloaded, so where the cursor lands is not checked; openResourceArgs is unit-tested.)
        const shown = await poll(
          'the Sources panel on the storm page',
          () =>
            devtools.evaluate<string | null>(`(async () => {
              const UI = await import('./ui/legacy/legacy.js');
              if (UI.InspectorView.InspectorView.instance().tabbedPane.selectedTabId !== 'sources') return null;
              const Sources = await import('./panels/sources/sources.js');
              const frame = Sources.SourcesPanel.SourcesPanel.instance().sourcesView().currentSourceFrame();
              return frame ? frame.uiSourceCode().url() : null;
            })()`),
          15_000,
        );
        expect(shown).toBe(`${server.origin}/storm`);
      } finally {
        devtools.close();
      }
    } finally {
      panel.close();
    }
  } finally {
    await withDevTools.close();
  }
});
