import { describe, expect, it } from 'vitest';
import { Router, type RouterPort } from '../../lib/router';
import { panelCommand, panelCommandForTab } from '../../lib/wire/command';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';

class FakePort implements RouterPort {
  messages: unknown[] = [];
  disconnected = false;
  postMessage(message: unknown): void {
    this.messages.push(message);
  }
  disconnect(): void {
    this.disconnected = true;
  }
}

const doc = { docId: 'd1', url: 'http://127.0.0.1/', title: 't', top: true, startedAt: 1 };
const loss = { evicted: 0, dropped: 0, invalid: 0 };
const records = (n: number) => ({
  v: PROTOCOL_VERSION,
  t: 'records',
  doc,
  loss,
  records: Array.from({ length: n }, (_, i) => ({
    r: 'ev',
    seq: i + 1,
    conn: 1,
    time: 10 + i,
    type: 'receive',
    data: { text: `m${i}` },
    size: 2,
    truncated: false,
  })),
});

const own = { id: 'wirescope@wirescope.dev', base: 'moz-extension://0b5e1c52/' };
/** The sender the browser gives a port the extension's own panel opened. */
const PANEL_SENDER = { id: own.id, url: `${own.base}panel.html?tabId=7` };

function setup() {
  const sent: Array<{ tabId: number; message: unknown }> = [];
  const router = new Router({ own, sendToTab: (tabId, message) => sent.push({ tabId, message }) });
  return { router, sent };
}

