import { describe, expect, it } from 'vitest';
import { capturePristine, type Pristine } from '../../lib/hook/pristine';
import { type HookRelayPort, openRelayPort } from '../../lib/hook/relay-port';
import { parseHookCommandReply } from '../../lib/wire/command';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';
import {
  HANDSHAKE_HOOK_READY,
  HANDSHAKE_RELAY_READY,
  type HookBatch,
  type HookConnection,
  type HookEvent,
  type HookMessage,
  type HookRecord,
  LAST_BATCH_EVENT_PREFIX,
} from '../../lib/wire/page-relay';
import { parseHookMessage } from '../../lib/wire/page-relay-read';

/** The channel as the tests drive it: records are plain objects here, not the hook's prototype-less ones. */
type TestChannel = Omit<HookRelayPort, 'emit'> & { emit(record: HookRecord): void };

/** The hook's offer event, as a browser's MessageEvent would carry it. */
class FakeMessageEvent extends Event {
  readonly ports: unknown[];
  constructor(type: string, init: { ports?: unknown[]; cancelable?: boolean }) {
    super(type, { cancelable: init.cancelable });
    this.ports = init.ports ?? [];
  }
}

class FakeChannel {
  static last: FakeChannel | null = null;
  port1: { onmessage: ((e: { data: unknown }) => void) | null } = { onmessage: null };
  port2 = {};
  constructor() {
    FakeChannel.last = this;
  }
}

/**
 * A channel over a fake window whose timers, idle callbacks and port are
 * driven by the test: every hand-over to the relay lands in `batches`.
 */
function setup(options: { idle?: boolean; relayPresent?: boolean } = {}) {
  // The fake window has the browser's MessageEvent, whose data getter the hook reads the relay's config through.
  const win = Object.assign(new EventTarget(), { MessageEvent });
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const idles: Array<{ fn: () => void; timeout: number }> = [];
  const batches: HookBatch[] = [];
  let relayPresent = options.relayPresent ?? true;
  win.addEventListener(HANDSHAKE_HOOK_READY, (e) => {
    if (relayPresent) e.preventDefault();
  });
  const p = {
    ...capturePristine(globalThis as unknown as Window & typeof globalThis),
    win,
    apply: Reflect.apply,
    isArray: Array.isArray,
    ArrayBufferCtor: ArrayBuffer,
    Float64ArrayCtor: Float64Array,
    arrayBufferSlice: ArrayBuffer.prototype.slice,
    addEventListener: EventTarget.prototype.addEventListener,
    removeEventListener: EventTarget.prototype.removeEventListener,
    dispatchEvent: EventTarget.prototype.dispatchEvent,
    stringSlice: String.prototype.slice,
    MessageEventCtor: FakeMessageEvent,
    CustomEventCtor: CustomEvent,
    MessageChannelCtor: FakeChannel,
    // Structured clone, as the real port does (the hook's records and lists are prototype-less).
    portPostMessage(msg: HookBatch) {
      batches.push(structuredClone(msg));
    },
    portStart() {},
    setTimeout: (fn: () => void, ms: number) => timers.push({ fn, ms }),
    requestIdleCallback:
      options.idle === false
        ? undefined
        : (fn: () => void, opts: { timeout: number }) => idles.push({ fn, timeout: opts.timeout }),
    now: () => 0,
    timeOrigin: 1_700_000_000_000,
  } as unknown as Pristine;
  const channel = openRelayPort(p) as TestChannel;
  const hookPort = FakeChannel.last?.port1;
  const runAll = (list: Array<{ fn: () => void }>) => {
    for (const item of list.splice(0)) item.fn();
  };
  return {
    channel,
    timers,
    idles,
    batches,
    runTimers: () => runAll(timers),
    runIdle: () => runAll(idles),
    win,
    /** The relay's config, as it arrives on the hook's port. */
    config(data: unknown) {
      hookPort?.onmessage?.(new MessageEvent('message', { data }));
    },
    /** The relay arrives later and announces itself, as the real one does. */
    relayArrives() {
      relayPresent = true;
      win.dispatchEvent(new Event(HANDSHAKE_RELAY_READY));
    },
  };
}

const open = (id: number): HookRecord => ({ r: 'ev', conn: id, time: id, type: 'open' });

