import { describe, expect, it } from 'vitest';
import { capturePristine } from '../../lib/hook/pristine';
import { patchWebSocket } from '../../lib/hook/websocket';
import { fakeChannel, fakeDisguise } from './hook-fakes';

/** A WebSocket whose state the test sets: `buffered` is what it still has to send. */
class FakeWebSocket extends EventTarget {
  state = 0;
  buffered = 0;
  /** How often the hook read bufferedAmount. */
  bufferedReads = 0;
  constructor(readonly address: string) {
    super();
  }
  get url() {
    return this.address;
  }
  get protocol() {
    return '';
  }
  get extensions() {
    return '';
  }
  get readyState() {
    return this.state;
  }
  get binaryType() {
    return 'blob';
  }
  get bufferedAmount() {
    this.bufferedReads++;
    return this.buffered;
  }
  send(data: string) {
    if (this.state === 1) this.buffered += data.length;
  }
  close() {
    this.state = 2;
  }
}

class FakeCloseEvent extends Event {
  get code() {
    return 1000;
  }
  get reason() {
    return '';
  }
  get wasClean() {
    return true;
  }
}

/** Events as the browser makes them: page-made ones (plain `new MessageEvent`) are untrusted. */
class BrowserMessageEvent extends MessageEvent<unknown> {
  override get isTrusted() {
    return true;
  }
}
class BrowserCloseEvent extends FakeCloseEvent {
  override get isTrusted() {
    return true;
  }
}
class BrowserEvent extends Event {
  override get isTrusted() {
    return true;
  }
}

function setup() {
  const ch = fakeChannel();
  const win = Object.create(globalThis, {
    WebSocket: { value: FakeWebSocket, writable: true, configurable: true },
    CloseEvent: { value: FakeCloseEvent },
  }) as Window & typeof globalThis;
  const p = capturePristine(win);
  let nextId = 0;
  patchWebSocket(p, fakeDisguise, ch.channel, () => ++nextId);
  const open = (url: string) => {
    const ws = new win.WebSocket(url) as unknown as FakeWebSocket;
    ws.state = 1;
    return ws;
  };
  return { ch, open };
}

describe("WebSocket hook: the page's outbound backlog", () => {
  it('has none before any socket sent', () => {
    const t = setup();
    t.open('ws://127.0.0.1/a');
    expect(t.ch.hasBacklog()).toBe(false);
  });

  it('has one while a socket that sent still holds data, and none once it has gone', () => {
    const t = setup();
    const ws = t.open('ws://127.0.0.1/a');
    for (let i = 0; i < 3; i++) ws.send('message');
    expect(t.ch.hasBacklog()).toBe(true);
    ws.buffered = 0;
    expect(t.ch.hasBacklog()).toBe(false);
    // A drained socket is no longer asked until it sends again.
    const reads = ws.bufferedReads;
    expect(t.ch.hasBacklog()).toBe(false);
    expect(ws.bufferedReads).toBe(reads);
    ws.send('again');
    expect(t.ch.hasBacklog()).toBe(true);
  });

  it('watches each socket once, and ends when the last of several has drained', () => {
    const t = setup();
    const a = t.open('ws://127.0.0.1/a');
    const b = t.open('ws://127.0.0.1/b');
    for (let i = 0; i < 1000; i++) a.send('x');
    b.send('y');
    a.bufferedReads = 0;
    expect(t.ch.hasBacklog()).toBe(true);
    expect(a.bufferedReads).toBe(1);
    a.buffered = 0;
    expect(t.ch.hasBacklog()).toBe(true);
    b.buffered = 0;
    expect(t.ch.hasBacklog()).toBe(false);
  });

  it('a closed socket never counts: what it still holds will not be sent', () => {
    const t = setup();
    const ws = t.open('ws://127.0.0.1/a');
    ws.send('stuck');
    ws.close();
    expect(ws.buffered).toBeGreaterThan(0);
    expect(t.ch.hasBacklog()).toBe(false);
  });

  it('a send before the socket opens is not watched', () => {
    const t = setup();
    const ws = t.open('ws://127.0.0.1/a');
    ws.state = 0;
    ws.buffered = 10;
    ws.send('too early');
    expect(t.ch.hasBacklog()).toBe(false);
  });
});

describe("WebSocket hook: only the browser's events are traffic", () => {
  const kinds = (records: unknown[]) =>
    records.map((r) =>
      Array.isArray(r)
        ? `frame:${String(r[3])}`
        : `${(r as { type?: string; r: string }).type ?? (r as { r: string }).r}`,
    );

  it('records what the browser dispatches: open, messages, error and close', () => {
    const t = setup();
    const ws = t.open('ws://127.0.0.1/a');
    ws.dispatchEvent(new BrowserEvent('open'));
    ws.dispatchEvent(new BrowserMessageEvent('message', { data: 'from the server' }));
    ws.dispatchEvent(new BrowserEvent('error'));
    ws.dispatchEvent(new BrowserCloseEvent('close'));
    expect(kinds(t.ch.handOver())).toEqual(['conn', 'open', 'frame:from the server', 'error', 'close']);
  });

  it('ignores events a page script dispatches on its socket, which its own listeners still get', () => {
    const t = setup();
    const ws = t.open('ws://127.0.0.1/a');
    const pageSaw: string[] = [];
    for (const type of ['open', 'message', 'error', 'close'])
      ws.addEventListener(type, (e) => pageSaw.push(e.type));
    ws.dispatchEvent(new Event('open'));
    ws.dispatchEvent(new MessageEvent('message', { data: 'made by the page' }));
    ws.dispatchEvent(new Event('error'));
    ws.dispatchEvent(new FakeCloseEvent('close'));
    expect(pageSaw).toEqual(['open', 'message', 'error', 'close']);
    expect(kinds(t.ch.handOver())).toEqual(['conn']);
    // The socket is still open as far as the timeline knows: a real message after it is recorded.
    ws.dispatchEvent(new BrowserMessageEvent('message', { data: 'real' }));
    expect(kinds(t.ch.handOver())).toEqual(['conn', 'frame:real']);
  });
});
