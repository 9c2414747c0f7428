import { describe, expect, it } from 'vitest';
import { isOwnPanel } from '../../lib/sender';
import {
  commandReply,
  HOOK_STATUS_FIELDS,
  type HookStatus,
  hookCommand,
  isCommandReplyKind,
  panelCommand,
  panelCommandForTab,
  parseCommandReply,
  parseHookCommandReply,
  parseHookStatus,
  parsePanelCommand,
  parsePanelCommandForTab,
  readCommandReply,
} from '../../lib/wire/command';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';

const V = PROTOCOL_VERSION;
const status: HookStatus = {
  captured: 12,
  dropped: 1,
  queued: 2,
  batches: 3,
  payloadCap: 1024 * 1024,
  openWebSockets: 2,
  openEventSources: 1,
  httpInFlight: 0,
  commandsAnswered: 1,
};
const doc = {
  docId: 'abc123',
  url: 'https://app.test/',
  title: 'App',
  top: true,
  startedAt: 1_700_000_000_000,
};

describe('panel -> relay: PanelCommand', () => {
  it('round-trips, and is rebuilt from its known fields only', () => {
    const cmd = panelCommand('a1b2-7', 'hook-status', {});
    expect(cmd).toEqual({ v: V, t: 'command', id: 'a1b2-7', name: 'hook-status', args: {} });
    expect(parsePanelCommand(cmd)).toEqual(cmd);
    expect(parsePanelCommand({ ...cmd, extra: '<script>', tabId: 4 })).toEqual(cmd);
  });

  it('refuses a wrong version, an unknown name, a bad id and arguments hook-status does not take', () => {
    const good = panelCommand('id', 'hook-status', {});
    const bad: unknown[] = [
      null,
      'command',
      [good],
      { ...good, v: V + 1 },
      { ...good, v: String(V) },
      { ...good, t: 'config' },
      { ...good, name: 'send' },
      { ...good, name: 'toString' },
      { ...good, id: '' },
      { ...good, id: 7 },
      { ...good, id: 'has space' },
      { ...good, id: 'x'.repeat(65) },
      { ...good, id: 'é' },
      { ...good, args: undefined },
      { ...good, args: null },
      { ...good, args: [] },
      { ...good, args: { frame: 1 } },
      { ...good, args: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])) },
    ];
    for (const v of bad) expect(parsePanelCommand(v), JSON.stringify(v)?.slice(0, 80)).toBeNull();
    expect(parsePanelCommand({ ...good, id: 'x'.repeat(64) })).not.toBeNull();
  });
});

describe('panel -> background: PanelCommandForTab (Firefox)', () => {
  it('names the tab and optionally one frame, around a valid command', () => {
    const cmd = panelCommand('p-1', 'hook-status', {});
    expect(parsePanelCommandForTab(panelCommandForTab(3, cmd))).toEqual({
      v: V,
      t: 'panel-command',
      tabId: 3,
      command: cmd,
    });
    expect(parsePanelCommandForTab(panelCommandForTab(3, cmd, 0))?.frameId).toBe(0);
    for (const v of [
      { ...panelCommandForTab(3, cmd), tabId: -1 },
      { ...panelCommandForTab(3, cmd), tabId: '3' },
      { ...panelCommandForTab(3, cmd), frameId: 1.5 },
      { ...panelCommandForTab(3, cmd), command: { ...cmd, name: 'block' } },
      { ...panelCommandForTab(3, cmd), command: undefined },
      { ...panelCommandForTab(3, cmd), v: 3 },
    ])
      expect(parsePanelCommandForTab(v)).toBeNull();
  });
});

describe('hook -> relay: HookCommandReply', () => {
  const reply = { v: V, t: 'command-reply', id: 5, name: 'hook-status', result: status };

  it('passes bounded counts, rebuilt: nothing else gets through', () => {
    const withExtras = {
      ...reply,
      html: '<b>',
      result: { ...status, url: 'https://evil.test/', nested: {} },
    };
    expect(parseHookCommandReply(withExtras)).toEqual(reply);
    expect(parseHookStatus({ ...status, extra: 1 })).toEqual(status);
    expect(Object.keys(parseHookStatus(status) ?? {})).toEqual([...HOOK_STATUS_FIELDS]);
  });

  it('refuses a wrong version, a bad id and any count that is not a bounded whole number', () => {
    const bad: unknown[] = [
      { ...reply, v: V - 1 },
      { ...reply, t: 'batch' },
      { ...reply, id: 0 },
      { ...reply, id: 2 ** 31 },
      { ...reply, id: '5' },
      { ...reply, name: 'other' },
      { ...reply, result: null },
      { ...reply, result: [] },
    ];
    for (const field of HOOK_STATUS_FIELDS) {
      const { [field]: _, ...missing } = status;
      bad.push({ ...reply, result: missing });
      for (const value of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '1', null, true])
        bad.push({ ...reply, result: { ...status, [field]: value } });
    }
    bad.push({ ...reply, result: { ...status, payloadCap: 1023 } });
    bad.push({ ...reply, result: { ...status, payloadCap: 512 * 1024 * 1024 + 1 } });
    for (const v of bad) expect(parseHookCommandReply(v), JSON.stringify(v)).toBeNull();
  });

  it("the relay's command to its hook carries the relay's id", () => {
    expect(hookCommand(9, 'hook-status', {})).toEqual({
      v: V,
      t: 'command',
      id: 9,
      name: 'hook-status',
      args: {},
    });
  });
});