describe('Router', () => {
  it('subscribing a panel asks the tab to stream, and routes only that tab', () => {
    const { router, sent } = setup();
    const panel = new FakePort();
    router.panelConnected(panel, PANEL_SENDER);
    router.panelMessage(panel, { v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 7, payloadCap: 2048 });
    expect(sent).toEqual([{ tabId: 7, message: { v: PROTOCOL_VERSION, t: 'subscribe', payloadCap: 2048 } }]);

    const relay = new FakePort();
    router.relayConnected(relay, 7, 0);
    router.relayMessage(7, 3, records(2));
    router.relayMessage(8, 0, records(1)); // another tab: nobody listens
    expect(panel.messages).toEqual([
      { v: PROTOCOL_VERSION, t: 'from-relay', tabId: 7, frameId: 3, message: records(2) },
    ]);
  });

  it('a panel port that throws does not keep a batch from the others; what a batch says passes on', () => {
    const { router } = setup();
    const broken = new FakePort();
    broken.postMessage = () => {
      throw new Error('Attempting to use a disconnected port object');
    };
    const working = new FakePort();
    for (const panel of [broken, working]) {
      router.panelConnected(panel, PANEL_SENDER);
      router.panelMessage(panel, { v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 7, payloadCap: 2048 });
    }
    router.relayConnected(new FakePort(), 7, 0);
    expect(() => router.relayMessage(7, 0, { ...records(1), through: 4 })).not.toThrow();
    expect(working.messages).toEqual([
      expect.objectContaining({ t: 'from-relay', message: { ...records(1), through: 4 } }),
    ]);
    expect(router.undelivered).toBe(1);
  });

  it('relays with no panel for their tab are disconnected', () => {
    const { router } = setup();
    const relay = new FakePort();
    router.relayConnected(relay, 5, 0);
    expect(relay.disconnected).toBe(true);
    expect(router.hello(5).subscribed).toBe(false);
  });

  it('the last panel leaving disconnects the tab relays; hello reflects state', () => {
    const { router } = setup();
    const a = new FakePort();
    const b = new FakePort();
    for (const p of [a, b]) {
      router.panelConnected(p, PANEL_SENDER);
      router.panelMessage(p, { v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 1, payloadCap: 4096 });
    }
    const relay = new FakePort();
    router.relayConnected(relay, 1, 0);
    expect(router.hello(1)).toMatchObject({ subscribed: true, payloadCap: 4096 });
    router.panelDisconnected(a);
    expect(relay.disconnected).toBe(false);
    router.panelDisconnected(b);
    expect(relay.disconnected).toBe(true);
    expect(router.hello(1).subscribed).toBe(false);
  });

  it('a payload cap remembered without a port answers later hellos, without claiming a subscriber', () => {
    const { router, sent } = setup();
    router.rememberPayloadCap(3, 2048);
    expect(router.hello(3)).toEqual({
      v: PROTOCOL_VERSION,
      t: 'hello-reply',
      subscribed: false,
      payloadCap: 2048,
    });
    expect(router.hello(4).payloadCap).toBe(1024 * 1024);
    expect(sent).toEqual([]);
  });

  it('drops and counts malformed messages from panels, and relay messages of no tab', () => {
    const { router, sent } = setup();
    const panel = new FakePort();
    router.panelConnected(panel, PANEL_SENDER);
    router.panelMessage(panel, { t: 'panel-subscribe', tabId: 1 });
    router.panelMessage(panel, 'subscribe me');
    router.panelMessage(panel, { v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 1, payloadCap: 2048 });
    router.relayMessage(undefined, 0, records(1));
    expect(router.invalid).toEqual({ panel: 2, relay: 1 });
    expect(sent).toHaveLength(1);
    expect(panel.messages).toHaveLength(0);
  });

  it('forwards what a relay sends without reading it: the panel validates it, once', () => {
    const { router } = setup();
    const panel = new FakePort();
    router.panelConnected(panel, PANEL_SENDER);
    router.panelMessage(panel, { v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 2, payloadCap: 2048 });
    const odd = {
      v: PROTOCOL_VERSION,
      t: 'records',
      doc: {},
      loss,
      records: [{ r: 'ev', data: { html: '<b>' } }],
    };
    router.relayMessage(2, 0, odd);
    router.relayMessage(2, 5, null);
    expect(panel.messages).toEqual([
      { v: PROTOCOL_VERSION, t: 'from-relay', tabId: 2, frameId: 0, message: odd },
      { v: PROTOCOL_VERSION, t: 'from-relay', tabId: 2, frameId: 5, message: null },
    ]);
    expect(router.invalid.relay).toBe(0);
  });

  it('pings keep the port busy without re-subscribing', () => {
    const { router, sent } = setup();
    const panel = new FakePort();
    router.panelConnected(panel, PANEL_SENDER);
    router.panelMessage(panel, { v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 4, payloadCap: 2048 });
    router.panelMessage(panel, { v: PROTOCOL_VERSION, t: 'panel-ping', tabId: 4, payloadCap: 2048 });
    expect(sent).toHaveLength(1);
    expect(router.invalid.panel).toBe(0);
  });

  it("passes a panel's command to its own tab's relays (or one frame's), and their replies back as they are", () => {
    const { router } = setup();
    const panel = new FakePort();
    router.panelConnected(panel, PANEL_SENDER);
    router.panelMessage(panel, { v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 7, payloadCap: 2048 });
    const top = new FakePort();
    const child = new FakePort();
    router.relayConnected(top, 7, 0);
    router.relayConnected(child, 7, 4);
    const command = panelCommand('p-1', 'hook-status', {});
    router.panelMessage(panel, panelCommandForTab(7, { ...command, extra: 'dropped' } as typeof command));
    expect(top.messages).toEqual([command]);
    expect(child.messages).toEqual([command]);
    router.panelMessage(panel, panelCommandForTab(7, command, 4));
    expect(top.messages).toHaveLength(1);
    expect(child.messages).toHaveLength(2);
    const reply = { v: PROTOCOL_VERSION, t: 'command-reply', id: 'p-1' };
    router.relayMessage(7, 4, reply);
    expect(panel.messages).toEqual([
      { v: PROTOCOL_VERSION, t: 'from-relay', tabId: 7, frameId: 4, message: reply },
    ]);
  });

  it('a panel commands only the tab it subscribed to; malformed commands go nowhere', () => {
    const { router } = setup();
    const panel = new FakePort();
    const otherTabsRelay = new FakePort();
    router.panelConnected(panel, PANEL_SENDER);
    router.panelMessage(panel, { v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 7, payloadCap: 2048 });
    const other = new FakePort();
    router.panelConnected(other, PANEL_SENDER);
    router.panelMessage(other, { v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 8, payloadCap: 2048 });
    router.relayConnected(otherTabsRelay, 8, 0);
    const command = panelCommand('p-1', 'hook-status', {});
    router.panelMessage(panel, panelCommandForTab(8, command));
    router.panelMessage(panel, { ...panelCommandForTab(7, command), command: { ...command, name: 'block' } });
    router.panelMessage(panel, { ...panelCommandForTab(7, command), v: PROTOCOL_VERSION + 1 });
    expect(otherTabsRelay.messages).toEqual([]);
    expect(router.invalid.panel).toBe(3);
  });

  it('a port that is not this extension panel page is closed at once and never served', () => {
    const { router, sent } = setup();
    const forged = [
      undefined,
      { id: own.id, url: 'https://evil.test/panel.html', tab: { id: 7 } },
      { id: own.id, url: `${own.base}background.html` },
      { id: 'someone-else@example.com', url: `${own.base}panel.html` },
    ];
    for (const sender of forged) {
      const port = new FakePort();
      expect(router.panelConnected(port, sender)).toBe(false);
      expect(port.disconnected).toBe(true);
      router.panelMessage(port, { v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 7, payloadCap: 2048 });
      router.panelMessage(port, panelCommandForTab(7, panelCommand('p-1', 'hook-status', {})));
    }
    expect(router.refusedPanels).toBe(forged.length);
    expect(sent).toEqual([]);
    expect(router.hello(7).subscribed).toBe(false);
  });
});