describe('hook channel batching', () => {
  it('collects records for a window, then hands them over as one batch when the page is idle', () => {
    const t = setup();
    for (let i = 1; i <= 25; i++) t.channel.emit(open(i));
    expect(t.timers).toHaveLength(1);
    expect(t.timers[0]?.ms).toBe(50);
    expect(t.batches).toHaveLength(0);
    t.runTimers();
    expect(t.batches).toHaveLength(0);
    expect(t.idles).toHaveLength(1);
    // The idle deadline counts from the first record: window + timeout = 500 ms.
    expect(t.idles[0]?.timeout).toBe(450);
    t.runIdle();
    expect(t.batches).toHaveLength(1);
    expect(t.batches[0]?.records).toHaveLength(25);
    expect(t.batches[0]?.records[24]).toEqual(open(25));
  });

  it('starts a new window for records emitted after a hand-over', () => {
    const t = setup();
    t.channel.emit(open(1));
    t.runTimers();
    t.runIdle();
    t.channel.emit(open(2));
    t.channel.emit(open(3));
    expect(t.timers).toHaveLength(1);
    t.runTimers();
    t.runIdle();
    expect(t.batches.map((b) => b.records.length)).toEqual([1, 2]);
  });

  it('hands over at once past the record bound, keeping a single hand-over pending', () => {
    const t = setup();
    for (let i = 1; i <= 50_000; i++) t.channel.emit(open(i));
    expect(t.batches).toHaveLength(1);
    expect(t.batches[0]?.records).toHaveLength(50_000);
    for (let i = 1; i <= 10; i++) t.channel.emit(open(i));
    // The window opened by the first record is still the only one pending.
    expect(t.timers).toHaveLength(1);
    t.runTimers();
    t.runIdle();
    expect(t.batches.map((b) => b.records.length)).toEqual([50_000, 10]);
    expect(t.timers).toHaveLength(0);
    expect(t.idles).toHaveLength(0);
  });

  it('hands over at once past the byte bound', () => {
    const t = setup();
    const body = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 7; i++) t.channel.emit({ r: 'ev', conn: 1, time: i, type: 'receive', body });
    expect(t.batches).toHaveLength(0);
    t.channel.emit({ r: 'ev', conn: 1, time: 8, type: 'receive', body });
    expect(t.batches).toHaveLength(1);
    expect(t.batches[0]?.records).toHaveLength(8);
  });

  it('hands over when the window ends where there is no requestIdleCallback', () => {
    const t = setup({ idle: false });
    t.channel.emit(open(1));
    expect(t.batches).toHaveLength(0);
    t.runTimers();
    expect(t.batches).toHaveLength(1);
  });

  it('keeps records until the relay arrives, then delivers them in order', () => {
    const t = setup({ relayPresent: false });
    t.channel.emit(open(1));
    t.channel.emit(open(2));
    t.runTimers();
    t.runIdle();
    expect(t.batches).toHaveLength(0);
    t.relayArrives();
    expect(t.batches).toHaveLength(1);
    expect(t.batches[0]?.records).toEqual([open(1), open(2)]);
  });

  it('makes late records at hand-over, in their place among the others', () => {
    const t = setup();
    const made: string[] = [];
    const late = (source: object, key: number): HookRecord => {
      const { text } = source as { text: string };
      made.push(text);
      return { r: 'ev', conn: key, time: key, type: 'receive', body: text };
    };
    const source = { text: 'first' };
    t.channel.emit(open(1));
    t.channel.emitLate(late, source, 2);
    t.channel.emit(open(3));
    t.channel.emitLate(late, { text: 'second' }, 4);
    // Nothing is read while the page is busy: the source may still be filled in until hand-over.
    source.text = 'first, as at hand-over';
    expect(made).toEqual([]);
    t.runTimers();
    t.runIdle();
    expect(made).toEqual(['first, as at hand-over', 'second']);
    expect(t.batches[0]?.records).toEqual([
      open(1),
      { r: 'ev', conn: 2, time: 2, type: 'receive', body: 'first, as at hand-over' },
      open(3),
      { r: 'ev', conn: 4, time: 4, type: 'receive', body: 'second' },
    ]);
  });

  it('packs consecutive frames into runs of numbers and bodies, split by the other records', () => {
    const t = setup();
    const lateFrame = (source: object, key: number): HookMessage => [
      0,
      key,
      11 + key,
      (source as { text: string }).text,
      0,
    ];
    const bytes = new ArrayBuffer(3);
    t.channel.emit(open(1));
    t.channel.emit([1, 1, 10.5, 'sent', 0]);
    t.channel.emitLate(lateFrame, { text: 'a' }, 1);
    t.channel.emitLate(() => undefined, {}, 9);
    t.channel.emitLate(lateFrame, { text: 'b' }, 2);
    t.channel.emit(open(3));
    t.channel.emit([1, 3, 14.25, bytes, 2]);
    t.runTimers();
    t.runIdle();
    const records = t.batches[0]?.records ?? [];
    expect(records.map((r) => r.r)).toEqual(['ev', 'run', 'ev', 'run']);
    const runs = records.filter((r) => r.r === 'run');
    expect(runs.map((r) => [...new Float64Array(r.fields)])).toEqual([
      [1, 1, 10.5, 0, 0, 1, 12, 0, 0, 2, 13, 0],
      [1, 3, 14.25, 2],
    ]);
    expect(runs.map((r) => r.bodies)).toEqual([['sent', 'a', 'b'], [bytes]]);
    // A late record that could not be made is counted and does not split its run.
    expect(t.batches[0]?.dropped).toBe(1);
  });

  it('counts a late record that cannot be made as dropped, and delivers the rest', () => {
    const t = setup();
    t.channel.emitLate(() => undefined, {}, 1);
    t.channel.emitLate(
      () => {
        throw new Error('unreadable');
      },
      {},
      2,
    );
    t.channel.emit(open(3));
    t.runTimers();
    t.runIdle();
    expect(t.batches[0]?.records).toEqual([open(3)]);
    expect(t.batches[0]?.dropped).toBe(2);
  });

  it('counts late records toward the record bound and starts afresh after a hand-over', () => {
    const t = setup();
    let calls = 0;
    const late = (_: object, key: number): HookRecord => {
      calls++;
      return open(key);
    };
    for (let i = 1; i <= 50_000; i++) t.channel.emitLate(late, {}, i);
    expect(t.batches).toHaveLength(1);
    expect(t.batches[0]?.records).toHaveLength(50_000);
    expect(t.batches[0]?.records[49_999]).toEqual(open(50_000));
    t.channel.emitLate(late, {}, 7);
    t.runTimers();
    t.runIdle();
    expect(t.batches[1]?.records).toEqual([open(7)]);
    expect(calls).toBe(50_001);
  });

  it('counts the bytes a late record holds toward the byte bound', () => {
    const t = setup();
    const late = (_: object, key: number): HookRecord => open(key);
    // A body's text of 4 MiB (UTF-16: 8 MiB held) waits for hand-over; the second reaches 16 MiB.
    t.channel.emitLate(late, {}, 1, 8 * 1024 * 1024);
    expect(t.batches).toHaveLength(0);
    t.channel.emitLate(late, {}, 2, 8 * 1024 * 1024);
    expect(t.batches).toHaveLength(1);
    expect(t.batches[0]?.records).toEqual([open(1), open(2)]);
    // The bound starts afresh after the hand-over.
    t.channel.emitLate(late, {}, 3, 8 * 1024 * 1024);
    expect(t.batches).toHaveLength(1);
  });

  it('keeps late records until the relay arrives, and drops (counted) past the undelivered bound', () => {
    const t = setup({ relayPresent: false });
    const late = (_: object, key: number): HookRecord => open(key);
    for (let i = 1; i <= 50_002; i++) t.channel.emitLate(late, {}, i);
    t.relayArrives();
    expect(t.batches).toHaveLength(1);
    expect(t.batches[0]?.records).toHaveLength(50_000);
    expect(t.batches[0]?.records[0]).toEqual(open(1));
    expect(t.batches[0]?.dropped).toBe(2);
  });
});

