import { describe, expect, it } from 'vitest';
import { normalizeHookRecord } from '../../lib/relay/normalize';
import { cutString, MAX_HEADER_LIST_CHARS } from '../../lib/validate';
import {
  parseFromRelay,
  parsePanelToBackground,
  parseRelayHello,
  parseToRelay,
} from '../../lib/wire/control';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';
import { MAX_FIELD_LENGTH, MAX_FORM_CHARS, MAX_URL_LENGTH } from '../../lib/wire/fields';
import { MESSAGE_BODY_KIND_INDEX, MESSAGE_BODY_KINDS } from '../../lib/wire/page-relay';
import { parseHookMessage, parseHookRecord } from '../../lib/wire/page-relay-read';
import { parseCaptureRecord, parseRecordsMessage, readRelayRecords } from '../../lib/wire/records';

const doc = { docId: 'd1', url: 'http://127.0.0.1/', title: '', top: true, startedAt: 1 };
const loss = { evicted: 0, dropped: 0, invalid: 0 };

describe('hook messages', () => {
  it('accepts a batch and counts invalid records inside it', () => {
    const parsed = parseHookMessage({
      v: PROTOCOL_VERSION,
      t: 'batch',
      records: [
        { r: 'conn', id: 1, time: 5, transport: 'websocket', url: 'ws://127.0.0.1/' },
        { r: 'ev', conn: 1, time: 6, type: 'send', body: 'hi' },
        { r: 'ev', conn: -1, time: 6, type: 'send' },
        { r: 'ev', conn: 1, time: 6, type: 'teleport' },
        { r: 'conn', id: 2, time: 5, transport: 'carrier-pigeon', url: 'x' },
        null,
        'string',
      ],
    });
    expect(parsed.kind).toBe('batch');
    if (parsed.kind !== 'batch') return;
    expect(parsed.records).toHaveLength(2);
    expect(parsed.invalid).toBe(5);
  });

  it.each([
    null,
    undefined,
    42,
    'batch',
    [],
    { v: PROTOCOL_VERSION + 1, t: 'batch', records: [] },
    { v: PROTOCOL_VERSION, t: 'other', records: [] },
    { v: PROTOCOL_VERSION, t: 'batch', records: 'nope' },
    { v: PROTOCOL_VERSION, t: 'batch', records: [], dropped: -1 },
    { v: PROTOCOL_VERSION, t: 'batch', records: [], backlog: 'yes' },
    { v: PROTOCOL_VERSION, t: 'batch', records: [], backlog: 1 },
    { v: PROTOCOL_VERSION, t: 'batch', records: [], backlog: null },
  ])('rejects malformed message %j', (msg) => {
    expect(parseHookMessage(msg).kind).toBe('invalid');
  });

  it("passes on what a batch says of the page's outbound backlog, and nothing when it says nothing", () => {
    const of = (extra: object) => {
      const parsed = parseHookMessage({ v: PROTOCOL_VERSION, t: 'batch', records: [], ...extra });
      return parsed.kind === 'batch' ? parsed.backlog : 'invalid';
    };
    expect(of({ backlog: true })).toBe(true);
    expect(of({ backlog: false })).toBe(false);
    expect(of({})).toBeUndefined();
  });

  it('rejects bodies of the wrong type and times that are no time', () => {
    const bad = parseHookMessage({
      v: PROTOCOL_VERSION,
      t: 'batch',
      records: [
        { r: 'ev', conn: 1, time: 6, type: 'send', body: { evil: true } },
        { r: 'ev', conn: 1, time: Number.NaN, type: 'send' },
        { r: 'ev', conn: 1, time: 1e300, type: 'send' },
        { r: 'conn', id: 1, time: 8.64e15 + 1, transport: 'xhr', url: 'u' },
      ],
    });
    expect(bad.kind === 'batch' && bad.records.length).toBe(0);
  });

  it('maps frame body kinds both ways alike', () => {
    for (const [index, name] of MESSAGE_BODY_KINDS.entries())
      expect(MESSAGE_BODY_KIND_INDEX[name]).toBe(index);
    expect(Object.keys(MESSAGE_BODY_KIND_INDEX)).toHaveLength(MESSAGE_BODY_KINDS.length);
  });

  /** Frames as [direction, conn, time, body, kind], packed as the hook packs them. */
  const numbersOf = (frames: unknown[][]) =>
    Float64Array.from(frames.flatMap((f) => [f[0], f[1], f[2], f[4]].map(Number)));
  const packed = (frames: unknown[][]) => ({
    r: 'run',
    fields: numbersOf(frames).buffer,
    bodies: frames.map((f) => f[3]),
  });
  const buffer = new ArrayBuffer(4);
  const goodFrames = [
    [0, 1, 6, 'hi', 0],
    [1, 1, 6.5, buffer, 1],
    [1, 2, 7, buffer, 2],
    [0, 2, 7, new Blob(['x']), 3],
  ];

  it('accepts runs of WebSocket message frames, in order with the other records', () => {
    const open = { r: 'ev', conn: 1, time: 5, type: 'open' };
    const parsed = parseHookMessage({
      v: PROTOCOL_VERSION,
      t: 'batch',
      records: [packed(goodFrames.slice(0, 2)), open, packed(goodFrames.slice(2))],
    });
    expect(parsed).toEqual({
      kind: 'batch',
      invalid: 0,
      dropped: 0,
      records: [
        { r: 'run', fields: numbersOf(goodFrames.slice(0, 2)), bodies: ['hi', buffer] },
        open,
        { r: 'run', fields: numbersOf(goodFrames.slice(2)), bodies: goodFrames.slice(2).map((f) => f[3]) },
      ],
    });
  });

  it('drops each malformed frame of a run alone, and keeps the others in order', () => {
    const bad = [
      [2, 1, 6, 'hi', 0],
      [-1, 1, 6, 'hi', 0],
      [0, -1, 6, 'hi', 0],
      [0, 1.5, 6, 'hi', 0],
      [0, 1, Number.NaN, 'hi', 0],
      [0, 1, Number.POSITIVE_INFINITY, 'hi', 0],
      [0, 1, -6, 'hi', 0],
      [0, 1, 6, { text: 'hi' }, 0],
      [0, 1, 6, new Uint8Array(2), 2],
      [0, 1, 6, undefined, 0],
      [0, 1, 6, 'hi', 4],
      [0, 1, 6, 'hi', 0.5],
      [0, 1, 6, 'hi', 'text'],
    ];
    const mixed = [bad[0], goodFrames[0], ...bad.slice(1, 7), goodFrames[1], goodFrames[2], ...bad.slice(7)];
    const parsed = parseHookMessage({
      v: PROTOCOL_VERSION,
      t: 'batch',
      records: [packed(mixed as unknown[][])],
    });
    expect(parsed.kind === 'batch' && parsed.invalid).toBe(bad.length);
    expect(parsed.kind === 'batch' && parsed.records).toEqual([
      { r: 'run', fields: numbersOf(goodFrames.slice(0, 3)), bodies: ['hi', buffer, buffer] },
    ]);
    // Valid frames before the first bad one are kept too.
    const goodFirst = parseHookMessage({
      v: PROTOCOL_VERSION,
      t: 'batch',
      records: [packed([goodFrames[0], goodFrames[1], bad[0], goodFrames[2]] as unknown[][])],
    });
    expect(goodFirst.kind === 'batch' && goodFirst.invalid).toBe(1);
    expect(goodFirst.kind === 'batch' && goodFirst.records).toEqual([
      { r: 'run', fields: numbersOf(goodFrames.slice(0, 3)), bodies: ['hi', buffer, buffer] },
    ]);
    const allBad = parseHookMessage({ v: PROTOCOL_VERSION, t: 'batch', records: [packed(bad)] });
    expect(allBad.kind === 'batch' && [allBad.records.length, allBad.invalid]).toEqual([0, bad.length]);
  });

  it('rejects runs of the wrong shape, each as one invalid record', () => {
    const good = packed(goodFrames);
    const malformed = [
      [],
      [0, 1, 6, 'hi', 0],
      { ...good, fields: numbersOf(goodFrames) },
      { ...good, fields: [...numbersOf(goodFrames)] },
      { ...good, fields: new SharedArrayBuffer(goodFrames.length * 32) },
      { ...good, fields: numbersOf(goodFrames).buffer.slice(8) },
      { ...good, bodies: 'hi' },
      { ...good, bodies: { length: 4 } },
      { r: 'run', fields: new ArrayBuffer(0), bodies: [] },
      { r: 'run', fields: new ArrayBuffer(100_001 * 32), bodies: new Array(100_001).fill('x') },
    ];
    const parsed = parseHookMessage({ v: PROTOCOL_VERSION, t: 'batch', records: [...malformed, good] });
    expect(parsed.kind === 'batch' && parsed.invalid).toBe(malformed.length);
    expect(parsed.kind === 'batch' && parsed.records).toHaveLength(1);
  });
});

