import { describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../../lib/model';
import { RelayCore, type RelaySubscription } from '../../lib/relay/core';
import { History, type KeptItem } from '../../lib/relay/history';
import { MAX_STORED_TEXT, storeRun } from '../../lib/relay/stored-run';
import { TimelineStore } from '../../lib/timeline/store';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';
import { parseRecordsMessage, type RecordsMessage, type RecordsWire } from '../../lib/wire/records';
import { MAX_RUNTIME_MESSAGE_BYTES } from '../../lib/wire-size';

const doc = { docId: 'doc-1', url: 'http://127.0.0.1/', title: '', top: true, startedAt: 1 };

/** A sent message as the panel reads it: checked by the protocol, runs unpacked. */
function asPanelReads(m: RecordsWire): RecordsMessage {
  const parsed = parseRecordsMessage(JSON.parse(JSON.stringify(m)));
  if (!parsed) throw new Error('the relay sent a message the panel rejects');
  return parsed;
}

function makeCore(options: { maxEvents?: number; maxBytes?: number } = {}) {
  /** Messages as sent (what crosses the port). */
  const wire: RecordsWire[] = [];
  /** The same, as the panel reads them. */
  const sent: RecordsMessage[] = [];
  const core = new RelayCore({ doc, ...options });
  let subscription: RelaySubscription | null = null;
  const subscribe = () => {
    subscription = core.subscribe((m) => {
      wire.push(m);
      sent.push(asPanelReads(m));
    });
  };
  const unsubscribe = () => subscription?.unsubscribe();
  return { core, wire, sent, records: () => sent.flatMap((m) => m.records), subscribe, unsubscribe };
}

const conn = (id = 1) => ({ r: 'conn', id, time: 10, transport: 'websocket', url: 'ws://127.0.0.1/x' });
const ev = (body?: unknown, extra: Record<string, unknown> = {}) => ({
  r: 'ev',
  conn: 1,
  time: 11,
  type: 'receive',
  ...(body === undefined ? {} : { body }),
  ...extra,
});
const batch = (records: unknown[], extra: Record<string, unknown> = {}) => ({
  v: PROTOCOL_VERSION,
  t: 'batch',
  records,
  ...extra,
});

describe('RelayCore', () => {
  it("passes on what the hook says of the page's outbound backlog, with the records", () => {
    const { core, subscribe } = makeCore();
    subscribe();
    expect(core.acceptHookMessage(batch([conn(), ev('a')], { backlog: true }))).toEqual({
      queued: 2,
      backlog: true,
    });
    expect(core.acceptHookMessage(batch([], { backlog: false }))).toEqual({ queued: 0, backlog: false });
    expect(core.acceptHookMessage(batch([ev('b')]))).toEqual({ queued: 1, backlog: undefined });
    // A malformed flag makes the message invalid, as any malformed field does.
    expect(core.acceptHookMessage(batch([ev('c')], { backlog: 'yes' }))).toEqual({
      queued: 0,
      backlog: undefined,
    });
    expect(core.lossCounters.invalid).toBe(1);
  });

  it('numbers records densely and keeps them until a panel subscribes, then replays and streams', () => {
    const { core, sent, records, subscribe } = makeCore();
    expect(core.acceptHookMessage(batch([conn(), ev('a'), ev('b')])).queued).toBe(0);
    core.flush();
    expect(sent).toHaveLength(0);

    subscribe();
    core.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.replayed).toBe(true);
    expect(sent[0]?.doc).toEqual(doc);
    expect(records().map((r) => r.seq)).toEqual([1, 2, 3]);

    expect(core.acceptHookMessage(batch([ev('c')])).queued).toBe(1);
    core.flush();
    expect(sent).toHaveLength(2);
    expect(sent[1]?.replayed).toBeUndefined();
    expect(sent[1]?.records.map((r) => r.seq)).toEqual([4]);
  });

  it('stores each frame of a run as its own numbered record, in order with the others', () => {
    const { core, records, subscribe } = makeCore();
    const run = {
      r: 'run',
      fields: new Float64Array([0, 1, 12, 0, 1, 1, 13.5, 0]).buffer,
      bodies: ['in', 'out'],
    };
    subscribe();
    expect(core.acceptHookMessage(batch([conn(), run, ev('after')])).queued).toBe(4);
    core.flush();
    const text = (r: CaptureRecord) => (r.r === 'ev' && r.data && 'text' in r.data ? r.data.text : '');
    expect(records().map((r) => [r.seq, r.r === 'ev' ? `${r.type} ${r.time} ${text(r)}` : r.r])).toEqual([
      [1, 'conn'],
      [2, 'receive 12 in'],
      [3, 'send 13.5 out'],
      [4, 'receive 11 after'],
    ]);
  });

  it('sends a stretch of text frames as one run by column, which the panel reads back as the same records', () => {
    const { core, wire, records, subscribe } = makeCore();
    const frames = 500;
    const fields = new Float64Array(frames * 4);
    for (let i = 0; i < frames; i++) fields.set([i % 2, 1, 20 + i, 0], i * 4);
    const run = {
      r: 'run',
      fields: fields.buffer,
      bodies: Array.from({ length: frames }, (_, i) => `m${i}`),
    };
    core.acceptHookMessage(batch([conn(), run, ev(new Uint8Array([1]).buffer)]));
    subscribe();
    core.flush();
    expect(wire[0]?.records.map((r) => r.r)).toEqual(['conn', 'run', 'ev']);
    const got = records();
    expect(got).toHaveLength(frames + 2);
    expect(got.map((r) => r.seq)).toEqual(Array.from({ length: frames + 2 }, (_, i) => i + 1));
    expect(got[frames]).toEqual({
      r: 'ev',
      seq: frames + 1,
      time: 20 + frames - 1,
      conn: 1,
      type: 'send',
      bodyKind: 'text',
      data: { text: `m${frames - 1}` },
      size: 4,
      truncated: false,
    });
  });

  it('a record that cannot be read is counted and the rest of its batch kept, with no sequence gap', () => {
    const { core, records, subscribe } = makeCore();
    const detached = new ArrayBuffer(8);
    structuredClone(detached, { transfer: [detached] });
    core.acceptHookMessage(batch([conn(), ev(detached), ev('after')]));
    subscribe();
    core.flush();
    expect(records().map((r) => r.seq)).toEqual([1, 2]);
    expect(records()[1]).toMatchObject({ data: { text: 'after' } });
    expect(core.lossCounters.invalid).toBe(1);
  });

  it('sends an empty replay so the panel learns about a quiet document', () => {
    const { core, sent, subscribe } = makeCore();
    subscribe();
    core.flush();
    expect(sent).toEqual([
      {
        v: PROTOCOL_VERSION,
        t: 'records',
        doc,
        loss: { evicted: 0, dropped: 0, invalid: 0 },
        records: [],
        replayed: true,
      },
    ]);
  });

  it('replays the whole retained history again after a resubscribe', () => {
    const { core, sent, subscribe, unsubscribe } = makeCore();
    core.acceptHookMessage(batch([conn(), ev('a')]));
    subscribe();
    core.flush();
    core.acceptHookMessage(batch([ev('b')]));
    core.flush();
    unsubscribe();
    core.acceptHookMessage(batch([ev('while nobody listens')]));
    core.flush();
    expect(sent).toHaveLength(2);
    subscribe();
    core.flush();
    const replay = sent[2];
    expect(replay?.replayed).toBe(true);
    expect(replay?.records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  });

  it('streams to each subscriber on its own: each gets the replay from when it came, and leaving stops only its stream', () => {
    const core = new RelayCore({ doc });
    const first: RecordsMessage[] = [];
    const second: RecordsMessage[] = [];
    const seqs = (sent: RecordsMessage[]) => sent.flatMap((m) => m.records.map((r) => r.seq));
    core.acceptHookMessage(batch([conn(), ev('a')]));
    const one = core.subscribe((m) => first.push(asPanelReads(m)));
    core.flush();
    core.acceptHookMessage(batch([ev('b')]));
    core.subscribe((m) => second.push(asPanelReads(m)));
    core.flush();
    expect(seqs(first)).toEqual([1, 2, 3]);
    expect(seqs(second)).toEqual([1, 2, 3]);
    expect(second[0]?.replayed).toBe(true);
    expect(first.filter((m) => m.replayed)).toHaveLength(1);

    one.unsubscribe();
    expect(core.acceptHookMessage(batch([ev('c')])).queued).toBe(1);
    core.flush();
    expect(seqs(first)).toEqual([1, 2, 3]);
    expect(seqs(second)).toEqual([1, 2, 3, 4]);
    expect(core.hasOutgoing).toBe(false);
  });

  it('a subscriber whose send throws (its port already closed) is dropped; the others still get theirs', () => {
    const core = new RelayCore({ doc });
    const alive: RecordsMessage[] = [];
    let calls = 0;
    core.subscribe(() => {
      calls++;
      throw new Error('Attempting to use a disconnected port object');
    });
    core.subscribe((m) => alive.push(asPanelReads(m)));
    core.acceptHookMessage(batch([conn(), ev('a')]));
    expect(() => core.flush()).not.toThrow();
    expect(alive.flatMap((m) => m.records.map((r) => r.seq))).toEqual([1, 2]);
    // The records, then a message of none: that one failing too says the port is gone.
    expect(calls).toBe(2);
    expect(core.acceptHookMessage(batch([ev('b')])).queued).toBe(1);
    core.flush();
    expect(calls).toBe(2);
    expect(core.hasOutgoing).toBe(false);
  });

  it('drops and counts malformed messages and records without throwing', () => {
    const { core, sent, subscribe } = makeCore();
    const garbage: unknown[] = [
      null,
      undefined,
      42,
      'batch',
      [],
      {},
      { v: PROTOCOL_VERSION + 1, t: 'batch', records: [] },
      { v: PROTOCOL_VERSION, t: 'config', records: [] },
      { v: PROTOCOL_VERSION, t: 'batch', records: {} },
      { v: PROTOCOL_VERSION, t: 'batch', records: [], dropped: -1 },
      { v: PROTOCOL_VERSION, t: 'batch', records: [], dropped: 'many' },
      { v: String(PROTOCOL_VERSION), t: 'batch', records: [] },
    ];
    for (const g of garbage) expect(() => core.acceptHookMessage(g)).not.toThrow();
    expect(core.lossCounters.invalid).toBe(garbage.length);

    const badRecords: unknown[] = [
      null,
      7,
      'conn',
      [],
      { r: 'conn' },
      { ...conn(), id: -1 },
      { ...conn(), id: 1.5 },
      { ...conn(), transport: 'carrier-pigeon' },
      { ...conn(), url: 7 },
      { ...conn(), time: Number.NaN },
      { ...conn(), time: -5 },
      { ...conn(), requestedProtocols: [1, 2] },
      { ...conn(), method: ['GET'] },
      { ...ev('x'), type: 'explode' },
      { ...ev('x'), conn: '1' },
      ev(12345),
      ev({ text: 'not a body' }),
      ev('x', { fullSize: -3 }),
      ev('x', { code: 70_000 }),
      ev('x', { closedBy: 'nobody' }),
      ev('x', { responseHeaders: [['only-name']] }),
      { r: 'other' },
    ];
    core.acceptHookMessage(batch([conn(), ...badRecords, ev('kept')], { dropped: 3 }));
    expect(core.lossCounters).toEqual({
      evicted: 0,
      dropped: 3,
      invalid: garbage.length + badRecords.length,
    });
    subscribe();
    core.flush();
    expect(sent[0]?.records.map((r) => r.r)).toEqual(['conn', 'ev']);
    expect(sent[0]?.loss.invalid).toBe(garbage.length + badRecords.length);
  });

  it('survives random junk without throwing', () => {
    const { core, subscribe } = makeCore();
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const junk = (depth: number): unknown => {
      const k = Math.floor(rand() * 9);
      if (depth > 3 || k === 0)
        return [null, undefined, true, -1, 1e308, '', 'ev', 'conn'][Math.floor(rand() * 8)];
      if (k < 4) return Array.from({ length: Math.floor(rand() * 4) }, () => junk(depth + 1));
      const keys = [
        'v',
        't',
        'r',
        'records',
        'id',
        'conn',
        'time',
        'type',
        'url',
        'transport',
        'body',
        'dropped',
      ];
      return Object.fromEntries(keys.filter(() => rand() < 0.5).map((key) => [key, junk(depth + 1)]));
    };
    for (let i = 0; i < 2000; i++) {
      const message = rand() < 0.5 ? junk(0) : batch(Array.from({ length: 5 }, () => junk(1)));
      expect(() => core.acceptHookMessage(message)).not.toThrow();
    }
    expect(() => {
      subscribe();
      core.flush();
    }).not.toThrow();
  });

  it('splits a large backlog into bounded messages, in order', () => {
    const { core, sent, records, subscribe } = makeCore();
    const many = [conn(), ...Array.from({ length: 4999 }, (_, i) => ev(`m${i}`))];
    core.acceptHookMessage(batch(many));
    subscribe();
    core.flush();
    expect(sent.length).toBeGreaterThan(2);
    for (const m of sent) expect(m.records.length).toBeLessThanOrEqual(2000);
    expect(records().map((r) => r.seq)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    expect(sent.filter((m) => m.replayed)).toHaveLength(1);
  });

  it('holds records behind a Blob being read, then sends them in capture order', async () => {
    const { core, sent, records, subscribe } = makeCore();
    subscribe();
    core.flush();
    sent.length = 0;
    core.acceptHookMessage(batch([conn(), ev('before'), ev(new Blob(['blob body'])), ev('after')]));
    core.flush();
    // The Blob is not read yet: only what precedes it may go.
    expect(records().map((r) => r.seq)).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, 20));
    core.flush();
    const all = records() as Extract<CaptureRecord, { r: 'ev' }>[];
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(all[2]?.data).toEqual({ base64: Buffer.from('blob body').toString('base64') });
    expect(all[2]?.size).toBe(9);
    expect(core.hasOutgoing).toBe(false);
  });

  it('counts history evictions in its loss counters; the connection outlives its evicted events', () => {
    const { core, sent, subscribe } = makeCore({ maxEvents: 5 });
    core.acceptHookMessage(batch([conn(), ...Array.from({ length: 7 }, (_, i) => ev(`e${i}`))]));
    expect(core.lossCounters.evicted).toBe(2);
    subscribe();
    core.flush();
    expect(sent[0]?.records.map((r) => r.seq)).toEqual([1, 4, 5, 6, 7, 8]);
    expect(sent[0]?.loss.evicted).toBe(2);
  });
});