describe("hook channel: the page's outbound backlog", () => {
  /** A channel whose backlog probe answers with `pending.value`, counting its calls. */
  const withProbe = () => {
    const t = setup();
    const pending = { value: false, asked: 0 };
    t.channel.watchBacklog(() => {
      pending.asked++;
      return pending.value;
    });
    const handOver = () => {
      t.runTimers();
      t.runIdle();
    };
    return { ...t, pending, handOver };
  };

  it('says nothing of a backlog while there is none', () => {
    const t = withProbe();
    t.channel.emit(open(1));
    t.handOver();
    expect(t.batches).toHaveLength(1);
    expect(t.batches[0]).not.toHaveProperty('backlog');
    expect(t.pending.asked).toBe(1);
    // No poll is left running.
    expect(t.timers).toHaveLength(0);
  });

  it('marks batches while the sockets hold unsent data, polls, and tells once when it has gone', () => {
    const t = withProbe();
    t.pending.value = true;
    t.channel.emit(open(1));
    t.handOver();
    expect(t.batches.map((b) => [b.records.length, b.backlog])).toEqual([[1, true]]);
    // A poll is armed; while the backlog lasts and nothing is queued, polls send nothing.
    expect(t.timers.map((x) => x.ms)).toEqual([50]);
    t.runTimers();
    t.runTimers();
    expect(t.batches).toHaveLength(1);
    expect(t.timers).toHaveLength(1);
    // Records queued meanwhile wait for the page to be idle, as always, and still say so.
    t.channel.emit(open(2));
    t.runTimers();
    expect(t.batches).toHaveLength(1);
    t.runIdle();
    expect(t.batches.map((b) => [b.records.length, b.backlog])).toEqual([
      [1, true],
      [1, true],
    ]);
    // It drains: the next poll sends an empty batch saying so, and polling stops.
    t.pending.value = false;
    t.runTimers();
    expect(t.batches[2]).toEqual({ v: PROTOCOL_VERSION, t: 'batch', records: [], backlog: false });
    expect(t.timers).toHaveLength(0);
    // Later batches say nothing of it.
    t.channel.emit(open(3));
    t.handOver();
    expect(t.batches[3]).not.toHaveProperty('backlog');
  });

  it('a probe that throws counts as no backlog and never reaches the page', () => {
    const t = setup();
    t.channel.watchBacklog(() => {
      throw new Error('page replaced a getter');
    });
    t.channel.emit(open(1));
    t.runTimers();
    expect(() => t.runIdle()).not.toThrow();
    expect(t.batches).toHaveLength(1);
    expect(t.batches[0]).not.toHaveProperty('backlog');
  });
});

