// The page's own Firefox DevTools toolbox, opened on Wirescope's panel, for
// the e2e tests and `npm start -- --firefox`.
//
// How: script in the browser window's chrome scope (evaluateInChrome) opens
// the toolbox for the test tab with DevTools' gDevTools.showToolboxForTab and
// selects the tool Firefox registered for the add-on's panel (its id is
// `webext-devtools-panel-…`, found among the toolbox's additional tools by
// the add-on id). The panel's document lives in a remote <browser> (the
// extension process) inside the tool's iframe. WebDriver BiDi cannot address
// it (it lists and targets only tabs and their frames), so a small frame
// script is loaded into that <browser>: it evaluates each expression in a
// sandbox over the panel's window (no Xrays, so the panel's own globals and
// DOM are used as they are) and answers over the message manager. The
// toolbox's window is captured with drawSnapshot, which paints the remote
// panel too.

import type { LaunchedFirefox } from './firefox';
import { GECKO_ID } from './firefox';

export interface FirefoxDevToolsOptions {
  /**
   * Where the toolbox goes: 'window' (its own window, sized width×height; what
   * a screenshot of the toolbox needs) or docked at the 'bottom' of the page's
   * window (Firefox's default).
   */
  host?: 'window' | 'bottom';
  width?: number;
  height?: number;
}

export interface FirefoxDevToolsPanel {
  /** The tool id Firefox gave Wirescope's panel in this toolbox. */
  toolId: string;
  /** Evaluates a (possibly promise-valued) expression in the panel's document; returns its JSON value. */
  evaluate<T>(expression: string): Promise<T>;
  /**
   * Waits until expression (evaluated in the panel) gives a value other than
   * null or undefined, and returns it (as the Chrome DevTools driver does).
   */
  waitFor<T>(expression: string, timeoutMs?: number): Promise<T>;
  /** Selects a tool of the toolbox ('webconsole', 'inspector', or toolId). */
  showTool(id: string): Promise<void>;
  /** Selects Wirescope's panel. */
  showWirescope(): Promise<void>;
  /** A PNG of the toolbox's window (all of it when the host is 'window'). */
  screenshot(): Promise<Buffer>;
  /** Clicks the panel's button `name` and returns the file it downloads. */
  download(name: string): Promise<{ name: string; text: string }>;
  /** Closes the toolbox. */
  close(): Promise<void>;
}

/** Where the chrome-side half keeps its state between evaluateInChrome calls. */
const DRIVER = 'wirescopeDevToolsDriver';

/**
 * The frame script loaded into the panel's <browser>: evaluates
 * `wirescope:evaluate` messages in the panel window and answers with
 * `wirescope:evaluated` (a JSON value or an error). Kept as source text: it
 * runs in Firefox's frame-script scope, not in this process.
 */
const FRAME_SCRIPT = `
const { setTimeout } = ChromeUtils.importESModule('resource://gre/modules/Timer.sys.mjs');
addMessageListener('wirescope:evaluate', async ({ data: { id, source } }) => {
  try {
    // The panel's page, loaded (its extension APIs are in place by then).
    for (let waited = 0; content.document.readyState !== 'complete' || !content.location.href.startsWith('moz-extension:'); waited += 20) {
      if (waited > 15000) throw new Error('the panel page did not finish loading: ' + content.location.href);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const sandbox = Cu.Sandbox(content, { sandboxPrototype: content, wantXrays: false, sameZoneAs: content });
    const value = await Cu.evalInSandbox(source, sandbox);
    sendAsyncMessage('wirescope:evaluated', { id, json: JSON.stringify(value ?? null) });
  } catch (err) {
    sendAsyncMessage('wirescope:evaluated', { id, error: String(err?.message ?? err) + '\\n' + String(err?.stack ?? '') });
  }
});`;

/**
 * Chrome-scope script that opens the toolbox and installs the driver object
 * the other calls use. Resolves to the panel's tool id.
 */
