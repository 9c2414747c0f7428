// Drives the real Chrome DevTools front-end over the remote debugging port:
// selects Wirescope's panel inside DevTools and evaluates code in the panel.
// Shared by the e2e tests (tests/e2e/support/devtools.ts re-exports it) and `npm start`.

import WebSocket from 'ws';

interface TargetInfo {
  id: string;
  type: string;
  url: string;
  webSocketDebuggerUrl?: string;
}

export async function listTargets(port: number): Promise<TargetInfo[]> {
  const res = await fetch(`http://127.0.0.1:${port}/json/list`);
  return (await res.json()) as TargetInfo[];
}

export class CdpSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return;
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(msg.error.message));
      else waiter.resolve(msg.result);
    });
  }

  static async connect(url: string): Promise<CdpSession> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 512 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new CdpSession(ws);
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates an expression (awaiting promises) and returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const result = (await this.send('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    })) as {
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (result.exceptionDetails) {
      throw new Error(result.exceptionDetails.exception?.description ?? result.exceptionDetails.text);
    }
    return result.result.value as T;
  }

  close(): void {
    this.ws.close();
  }
}

/** Calls fn until it gives a value (errors count as not yet), or throws after timeoutMs. */
export async function poll<T>(
  what: string,
  fn: () => Promise<T | null | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== null && value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export interface DevToolsPanel {
  /** Evaluates in the Wirescope panel's document. */
  evaluate<T>(expression: string): Promise<T>;
  /** Waits until expression (evaluated in the panel) is truthy; returns its value. */
  waitFor<T>(expression: string, timeoutMs?: number): Promise<T>;
  close(): void;
}

/** The DevTools window's front-end target, once --auto-open-devtools-for-tabs has opened it. */
export function waitForDevToolsFrontEnd(debugPort: number): Promise<TargetInfo> {
  return poll(
    'the DevTools front-end',
    async () => (await listTargets(debugPort)).find((t) => t.url.startsWith('devtools://devtools/bundled/')),
    20_000,
  );
}

/**
 * Selects a panel in the DevTools window that --auto-open-devtools-for-tabs
 * opened: the first tab whose id starts with `idPrefix` ('elements', or an
 * extension panel's 'chrome-extension://<id>'). Resolves to the tab's id.
 */
export async function showDevToolsPanel(debugPort: number, idPrefix: string): Promise<string> {
  const front = await waitForDevToolsFrontEnd(debugPort);
  if (!front.webSocketDebuggerUrl) throw new Error('DevTools front-end has no debugger URL');
  const devtools = await CdpSession.connect(front.webSocketDebuggerUrl);
  try {
    return await poll(
      `the ${idPrefix} tab in DevTools`,
      () =>
        devtools.evaluate<string | null>(`(async () => {
          const UI = await import('./ui/legacy/legacy.js');
          const view = UI.InspectorView.InspectorView.instance();
          const tab = view.tabbedPane.tabs.find((t) => t.id.startsWith(${JSON.stringify(idPrefix)}));
          if (!tab) return null;
          await view.showPanel(tab.id);
          return tab.id;
        })()`),
      30_000,
    );
  } finally {
    devtools.close();
  }
}

/**
 * Selects Wirescope's panel in the DevTools window that --auto-open-devtools-for-tabs
 * opened, and attaches to the panel's frame.
 */
export async function openWirescopeInDevTools(
  debugPort: number,
  extensionId: string,
): Promise<DevToolsPanel> {
  const prefix = `chrome-extension://${extensionId}`;
  await showDevToolsPanel(debugPort, prefix);
  const panelTarget = await poll(
    'the Wirescope panel frame',
    async () =>
      (await listTargets(debugPort)).find(
        (t) => t.url.startsWith(`${prefix}/panel.html`) && t.webSocketDebuggerUrl,
      ),
    20_000,
  );
  const panel = await CdpSession.connect(panelTarget.webSocketDebuggerUrl as string);
  return {
    evaluate: (expression) => panel.evaluate(expression),
    waitFor: (expression, timeoutMs = 15_000) =>
      poll(`panel condition: ${expression}`, () => panel.evaluate(`(() => ${expression})()`), timeoutMs),
    close: () => panel.close(),
  };
}