/** The browser's own pagehide (a page script's is untrusted). */
class PageHide extends Event {
  constructor() {
    super('pagehide');
  }
  override get isTrusted() {
    return true;
  }
}

describe('hook channel: the last batch when the page goes away', () => {
  const type = `${LAST_BATCH_EVENT_PREFIX}0123456789abcdef`;
  const lastBatches = (win: EventTarget, eventType = type) => {
    const got: unknown[] = [];
    win.addEventListener(eventType, (e) => got.push((e as CustomEvent).detail));
    return got;
  };
  /** A channel the relay has sent its type, and the last batches dispatched with it. */
  const configured = () => {
    const t = setup();
    t.config({ v: PROTOCOL_VERSION, t: 'config', payloadCap: 2048, lastBatchEvent: type });
    return { ...t, got: lastBatches(t.win) };
  };

  it("hands what is still queued to the relay as an event of the relay's secret type, and nothing twice", () => {
    const { got, ...t } = configured();
    t.channel.emit(open(1));
    t.channel.emit(open(2));
    t.win.dispatchEvent(new PageHide());
    expect(t.batches).toHaveLength(0);
    expect(got).toHaveLength(1);
    const parsed = parseHookMessage(got[0]);
    expect(parsed.kind === 'batch' && parsed.records).toEqual([open(1), open(2)]);
    // The pending hand-over finds nothing left; a page restored from the back/forward cache goes on as before.
    t.runTimers();
    t.runIdle();
    expect(t.batches).toHaveLength(0);
    t.channel.emit(open(3));
    t.runTimers();
    t.runIdle();
    expect(t.batches.map((b) => b.records)).toEqual([[open(3)]]);
    t.win.dispatchEvent(new PageHide());
    expect(got).toHaveLength(1);
  });

  it('makes late records and counts what could not be made, as a port batch does', () => {
    const { got, ...t } = configured();
    t.channel.emitLate(() => open(7), {}, 0);
    t.channel.emitLate(() => undefined, {}, 0);
    t.win.dispatchEvent(new PageHide());
    expect(got).toEqual([{ v: PROTOCOL_VERSION, t: 'batch', records: [open(7)], dropped: 1 }]);
  });

  it("dispatches nothing before the relay sent its type, or when the type is not the relay's kind", () => {
    for (const config of [
      { v: PROTOCOL_VERSION, t: 'config', payloadCap: 2048 },
      { v: PROTOCOL_VERSION, t: 'config', payloadCap: 2048, lastBatchEvent: 'click' },
      { v: PROTOCOL_VERSION, t: 'config', payloadCap: 2048, lastBatchEvent: 42 },
      { v: PROTOCOL_VERSION, t: 'config', payloadCap: 2048, lastBatchEvent: `${type}${'x'.repeat(100)}` },
      { v: 999, t: 'config', payloadCap: 2048, lastBatchEvent: type },
    ]) {
      const t = setup();
      t.config(config);
      const got = lastBatches(t.win);
      const gotAsClick = lastBatches(t.win, 'click');
      t.channel.emit(open(1));
      t.win.dispatchEvent(new PageHide());
      expect([...got, ...gotAsClick], JSON.stringify(config)).toEqual([]);
      // The records still go the usual way.
      t.runTimers();
      t.runIdle();
      expect(t.batches.map((b) => b.records)).toEqual([[open(1)]]);
    }
  });

  it("ignores a page script's own pagehide event", () => {
    const { got, ...t } = configured();
    t.channel.emit(open(1));
    t.win.dispatchEvent(new Event('pagehide'));
    expect(got).toEqual([]);
    t.runTimers();
    t.runIdle();
    expect(t.batches.map((b) => b.records)).toEqual([[open(1)]]);
  });

  it('dispatches nothing when nothing is queued', () => {
    const { got, ...t } = configured();
    t.win.dispatchEvent(new PageHide());
    expect(got).toEqual([]);
  });
});