function installDriverScript(options: Required<FirefoxDevToolsOptions>): string {
  return `(async () => {
    const { require } = ChromeUtils.importESModule('resource://devtools/shared/loader/Loader.sys.mjs');
    const { gDevTools } = require('devtools/client/framework/devtools');
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const until = async (what, fn, timeoutMs = 20000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = fn();
        if (value !== null && value !== undefined) return value;
        if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
        await sleep(50);
      }
    };
    const tab = gBrowser.selectedTab;
    const toolbox = await gDevTools.showToolboxForTab(tab, { toolId: 'webconsole', hostType: ${JSON.stringify(options.host)} });
    if (!toolbox) throw new Error('Firefox gave no toolbox for the page');
    // The add-on's devtools page registers the panel once it has run in the toolbox.
    const toolId = await until('the Wirescope panel in the toolbox', () =>
      toolbox.getAdditionalTools().find((d) => d.extensionId === ${JSON.stringify(GECKO_ID)})?.id);
    if (${JSON.stringify(options.host)} === 'window') toolbox.topWindow.resizeTo(${options.width}, ${options.height});
    const frameScript = 'data:,' + encodeURIComponent(${JSON.stringify(FRAME_SCRIPT)});
    const loadedInto = new WeakSet();
    let nextId = 1;
    const panelBrowser = () => {
      const iframe = toolbox.doc.getElementById('toolbox-panel-iframe-' + toolId);
      const browser = iframe?.contentDocument?.querySelector('browser');
      return browser && (browser.currentURI?.spec ?? '').startsWith('moz-extension:') ? browser : null;
    };
    window[${JSON.stringify(DRIVER)}] = {
      toolbox,
      toolId,
      async evaluate(source) {
        const browser = await until('the Wirescope panel document', panelBrowser);
        const manager = browser.messageManager;
        // A frame script lives as long as its frame loader (a process switch makes a new one).
        if (!loadedInto.has(browser.frameLoader)) {
          manager.loadFrameScript(frameScript, false);
          loadedInto.add(browser.frameLoader);
        }
        const id = nextId++;
        const reply = await new Promise((resolve) => {
          const listener = (msg) => {
            if (msg.data.id !== id) return;
            manager.removeMessageListener('wirescope:evaluated', listener);
            resolve(msg.data);
          };
          manager.addMessageListener('wirescope:evaluated', listener);
          manager.sendAsyncMessage('wirescope:evaluate', { id, source });
        });
        if (reply.error !== undefined) throw new Error('in the panel: ' + reply.error);
        return reply.json;
      },
      async screenshot() {
        const win = toolbox.topWindow;
        const bitmap = await win.browsingContext.currentWindowGlobal.drawSnapshot(null, 1, 'white');
        const canvas = win.document.createElementNS('http://www.w3.org/1999/xhtml', 'canvas');
        canvas.width = bitmap.width;
        canvas.height = bitmap.height;
        canvas.getContext('2d').drawImage(bitmap, 0, 0);
        return canvas.toDataURL('image/png');
      },
    };
    await toolbox.selectTool(toolId);
    return toolId;
  })()`;
}

const driverCall = (body: string) =>
  `(async () => { const driver = window[${JSON.stringify(DRIVER)}]; if (!driver) throw new Error('the DevTools driver is not installed'); ${body} })()`;

/**
 * Opens the Firefox DevTools toolbox of the launched browser's selected tab
 * (the page) with Wirescope's panel selected, and returns a driver for it.
 */
export async function openWirescopeInFirefoxDevTools(
  firefox: LaunchedFirefox,
  options: FirefoxDevToolsOptions = {},
): Promise<FirefoxDevToolsPanel> {
  const settings: Required<FirefoxDevToolsOptions> = { host: 'window', width: 1280, height: 800, ...options };
  const toolId = String(await firefox.evaluateInChrome(installDriverScript(settings)));

  const evaluate = async <T>(expression: string): Promise<T> => {
    const json = await firefox.evaluateInChrome(
      driverCall(`return driver.evaluate(${JSON.stringify(`(${expression})`)});`),
    );
    return JSON.parse(String(json)) as T;
  };
  const showTool = async (id: string) => {
    await firefox.evaluateInChrome(driverCall(`await driver.toolbox.selectTool(${JSON.stringify(id)});`));
  };

  return {
    toolId,
    evaluate,
    waitFor: async <T>(expression: string, timeoutMs = 15_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown = null;
      for (;;) {
        try {
          const value = await evaluate<T>(`(() => ${expression})()`);
          if (value !== null && value !== undefined) return value;
        } catch (err) {
          lastError = err;
        }
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for panel condition: ${expression}${lastError ? `: ${String(lastError)}` : ''}`,
          );
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    showTool,
    showWirescope: () => showTool(toolId),
    screenshot: async () => {
      const dataUrl = String(await firefox.evaluateInChrome(driverCall('return driver.screenshot();')));
      return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
    },
    download: (name) =>
      firefox.awaitDownload(async () => {
        const state = await evaluate<'clicked' | 'disabled' | 'missing'>(`(() => {
          const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === ${JSON.stringify(name)});
          if (!button) return 'missing';
          if (button.disabled) return 'disabled';
          button.click();
          return 'clicked';
        })()`);
        if (state !== 'clicked') throw new Error(`the panel's "${name}" button is ${state}`);
      }),
    close: async () => {
      await firefox.evaluateInChrome(
        driverCall(`await driver.toolbox.destroy(); delete window[${JSON.stringify(DRIVER)}];`),
      );
    },
  };
}