describe('over-long fields from the hook are cut at the relay, not the record', () => {
  const conn = { r: 'conn', id: 1, time: 5, transport: 'websocket', url: 'ws://127.0.0.1/' };
  const event = { r: 'ev', conn: 1, time: 6, type: 'close' };
  /** What the panel then reads of it: the relay's record, through JSON, strictly checked. */
  const asPanelReads = (record: unknown) => {
    const parsed = parseHookRecord(record);
    if (!parsed) return null;
    const { record: stored } = normalizeHookRecord(parsed, 1, 1024);
    return parseCaptureRecord(JSON.parse(JSON.stringify(stored)));
  };

  it('a 100 kB URL, a 70-character method, too many protocols: cut, named, kept', () => {
    const long = {
      ...conn,
      url: `ws://127.0.0.1/?${'q'.repeat(100_000)}`,
      requestedProtocols: Array(150).fill('p'.repeat(2000)),
    };
    const parsed = parseHookRecord(long);
    expect(parsed).toMatchObject({ r: 'conn', id: 1, truncatedFields: ['url', 'requestedProtocols'] });
    expect(parsed?.r === 'conn' && parsed.url).toBe(long.url.slice(0, MAX_URL_LENGTH));
    expect(parsed?.r === 'conn' && parsed.requestedProtocols).toEqual(Array(100).fill('p'.repeat(1000)));
    expect(asPanelReads(long)).toMatchObject({ truncatedFields: ['url', 'requestedProtocols'] });
    const method = { ...conn, transport: 'fetch', method: 'M'.repeat(70) };
    expect(asPanelReads(method)).toMatchObject({ method: 'M'.repeat(64), truncatedFields: ['method'] });
  });

  it("headers past a list's limits (700 of 99,000 characters): the first ones whole, up to 1 Mi characters in all", () => {
    const requestHeaders = Array.from({ length: 700 }, (_, i) => [`x-${i}`, 'v'.repeat(99_000)]);
    const parsed = parseHookRecord({ ...conn, transport: 'fetch', requestHeaders });
    const kept = parsed?.r === 'conn' ? (parsed.requestHeaders ?? []) : [];
    expect(parsed?.truncatedFields).toEqual(['requestHeaders']);
    expect(kept.slice(0, 10)).toEqual(requestHeaders.slice(0, 10));
    expect(kept.reduce((n, [a, b]) => n + a.length + b.length, 0)).toBe(MAX_HEADER_LIST_CHARS);
    expect(asPanelReads({ ...conn, transport: 'fetch', requestHeaders })).not.toBeNull();
    const many = Array.from({ length: 1500 }, (_, i) => [`h${i}`, 'x']);
    expect(asPanelReads({ ...event, type: 'receive', responseHeaders: many })).toMatchObject({
      responseHeaders: many.slice(0, 1000),
      truncatedFields: ['responseHeaders'],
    });
  });

  it("an event's long reason, status text and form: cut and named; only the relay names cut fields", () => {
    const record = {
      ...event,
      reason: 'r'.repeat(200_000),
      statusText: 's'.repeat(MAX_FIELD_LENGTH),
      form: Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, value: 'v'.repeat(99_999) })),
      truncatedFields: ['made up'],
    };
    const read = asPanelReads(record);
    expect(read).toMatchObject({ truncatedFields: ['reason', 'form'], statusText: record.statusText });
    expect(read?.r === 'ev' && read.reason?.length).toBe(MAX_FIELD_LENGTH);
    const form = read?.r === 'ev' ? (read.form ?? []) : [];
    expect(form.reduce((n, f) => n + f.name.length + (f.value?.length ?? 0), 0)).toBe(MAX_FORM_CHARS);
    expect(asPanelReads({ ...event, truncatedFields: ['made up'] })).not.toHaveProperty('truncatedFields');
  });

  it('what is of the wrong type still costs the record', () => {
    for (const bad of [
      { ...conn, url: 7 },
      { ...conn, method: ['GET'] },
      { ...conn, requestHeaders: [['a', 'b'], ['c']] },
      { ...conn, requestedProtocols: ['a', 1] },
      { ...event, reason: 5 },
      { ...event, form: [{ value: 'no name' }] },
      { ...event, responseHeaders: 'a: b' },
    ])
      expect(parseHookRecord(bad)).toBeNull();
  });

  it('the panel reads strictly: over the limits, or a bad list of cut fields, is invalid', () => {
    const base = { r: 'conn', seq: 1, id: 1, time: 5, transport: 'websocket', url: 'ws://127.0.0.1/' };
    expect(parseCaptureRecord({ ...base, truncatedFields: ['url'] })).not.toBeNull();
    expect(parseCaptureRecord({ ...base, truncatedFields: 'url' })).toBeNull();
    expect(parseCaptureRecord({ ...base, url: 'u'.repeat(MAX_URL_LENGTH + 1) })).toBeNull();
    const headers = Array.from({ length: 11 }, (_, i) => [`h${i}`, 'v'.repeat(99_000)]);
    expect(parseCaptureRecord({ ...base, requestHeaders: headers })).toBeNull();
  });

  it('cutString never splits a surrogate pair', () => {
    expect(cutString('ab😀c', 3)).toBe('ab');
    expect(cutString('ab😀c', 4)).toBe('ab😀');
    expect(cutString('abc', 5)).toBe('abc');
  });
});