describe('relay -> panel: CommandReply', () => {
  it('carries a result or an error, with the document that answered, and the panel adds tab and frame', () => {
    const ok = commandReply('p-1', 'hook-status', doc, { ok: true, result: status });
    expect(parseCommandReply(ok)).toEqual(ok);
    expect(readCommandReply(ok, 4, 2)).toEqual({ ...ok, tabId: 4, frameId: 2 });
    const failed = commandReply('p-1', 'hook-status', doc, { ok: false, error: 'no-hook' });
    expect(parseCommandReply(failed)).toEqual({
      v: V,
      t: 'command-reply',
      id: 'p-1',
      name: 'hook-status',
      doc,
      ok: false,
      error: 'no-hook',
    });
    expect(isCommandReplyKind(ok)).toBe(true);
    expect(isCommandReplyKind({ v: V, t: 'records' })).toBe(false);
  });

  it('refuses a reply with a bad document, result, error or id', () => {
    const ok = commandReply('p-1', 'hook-status', doc, { ok: true, result: status });
    for (const v of [
      { ...ok, v: V + 1 },
      { ...ok, id: 5 },
      { ...ok, doc: { ...doc, docId: '' } },
      { ...ok, doc: { ...doc, top: 'yes' } },
      { ...ok, doc: undefined },
      { ...ok, ok: 'yes' },
      { ...ok, result: { ...status, queued: -3 } },
      { ...ok, ok: false, error: 'pwned' },
      { ...ok, ok: false, error: undefined },
    ])
      expect(parseCommandReply(v)).toBeNull();
  });
});

describe('isOwnPanel: only the extension panel page may link or command', () => {
  const own = {
    id: 'dgkkbopnncgonlgblbbldleaaddkoicn',
    base: 'chrome-extension://dgkkbopnncgonlgblbbldleaaddkoicn/',
  };
  const panelUrl = `${own.base}panel.html`;

  it("accepts the panel in DevTools or popped out (Chrome: no tab either way), and Firefox's (no origin; a tab when popped out)", () => {
    expect(isOwnPanel({ id: own.id, url: panelUrl, origin: own.base.slice(0, -1) }, own)).toBe(true);
    expect(isOwnPanel({ id: own.id, url: `${panelUrl}?tabId=5`, origin: own.base.slice(0, -1) }, own)).toBe(
      true,
    );
    const ff = {
      id: 'wirescope@wirescope.dev',
      base: 'moz-extension://6f1c1f0e-1b2a-4c1e-9b7a-6f0a0d1b2c3d/',
    };
    expect(isOwnPanel({ id: ff.id, url: `${ff.base}panel.html#x` }, ff)).toBe(true);
    const poppedOut = { id: ff.id, url: `${ff.base}panel.html?tabId=5`, tab: { id: 9 } };
    expect(isOwnPanel(poppedOut, ff, { tabAllowed: true })).toBe(true);
  });

  it('refuses a sender with a tab unless told a popped-out panel has one (a content script always has one)', () => {
    const inTab = { id: own.id, url: panelUrl, tab: { id: 9 } };
    expect(isOwnPanel(inTab, own)).toBe(false);
    expect(isOwnPanel(inTab, own, { tabAllowed: true })).toBe(true);
    expect(isOwnPanel({ ...inTab, url: 'https://evil.test/panel.html' }, own, { tabAllowed: true })).toBe(
      false,
    );
  });

  it('refuses content scripts, other extension pages, other extensions and anything forged', () => {
    const forged: unknown[] = [
      undefined,
      {},
      // This extension's content script in a page (its URL is the page's): the relay of any frame.
      { id: own.id, url: 'https://evil.test/panel.html', tab: { id: 1 }, frameId: 0 },
      { id: own.id, url: `https://evil.test/${own.base}panel.html`, tab: { id: 1 } },
      // Another page of this extension, or something named like the panel.
      { id: own.id, url: `${own.base}devtools.html` },
      { id: own.id, url: `${own.base}panel.html.evil` },
      { id: own.id, url: `${own.base}x/panel.html` },
      // Another extension, or a look-alike origin.
      { id: 'otherextensionidotherextensionid', url: panelUrl },
      { id: own.id, url: 'chrome-extension://otherextensionidotherextensionid/panel.html' },
      { id: own.id, url: `${own.base.slice(0, -1)}x/panel.html` },
      { id: own.id, url: panelUrl, origin: 'https://evil.test' },
      { id: own.id, url: panelUrl, origin: 'null' },
      { id: own.id },
      { url: panelUrl },
      { id: [own.id], url: panelUrl },
      { id: own.id, url: { toString: () => panelUrl } },
    ];
    for (const sender of forged) expect(isOwnPanel(sender as never, own), JSON.stringify(sender)).toBe(false);
    expect(isOwnPanel({ id: own.id, url: panelUrl }, { id: own.id, base: own.base.slice(0, -1) })).toBe(
      false,
    );
  });
});