describe('hook channel: commands from the relay', () => {
  const command = (id: unknown, extra: object = {}) => ({
    v: PROTOCOL_VERSION,
    t: 'command',
    id,
    name: 'hook-status',
    args: {},
    ...extra,
  });
  /** What the hook posted on its port besides batches: its replies, read as the relay reads them. */
  const replies = (t: ReturnType<typeof setup>) =>
    (t.batches as unknown[])
      .filter((m) => (m as { t: string }).t === 'command-reply')
      .map(parseHookCommandReply);
  const conn = (id: number, transport: HookConnection['transport']): HookRecord => ({
    r: 'conn',
    id,
    time: id,
    transport,
    url: 'https://app.test/',
  });
  const ev = (id: number, type: HookEvent['type']): HookRecord => ({ r: 'ev', conn: id, time: id, type });

  it('answers hook-status on its port, under the relay id, with its counters', () => {
    const t = setup();
    t.config({ v: PROTOCOL_VERSION, t: 'config', payloadCap: 4096 });
    t.channel.emit(conn(1, 'websocket'));
    t.channel.emit(ev(1, 'open'));
    t.channel.emit([1, 1, 5, 'hi', 0]);
    t.channel.emit(conn(2, 'websocket'));
    t.channel.emit(ev(2, 'error'));
    t.channel.emit(ev(2, 'close'));
    t.channel.emit(conn(3, 'eventsource'));
    t.channel.emit(ev(3, 'error'));
    t.channel.emit(conn(4, 'fetch'));
    t.channel.emit(conn(5, 'xhr'));
    t.channel.emit(ev(5, 'error'));
    t.channel.emit(conn(6, 'xhr'));
    t.channel.emit(ev(6, 'close'));
    t.runTimers();
    t.runIdle();
    t.channel.emit(ev(1, 'receive'));
    t.channel.emitLate(() => undefined, {}, 0);
    t.config(command(7));
    expect(replies(t)).toEqual([
      {
        v: PROTOCOL_VERSION,
        t: 'command-reply',
        id: 7,
        name: 'hook-status',
        result: {
          captured: 15,
          dropped: 0,
          queued: 2,
          batches: 1,
          payloadCap: 4096,
          // Socket 2 closed; the event source's error is a reconnect; fetch 4 is in flight, xhr 5 and 6 ended.
          openWebSockets: 1,
          openEventSources: 1,
          httpInFlight: 1,
          commandsAnswered: 1,
        },
      },
    ]);
    // The late record that could not be made is dropped, and the count stays whole after it was told.
    t.runTimers();
    t.runIdle();
    t.config(command(8));
    expect(replies(t)[1]?.result).toMatchObject({ dropped: 1, queued: 0, batches: 2, commandsAnswered: 2 });
  });

  it('answers nothing that is not a command of its protocol with a relay id', () => {
    const t = setup();
    for (const bad of [
      command(0),
      command(-1),
      command(1.5),
      command('1'),
      command(2 ** 31),
      command(1, { v: PROTOCOL_VERSION + 1 }),
      command(1, { name: 'send' }),
      command(1, { t: 'command-reply' }),
      null,
      'command',
    ])
      t.config(bad);
    expect(replies(t)).toEqual([]);
    t.config(command(2 ** 31 - 1));
    expect(replies(t)).toHaveLength(1);
  });

  it('a command on the window, however shaped, is not answered: only the port is heard', () => {
    const t = setup();
    const data = command(1);
    t.win.dispatchEvent(new MessageEvent('message', { data }));
    t.win.dispatchEvent(new CustomEvent('message', { detail: data }));
    t.win.dispatchEvent(new FakeMessageEvent(HANDSHAKE_HOOK_READY, { ports: [{}], cancelable: true }));
    t.win.dispatchEvent(new Event(HANDSHAKE_RELAY_READY));
    expect(replies(t)).toEqual([]);
    t.config(command(2));
    expect(replies(t)[0]?.result.commandsAnswered).toBe(1);
  });
});