describe('records messages', () => {
  it('passes on `through`, the seq every record up to which was sent or given up on', () => {
    const base = { v: PROTOCOL_VERSION, t: 'records', doc, loss, records: [] };
    expect(parseRecordsMessage({ ...base, through: 7 })?.through).toBe(7);
    expect(parseRecordsMessage(base)).not.toHaveProperty('through');
    expect(parseRecordsMessage({ ...base, through: -1 })).toBeNull();
    expect(readRelayRecords({ ...base, through: 3 }, 1, 0)?.through).toBe(3);
  });

  const recordsMessage = (records: unknown[]) => ({ v: PROTOCOL_VERSION, t: 'records', doc, loss, records });

  it('keeps valid records and counts the rest as invalid', () => {
    const msg = parseRecordsMessage(
      recordsMessage([
        {
          r: 'ev',
          seq: 1,
          conn: 1,
          time: 2,
          type: 'receive',
          data: { text: 'x' },
          size: 1,
          truncated: false,
        },
        { r: 'ev', seq: 2, conn: 1, time: 2, type: 'receive', data: { text: 'x', base64: 'eA==' } },
        { r: 'ev', seq: 3, conn: 1, time: 2, type: 'receive', data: '<img src=x onerror=alert(1)>' },
      ]),
    );
    expect(msg?.records).toHaveLength(1);
    expect(msg?.loss.invalid).toBe(2);
  });

  it('unpacks runs of messages in place, counting a malformed run and a bad message as invalid', () => {
    const run = {
      r: 'run',
      seq: 2,
      flags: [1, 0, 7],
      conns: [1, 1, 1],
      times: [5, 6, 7],
      lengths: [1, 1, 1],
      text: 'abc',
      binary: [],
    };
    const msg = parseRecordsMessage(
      recordsMessage([
        { r: 'conn', seq: 1, id: 1, time: 1, transport: 'websocket', url: 'ws://127.0.0.1/' },
        run,
        { ...run, seq: 'x' },
        { r: 'ev', seq: 5, conn: 1, time: 8, type: 'close' },
      ]),
    );
    expect(msg?.records.map((r) => [r.seq, r.r === 'ev' ? r.type : r.r])).toEqual([
      [1, 'conn'],
      [2, 'send'],
      [3, 'receive'],
      [5, 'close'],
    ]);
    expect(msg?.loss.invalid).toBe(2);
  });

  it('rejects a message without a valid document', () => {
    expect(
      parseRecordsMessage({ v: PROTOCOL_VERSION, t: 'records', doc: { docId: '' }, loss, records: [] }),
    ).toBeNull();
    expect(parseRecordsMessage({ v: PROTOCOL_VERSION, t: 'records', doc, records: [] })).toBeNull();
  });

  it('what the background forwards needs tab and frame ids, and leaves the message to the panel', () => {
    const message = { v: PROTOCOL_VERSION, t: 'records', doc, loss, records: [] };
    const base = { v: PROTOCOL_VERSION, t: 'from-relay', message };
    const wrapped = parseFromRelay({ ...base, tabId: 3, frameId: 2 });
    expect(wrapped?.tabId).toBe(3);
    expect(wrapped?.message).toBe(message);
    expect(wrapped && readRelayRecords(wrapped.message, wrapped.tabId, wrapped.frameId)?.frameId).toBe(2);
    expect(parseFromRelay({ ...base, tabId: -3, frameId: 0 })).toBeNull();
    expect(parseFromRelay({ ...base, frameId: 0 })).toBeNull();
    expect(parseFromRelay({ ...base, tabId: 3, frameId: 0, v: 3 })).toBeNull();
    expect(readRelayRecords({ ...message, doc: null }, 3, 0)).toBeNull();
  });

  it('panel requests are checked', () => {
    expect(
      parsePanelToBackground({ v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 1, payloadCap: 1 << 20 }),
    ).not.toBeNull();
    expect(
      parsePanelToBackground({ v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 1, payloadCap: 5 }),
    ).toBeNull();
    expect(
      parsePanelToBackground({
        v: PROTOCOL_VERSION,
        t: 'panel-delete-everything',
        tabId: 1,
        payloadCap: 1 << 20,
      }),
    ).toBeNull();
  });

  it('what a relay is told is checked: subscribe, config and announce with a sane cap, nothing else', () => {
    const cap = 1 << 20;
    for (const t of ['subscribe', 'config', 'announce'] as const)
      expect(parseToRelay({ v: PROTOCOL_VERSION, t, payloadCap: cap })).toEqual({
        v: PROTOCOL_VERSION,
        t,
        payloadCap: cap,
      });
    expect(parseToRelay({ v: PROTOCOL_VERSION, t: 'announce' })).toBeNull();
    expect(parseToRelay({ v: PROTOCOL_VERSION, t: 'announce', payloadCap: -1 })).toBeNull();
    expect(parseToRelay({ v: PROTOCOL_VERSION + 1, t: 'config', payloadCap: cap })).toBeNull();
    expect(parseToRelay({ v: PROTOCOL_VERSION, t: 'records', payloadCap: cap })).toBeNull();
    for (const junk of [null, undefined, 'config', 7, [], { t: 'config' }])
      expect(parseToRelay(junk)).toBeNull();
    expect(parseRelayHello({ v: PROTOCOL_VERSION, t: 'hello' })).toEqual({ v: PROTOCOL_VERSION, t: 'hello' });
    expect(parseRelayHello({ v: PROTOCOL_VERSION, t: 'hello-reply' })).toBeNull();
  });
});