/** A panel's store fed with what a relay sends (as parsed from JSON, the way Chrome delivers it). */
function panelOf(core: RelayCore, send?: (json: string) => void) {
  const store = new TimelineStore();
  const messages: string[] = [];
  const subscription = core.subscribe((m) => {
    const json = JSON.stringify(m);
    send?.(json);
    messages.push(json);
    const parsed = parseRecordsMessage(JSON.parse(json));
    if (!parsed) throw new Error('the relay sent a message the panel rejects');
    store.ingest({ ...parsed, t: 'panel-records', tabId: 1, frameId: 0 });
  });
  return { store, messages, subscription };
}

/** What Chrome does with a runtime message over its limit: the send throws. */
function chromeLimit(limit = MAX_RUNTIME_MESSAGE_BYTES) {
  return (json: string) => {
    if (Buffer.byteLength(json, 'utf8') > limit)
      throw new Error('Message length exceeded maximum allowed length.');
  };
}

describe('RelayCore: every message fits the browser, and a failed send ends nothing', () => {
  const MIB = 1024 * 1024;

  it('sizes messages by their JSON (headers and escapes included), live and on replay, so none exceeds the limit', () => {
    const core = new RelayCore({ doc });
    core.payloadCap = 4 * MIB;
    const live = panelOf(core, chromeLimit());
    core.flush();
    // 700 request headers of 99,000 characters (69 MB), then bodies that JSON escapes to six times their size.
    const headers = Array.from({ length: 700 }, (_, i) => [`x-huge-${i}`, 'v'.repeat(99_000)]);
    const fetchConn = {
      r: 'conn',
      id: 2,
      time: 10,
      transport: 'fetch',
      url: 'http://127.0.0.1/sink',
      requestHeaders: headers,
    };
    const controls = Array.from({ length: 6 }, () => ev('\u0001'.repeat(1_500_000)));
    core.acceptHookMessage(batch([conn(), fetchConn, ...controls, ev('after')]));
    core.flush();
    const late = panelOf(core, chromeLimit());
    core.flush();
    for (const panel of [live, late]) {
      expect(panel.store.events.map((e) => e.record.seq)).toEqual([3, 4, 5, 6, 7, 8, 9]);
      expect(panel.store.connections).toHaveLength(2);
      expect(panel.store.lost).toEqual({ missing: 0, dropped: 0, invalid: 0, orphaned: 0 });
      for (const json of panel.messages) {
        const bytes = Buffer.byteLength(json, 'utf8');
        expect(bytes).toBeLessThanOrEqual(MAX_RUNTIME_MESSAGE_BYTES);
        // Several records share a message only within the 8 MiB share.
        if ((JSON.parse(json) as RecordsWire).records.length > 1)
          expect(bytes).toBeLessThanOrEqual(8 * MIB + 4096);
      }
    }
    const cut = live.store.connections[1]?.record;
    expect(cut?.truncatedFields).toEqual(['requestHeaders']);
    expect(cut?.requestHeaders?.[0]).toEqual(['x-huge-0', 'v'.repeat(99_000)]);
  });

  it('a send that throws for size is not a closed port: halves go, a record too big alone goes bare and marked, and the stream goes on', () => {
    const core = new RelayCore({ doc });
    // A browser whose limit is 50 kB, so ordinary records meet it.
    const panel = panelOf(core, chromeLimit(50_000));
    core.acceptHookMessage(
      batch([
        conn(),
        ...Array.from({ length: 10 }, (_, i) => ev(`${i}`.repeat(20_000))),
        ev('x'.repeat(200_000)),
        ev('after'),
      ]),
    );
    core.flush();
    expect(panel.store.events.map((e) => e.record.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
    const bare = panel.store.events[10]?.record;
    expect(bare).toMatchObject({ type: 'receive', data: { text: '' }, size: 200_000, truncated: true });
    expect(panel.store.events[11]?.record.data).toEqual({ text: 'after' });
    expect(panel.store.lost.missing).toBe(0);
    for (const json of panel.messages) expect(json.length).toBeLessThanOrEqual(50_000);
    core.acceptHookMessage(batch([ev('later')]));
    core.flush();
    expect(panel.store.events.at(-1)?.record.data).toEqual({ text: 'later' });
  });

  it('a record no message can carry, even bare, is left out and the panel counts it at once; the stream goes on', () => {
    const core = new RelayCore({ doc });
    // Refuses any message that carries seq 3 (as no real browser would: a stand-in for the unforeseen).
    const panel = panelOf(core, (json) => {
      if (/"seq":3[,}]/.test(json)) throw new Error('cannot be sent');
    });
    core.acceptHookMessage(batch([conn(), ev('a'), ev('b')]));
    core.flush();
    expect(panel.store.events.map((e) => e.record.seq)).toEqual([2]);
    expect(panel.store.lost.missing).toBe(1);
    core.acceptHookMessage(batch([ev('c')]));
    core.flush();
    expect(panel.store.events.map((e) => e.record.seq)).toEqual([2, 4]);
    expect(panel.store.lost.missing).toBe(1);
  });
});

describe('RelayCore: a connection outlives its evicted events', () => {
  it('150 messages past a history of 100: a panel opened then shows the connection, its open, the 100 kept and counts the rest', () => {
    const core = new RelayCore({ doc, maxEvents: 100 });
    const open = { r: 'ev', conn: 1, time: 11, type: 'open', protocol: 'chat' };
    core.acceptHookMessage(batch([conn(), open, ...Array.from({ length: 150 }, (_, i) => ev(`m${i}`))]));
    const panel = panelOf(core);
    core.flush();
    const { store } = panel;
    expect(store.connections).toHaveLength(1);
    expect(store.connections[0]).toMatchObject({ state: 'open', protocol: 'chat' });
    expect(store.events).toHaveLength(101);
    expect(store.events[1]?.record.data).toEqual({ text: 'm50' });
    expect(store.lost).toEqual({ missing: 50, dropped: 0, invalid: 0, orphaned: 0 });
  });

  it('an HTTP stream keeps its status and response headers when the response head is evicted', () => {
    const core = new RelayCore({ doc, maxEvents: 10 });
    const fetchConn = { r: 'conn', id: 1, time: 10, transport: 'fetch', url: 'http://127.0.0.1/stream' };
    const head = ev('first chunk', {
      status: 200,
      statusText: 'OK',
      responseHeaders: [['content-type', 'text/event-stream']],
      chunk: 0,
    });
    const chunks = Array.from({ length: 20 }, (_, i) => ev(`chunk ${i + 1}`, { chunk: i + 1 }));
    core.acceptHookMessage(batch([fetchConn, { r: 'ev', conn: 1, time: 10, type: 'open' }, head, ...chunks]));
    const { store } = panelOf(core);
    core.flush();
    expect(store.connections[0]).toMatchObject({ status: 200, state: 'open', endedAt: null });
    const kept = store.events.find((e) => e.record.status === 200)?.record;
    expect(kept).toMatchObject({
      statusText: 'OK',
      responseHeaders: [['content-type', 'text/event-stream']],
      data: { text: '' },
      truncated: true,
      size: 11,
    });
    expect(store.events).toHaveLength(12);
  });
});

/** The seq of every record an item of a history snapshot holds. */
const seqsOf = (items: KeptItem[]): number[] =>
  items.flatMap((k) =>
    'run' in k ? Array.from({ length: k.end - k.start }, (_, i) => k.run.seq + k.start + i) : [k.record.seq],
  );

describe('History', () => {
  const rec = (seq: number): CaptureRecord => ({ r: 'ev', seq, time: seq, conn: 1, type: 'receive' });

  it('keeps the newest records up to the count limit and counts evictions', () => {
    const h = new History(3, 1_000_000);
    for (let i = 1; i <= 10; i++) h.add(rec(i), 10);
    expect(h.size).toBe(3);
    expect(h.evicted).toBe(7);
    expect(seqsOf(h.snapshot())).toEqual([8, 9, 10]);
    expect(h.retainedBytes).toBe(30);
  });

  it('keeps within the memory budget, but always the newest record', () => {
    const h = new History(100, 250);
    h.add(rec(1), 100);
    h.add(rec(2), 100);
    h.add(rec(3), 100);
    expect(seqsOf(h.snapshot())).toEqual([2, 3]);
    expect(h.evicted).toBe(1);
    h.add(rec(4), 1000);
    expect(seqsOf(h.snapshot())).toEqual([4]);
    expect(h.evicted).toBe(3);
  });

  it('stays correct across its internal compaction', () => {
    const h = new History(1000, Number.POSITIVE_INFINITY);
    for (let i = 1; i <= 20_000; i++) h.add(rec(i), 1);
    expect(h.size).toBe(1000);
    expect(h.evicted).toBe(19_000);
    const snap = seqsOf(h.snapshot());
    expect(snap[0]).toBe(19_001);
    expect(snap.at(-1)).toBe(20_000);
  });

  const conn = (
    seq: number,
    id = 1,
    transport: 'websocket' | 'fetch' | 'eventsource' = 'websocket',
  ): CaptureRecord => ({
    r: 'conn',
    seq,
    time: seq,
    id,
    transport,
    url: 'ws://x/',
  });
  const event = (seq: number, type: 'open' | 'receive' | 'close' | 'error', id = 1): CaptureRecord => ({
    r: 'ev',
    seq,
    time: seq,
    conn: id,
    type,
  });
  const seqs = (h: History) => seqsOf(h.snapshot());

  it('keeps a connection aside while it has events kept, with its latest open, and lets it go once it ended and they are gone', () => {
    const h = new History(3, 1_000_000);
    h.add(conn(1), 10);
    h.add(event(2, 'open'), 10);
    for (let seq = 3; seq <= 6; seq++) h.add(event(seq, 'receive'), 10);
    expect(seqs(h)).toEqual([1, 2, 4, 5, 6]);
    expect(h.pinned).toBe(1);
    expect(h.evicted).toBe(1);
    h.add(event(7, 'close'), 10);
    expect(seqs(h)).toEqual([1, 2, 5, 6, 7]);
    // Another connection pushes the first one's events out: ended, nothing kept, it goes.
    h.add(conn(8, 2), 10);
    h.add(event(9, 'receive', 2), 10);
    h.add(event(10, 'receive', 2), 10);
    expect(seqs(h)).toEqual([8, 9, 10]);
    expect(h.pinned).toBe(0);
    expect(h.evicted).toBe(7);
    expect(h.retainedBytes).toBe(30);
  });

  it('keeps aside a connection that has not ended even with no event kept: its next event has it', () => {
    const h = new History(2, 1_000_000);
    h.add(conn(1, 1), 1);
    h.add(conn(2, 2), 1);
    for (let seq = 3; seq <= 6; seq++) h.add(event(seq, 'receive', 2), 1);
    h.add(event(7, 'receive', 1), 1);
    expect(seqs(h)).toEqual([1, 2, 6, 7]);
  });

  it("keeps an EventSource's latest state: the error after its last open", () => {
    const h = new History(1, 1_000_000);
    h.add(conn(1, 1, 'eventsource'), 1);
    h.add(event(2, 'open'), 1);
    h.add(event(3, 'error'), 1);
    h.add(event(4, 'receive'), 1);
    expect(seqs(h)).toEqual([1, 3, 4]);
  });

  it('keeps at most so many connections aside: the oldest go first, counted', () => {
    const h = new History(1, 1_000_000, 2);
    for (let id = 1; id <= 4; id++) h.add(conn(id, id), 1);
    h.add(event(5, 'receive', 9), 1);
    expect(seqs(h)).toEqual([3, 4, 5]);
    expect(h.pinned).toBe(2);
    expect(h.evicted).toBe(2);
  });
});

describe('runs kept as the hook packed them', () => {
  /** A hook run of `n` text messages on connection `id`, from time `t0`. */
  const hookRun = (n: number, id = 1, t0 = 100, text = (i: number) => `m${i}`) => {
    const fields = new Float64Array(n * 4);
    for (let i = 0; i < n; i++) fields.set([i % 2, id, t0 + i, 0], i * 4);
    return { r: 'run', fields: fields.buffer, bodies: Array.from({ length: n }, (_, i) => text(i)) };
  };
  const textOf = (r: CaptureRecord) => (r.r === 'ev' && r.data && 'text' in r.data ? r.data.text : r.r);

  it('evicts a run message by message: a panel that opens later gets the newest, numbered as they came', () => {
    const { core, records, subscribe } = makeCore({ maxEvents: 5 });
    core.acceptHookMessage(batch([conn(), hookRun(4)]));
    core.acceptHookMessage(batch([hookRun(3, 1, 200, (i) => `n${i}`)]));
    // The connection's record left the history proper but is kept aside: two are gone.
    expect(core.lossCounters.evicted).toBe(2);
    subscribe();
    core.flush();
    // The connection's record is kept aside while its messages are kept.
    expect(records().map((r) => [r.seq, textOf(r)])).toEqual([
      [1, 'conn'],
      [4, 'm2'],
      [5, 'm3'],
      [6, 'n0'],
      [7, 'n1'],
      [8, 'n2'],
    ]);
  });

  /** A validated hook run of texts on connection `id`, kept as the relay keeps it, numbered from `seq`. */
  const storedTexts = (seq: number, texts: string[], id = 1) => {
    const fields = Float64Array.from(texts.flatMap((_, i) => [0, id, seq + i, 0]));
    return storeRun({ r: 'run', fields, bodies: texts }, 0, texts.length, seq);
  };

  it('lets a connection go once it has ended and its messages in runs are evicted', () => {
    const h = new History(3, 1_000_000);
    h.add({ r: 'conn', seq: 1, time: 1, id: 1, transport: 'websocket', url: 'ws://x/' }, 10);
    h.addRun(storedTexts(2, ['a', 'b']));
    h.add({ r: 'ev', seq: 4, time: 4, conn: 1, type: 'close' }, 10);
    expect(h.pinned).toBe(1);
    for (let seq = 5; seq <= 7; seq++) h.add({ r: 'ev', seq, time: seq, conn: 2, type: 'receive' }, 10);
    expect(h.pinned).toBe(0);
    expect(seqsOf(h.snapshot())).toEqual([5, 6, 7]);
    expect(h.evicted).toBe(4);
  });

  it("counts a run's memory until its last message is evicted, then holds nothing of it", () => {
    const h = new History(2, 1_000_000);
    const run = storedTexts(1, ['aaaa', 'bb', 'c']);
    h.addRun(run);
    expect(h.size).toBe(2);
    // Its first message is evicted, but its text is one string: all of it is still held, and counted.
    expect(h.retainedBytes).toBe(run.weight);
    expect(run.weight).toBeGreaterThan(7 * 2);
    h.add({ r: 'ev', seq: 4, time: 4, conn: 1, type: 'receive' }, 0);
    expect(h.retainedBytes).toBe(run.weight);
    h.add({ r: 'ev', seq: 5, time: 5, conn: 1, type: 'receive' }, 0);
    expect(h.retainedBytes).toBe(0);
    expect([run.text, run.times.length, run.words.length, run.weight]).toEqual(['', 0, 0, 0]);
  });

  it('keeps a long stretch of messages in runs small enough to be freed in steps as it is evicted', () => {
    const { core } = makeCore({ maxEvents: 40_000 });
    const text = (i: number) => `{"tick":${i}}`.padEnd(45, '.');
    core.acceptHookMessage(batch([conn(), hookRun(40_000, 1, 100, text)]));
    const runs = (core as unknown as { history: History }).history
      .snapshot()
      .flatMap((item) => ('run' in item ? [item.run] : []));
    expect(runs.length).toBeGreaterThan(40_000 / 4096);
    // Numbered densely, run after run.
    let seq = 2;
    for (const run of runs) {
      expect(run.seq).toBe(seq);
      expect(run.text.length).toBeLessThanOrEqual(MAX_STORED_TEXT);
      seq += run.count;
    }
    const full = (core as unknown as { history: History }).history.retainedBytes;
    // Half of them evicted for as many new ones: the memory stays about the same (a single run would hold it all).
    core.acceptHookMessage(batch([hookRun(20_000, 1, 100_000, text)]));
    const after = (core as unknown as { history: History }).history.retainedBytes;
    expect(after).toBeLessThan(full * 1.05);
    expect(after).toBeGreaterThan(full * 0.95);
  });

  it('splits a run too big for one message across messages, in order, none over the limit', () => {
    const { core, wire, records, subscribe } = makeCore();
    subscribe();
    core.acceptHookMessage(batch([conn(), hookRun(45_000)]));
    core.flush();
    expect(wire.length).toBeGreaterThan(2);
    for (const m of wire) {
      const frames = m.records.reduce((n, r) => n + (r.r === 'run' ? r.flags.length : 1), 0);
      expect(frames).toBeLessThanOrEqual(20_000);
    }
    expect(records().map((r) => r.seq)).toEqual(Array.from({ length: 45_001 }, (_, i) => i + 1));
  });

  it('a message queued for a panel but evicted before it was sent is passed over: its seq is missing, as counted', () => {
    const { core, records, subscribe } = makeCore({ maxEvents: 3 });
    subscribe();
    core.acceptHookMessage(batch([hookRun(3)]));
    core.acceptHookMessage(batch([hookRun(2, 1, 200, (i) => `n${i}`)]));
    core.flush();
    expect(records().map((r) => [r.seq, textOf(r)])).toEqual([
      [3, 'm2'],
      [4, 'n0'],
      [5, 'n1'],
    ]);
    expect(core.lossCounters.evicted).toBe(2);
  });

  it('sends binary messages of a run as base64, with their kind and size', () => {
    const { core, records, subscribe } = makeCore();
    const fields = new Float64Array([0, 1, 5, 1, 1, 1, 6, 2]);
    core.acceptHookMessage(
      batch([
        conn(),
        {
          r: 'run',
          fields: fields.buffer,
          bodies: [Uint8Array.of(1, 2, 3).buffer, Uint8Array.of(255).buffer],
        },
      ]),
    );
    subscribe();
    core.flush();
    const got = records().slice(1);
    expect(got.map((r) => (r.r === 'ev' ? [r.bodyKind, r.data, r.size] : null))).toEqual([
      ['arraybuffer', { base64: 'AQID' }, 3],
      ['view', { base64: '/w==' }, 1],
    ]);
  });
});
