// A fuzz pass over every parser that takes untrusted input: the hook's
// batches (and the relay behind them), the panel's records messages and the
// other messages of lib/wire/, the text-frame-run unpacker, and the
// import of timeline and HAR files. Inputs are random values and mutations
// of valid samples, from a seeded PRNG: thousands of cases, the same every
// run. Each parser must never throw, and what it returns must hold to its
// types (checked here independently), be accepted again by the same
// validator, and be usable downstream (shown, exported, re-imported).

import { describe, expect, it } from 'vitest';
import { sanitizeSettings } from '../../components/settings';
import { buildHarExport } from '../../lib/export/har';
import { buildTimelineExport, type TimelineExport } from '../../lib/export/timeline';
import { type ImportedParts, importFile } from '../../lib/import';
import validateTimeline from '../../lib/import/timeline-validator.generated.js';
import { type CaptureRecord, EVENT_TYPES, type HeaderList, TRANSPORTS } from '../../lib/model';
import { RelayCore } from '../../lib/relay/core';
import { History } from '../../lib/relay/history';
import { normalizeMessage } from '../../lib/relay/normalize';
import { messageAsRun, runWire, storeRun } from '../../lib/relay/stored-run';
import { TimelineStore } from '../../lib/timeline/store';
import { MAX_TIME } from '../../lib/validate';
import {
  parseFromRelay,
  parseHelloReply,
  parsePanelToBackground,
  parseRelayHello,
  parseToRelay,
} from '../../lib/wire/control';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';
import { MESSAGE_FIELDS, type MessageRun } from '../../lib/wire/page-relay';
import { parseHookMessage } from '../../lib/wire/page-relay-read';
import {
  parseCaptureRecord,
  parseDocumentInfo,
  parseRecordsMessage,
  type RecordsMessage,
  readRelayRecords,
  unpackMessageRun,
} from '../../lib/wire/records';
import { MAX_RUNTIME_MESSAGE_BYTES } from '../../lib/wire-size';
import { seededRandom } from '../../scripts/lib/seeded-random';
import { SESSION_PAGE, sessionExport, sessionHar, sessionStore } from './import-fixtures';

const T = 1_764_000_000_000;

/**
 * Seeds are fixed, so every run tries the same cases; FUZZ_SEED=n shifts them
 * all (to explore by hand: a failure found so is kept by adding its input to a
 * regular test).
 */
const SEED_SHIFT = Number(process.env.FUZZ_SEED ?? 0);
const gen = (seed: number) => new Gen(seed + SEED_SHIFT * 1000);

/** Names the parsers look for, so random objects often hit something. */
const KEYS = [
  'v',
  't',
  'r',
  'records',
  'seq',
  'id',
  'conn',
  'time',
  'type',
  'url',
  'method',
  'transport',
  'body',
  'data',
  'text',
  'base64',
  'size',
  'truncated',
  'status',
  'code',
  'reason',
  'responseHeaders',
  'requestHeaders',
  'form',
  'name',
  'value',
  'fields',
  'bodies',
  'flags',
  'conns',
  'times',
  'lengths',
  'binary',
  'dir',
  'cut',
  'doc',
  'loss',
  'docId',
  'title',
  'top',
  'startedAt',
  'tabId',
  'frameId',
  'payloadCap',
  'through',
  'truncatedFields',
  'format',
  'version',
  'log',
  'entries',
  'encoding',
  '_encoding',
  'opcode',
  'mimeType',
  'postData',
  'content',
  'response',
  'request',
  'timings',
  'startedDateTime',
  '_resourceType',
  '_webSocketMessages',
  '_eventSourceMessages',
  'patterns',
  'connectionId',
  'connectionIds',
  'headersAt',
  'endedAt',
  '__proto__',
  'constructor',
  'toString',
];

const NUMBERS = [
  0,
  1,
  -1,
  0.5,
  -0,
  2,
  3,
  4,
  1000,
  65535,
  65536,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e300,
  -1e300,
  MAX_TIME,
  MAX_TIME + 1,
  T,
  T + 0.25,
  1e-7,
  Number.MIN_VALUE,
];

const STRINGS = [
  '',
  'ev',
  'conn',
  'run',
  'text-frames',
  'records',
  'batch',
  'panel-records',
  'wirescope-timeline',
  ...TRANSPORTS,
  ...EVENT_TYPES,
  'text',
  'sr',
  'ws://h/x',
  'http://h/api?x=1',
  '2026-11-24T12:00:00.000Z',
  'not a date',
  '"\\\u0000\u001f',
  'é€😀',
  '\ud800',
  '\udc00x',
  '%%%',
  'AAE=',
  '!!!=',
  'base64',
  'A',
  '1.2',
];

/** Leaf objects (structured-clone kinds) mutation treats as values, not containers. */
function isLeafObject(v: object): boolean {
  return (
    v instanceof ArrayBuffer ||
    ArrayBuffer.isView(v) ||
    v instanceof Blob ||
    v instanceof Date ||
    v instanceof Map ||
    v instanceof Set
  );
}

/** Marks a place to remove (a key deleted, an item taken out). */
const REMOVE = Symbol('remove');

/** Sets an own property, as JSON.parse and structured clone make them (`__proto__` included: never the prototype). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

class Gen {
  private readonly rand: () => number;
  constructor(seed: number) {
    this.rand = seededRandom(seed);
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  key(): string {
    return this.chance(0.9) ? this.pick(KEYS) : this.string();
  }
  number(): number {
    return this.chance(0.7) ? this.pick(NUMBERS) : (this.rand() - 0.3) * 10 ** this.int(16);
  }
  string(): string {
    const k = this.int(20);
    if (k === 0) return this.pick(STRINGS).repeat(1 + this.int(30_000)); // sometimes past a limit
    if (k < 12) return this.pick(STRINGS);
    let s = '';
    for (let i = this.int(12); i > 0; i--) s += this.pick(STRINGS);
    return s;
  }
  value(depth = 0): unknown {
    const k = this.int(depth > 3 ? 6 : 12);
    switch (k) {
      case 0:
        return null;
      case 1:
        return undefined;
      case 2:
        return this.chance(0.5);
      case 3:
        return this.number();
      case 4:
      case 5:
        return this.string();
      case 6:
        return this.pick([
          () => new ArrayBuffer(this.int(40)),
          () => Float64Array.from({ length: 4 * this.int(3) }, () => this.number()).buffer,
          () => new Uint8Array(this.int(9)),
          () => new Blob([this.string()]),
          () => new Date(this.number()),
          () => new Map([[1, 2]]),
        ])();
      case 7:
      case 8:
        return Array.from({ length: this.int(5) }, () => this.value(depth + 1));
      default: {
        const obj: Record<string, unknown> = {};
        for (let i = this.int(6); i > 0; i--) setOwn(obj, this.key(), this.value(depth + 1));
        return obj;
      }
    }
  }
  /** A changed leaf: numbers and strings nudged or replaced, buffers' numbers changed, anything else replaced. */
  private changed(v: unknown): unknown {
    if (typeof v === 'number' && this.chance(0.7))
      return this.chance(0.5) ? this.number() : v + this.pick([1, -1, 0.5, 1e6, -v * 2]);
    if (typeof v === 'string' && this.chance(0.7)) {
      const op = this.int(5);
      // Longer, past a limit maybe, but never past a few hundred thousand characters.
      if (op === 0) return v.repeat(Math.min(2 + this.int(1000), Math.ceil(300_000 / (v.length + 1))));
      if (op === 1) return v.slice(0, this.int(v.length + 1));
      if (op === 2) return v + this.pick(STRINGS);
      if (op === 3) return '';
      return this.pick(STRINGS);
    }
    if (v instanceof ArrayBuffer && v.byteLength % 8 === 0 && v.byteLength > 0 && this.chance(0.7)) {
      const numbers = new Float64Array(v.slice(0));
      numbers[this.int(numbers.length)] = this.number();
      return numbers.buffer;
    }
    return this.value(2);
  }

  /** Every place in v (its root, each container, each leaf), as the keys that lead there. */
  private places(v: unknown, path: Array<string | number> = [], out: Array<Array<string | number>> = []) {
    out.push(path);
    if (typeof v === 'object' && v !== null && !isLeafObject(v) && path.length < 10) {
      if (Array.isArray(v)) for (const [i, item] of v.entries()) this.places(item, [...path, i], out);
      else
        for (const key of Object.keys(v))
          this.places((v as Record<string, unknown>)[key], [...path, key], out);
    }
    return out;
  }

  /** v with the value at path replaced by what `change` makes of it (copies on the way, the rest shared); undefined removes it. */
  private replaced(v: unknown, path: Array<string | number>, change: (old: unknown) => unknown): unknown {
    if (path.length === 0) return change(v);
    const [head, ...rest] = path;
    if (Array.isArray(v)) {
      const copy = v.slice();
      const next = this.replaced(copy[head as number], rest, change);
      if (next === REMOVE) copy.splice(head as number, 1);
      else copy[head as number] = next;
      return copy;
    }
    const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    const next = this.replaced(copy[head as string], rest, change);
    if (next === REMOVE) delete copy[head as string];
    else setOwn(copy, head as string, next);
    return copy;
  }

  /** A copy of v with one change at a place picked uniformly among all of its places. */
  mutate(v: unknown): unknown {
    const path = this.pick(this.places(v));
    return this.replaced(v, path, (old) => {
      const op = this.int(10);
      if (path.length > 0 && op === 0) return REMOVE;
      if (typeof old === 'object' && old !== null && !isLeafObject(old)) {
        if (op === 1) return this.value(2);
        if (Array.isArray(old)) {
          const copy = old.slice();
          if (copy.length > 0 && op < 5) copy.push(copy[this.int(copy.length)]);
          else copy.splice(this.int(copy.length + 1), 0, this.value(2));
          return copy;
        }
        const copy: Record<string, unknown> = { ...(old as Record<string, unknown>) };
        setOwn(copy, this.key(), this.value(2));
        return copy;
      }
      return this.changed(old);
    });
  }

  /** One to three mutations of a sample, or (sometimes) anything at all. */
  variant(sample: unknown): unknown {
    if (this.chance(0.03)) return this.value(0);
    let v = sample;
    for (let i = 1 + this.int(3); i > 0; i--) v = this.mutate(v);
    return v;
  }
}

// ---------------------------------------------------------------------------
// Independent checks of what parsers return (not the validators under test).

const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isTimeValue = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_TIME;
const isStr = (v: unknown) => typeof v === 'string';
const opt = (v: unknown, check: (x: unknown) => boolean) => v === undefined || check(v);
const isHeaders = (v: unknown): v is HeaderList =>
  Array.isArray(v) && v.every((h) => Array.isArray(h) && h.length === 2 && isStr(h[0]) && isStr(h[1]));
const isStrings = (v: unknown) => Array.isArray(v) && v.every(isStr);

/**
 * `imported`: a timeline file's status and code may be any integer (its
 * schema says so); on the wire they are 0 to 65535.
 */
function checkRecord(r: CaptureRecord, imported = false): void {
  const isCodeValue = (v: unknown) => (imported ? Number.isInteger(v) : isInt(v) && (v as number) <= 65535);
  const problem = (why: string) => new Error(`${why}: ${JSON.stringify(r)?.slice(0, 300)}`);
  if (!isInt(r.seq) || !isTimeValue(r.time)) throw problem('seq or time');
  if (r.r === 'conn') {
    if (!isInt(r.id) || !(TRANSPORTS as readonly unknown[]).includes(r.transport) || !isStr(r.url))
      throw problem('connection');
    if (
      !opt(r.method, isStr) ||
      !opt(r.requestHeaders, isHeaders) ||
      !opt(r.requestedProtocols, isStrings) ||
      !opt(r.truncatedFields, isStrings) ||
      !opt(r.async, (v) => typeof v === 'boolean') ||
      !opt(r.withCredentials, (v) => typeof v === 'boolean')
    )
      throw problem('connection field');
    return;
  }
  if (r.r !== 'ev') throw problem('kind');
  if (!isInt(r.conn) || !(EVENT_TYPES as readonly unknown[]).includes(r.type)) throw problem('event');
  if (r.data !== undefined) {
    const keys = Object.keys(r.data);
    if (
      keys.length !== 1 ||
      !(('text' in r.data && isStr(r.data.text)) || ('base64' in r.data && isStr(r.data.base64)))
    )
      throw problem('payload');
  }
  const short = [r.statusText, r.reason, r.protocol, r.extensions, r.eventName, r.lastEventId, r.bodyKind];
  if (
    !opt(r.size, isInt) ||
    !opt(r.truncated, (v) => typeof v === 'boolean') ||
    !opt(r.status, isCodeValue) ||
    !opt(r.code, isCodeValue) ||
    !short.every((s) => opt(s, isStr)) ||
    !opt(r.responseHeaders, isHeaders) ||
    !opt(r.headersAt, isTimeValue) ||
    !opt(r.chunk, isInt) ||
    !opt(r.closedBy, (v) => v === 'client' || v === 'server') ||
    !opt(r.wasClean, (v) => typeof v === 'boolean') ||
    !opt(r.truncatedFields, isStrings) ||
    !opt(
      r.form,
      (f) => Array.isArray(f) && f.every((x) => typeof x === 'object' && x !== null && isStr(x.name)),
    )
  )
    throw problem('event field');
}

/** A records message as a panel reads it, checked every way it is used. */
function checkRecordsMessage(msg: RecordsMessage): void {
  expect(parseDocumentInfo(msg.doc)).not.toBeNull();
  for (const key of ['evicted', 'dropped', 'invalid'] as const) expect(isInt(msg.loss[key])).toBe(true);
  for (const record of msg.records) checkRecord(record);
  // The same validator accepts it again, unchanged.
  const again = parseRecordsMessage(JSON.parse(JSON.stringify(msg)));
  expect(again && JSON.stringify(again)).toBe(JSON.stringify(msg));
}

/** What a store holds can be shown, exported as a valid timeline and as a HAR, and imported again. */
function checkExports(
  parts: { connections: ImportedParts['connections']; events: ImportedParts['events'] },
  patterns: ImportedParts['patterns'] = [],
): void {
  const known = new Set(parts.connections);
  const problem = (why: string, what: unknown) => new Error(`${why}: ${JSON.stringify(what)?.slice(0, 300)}`);
  for (const e of parts.events) {
    if (!known.has(e.connection)) throw problem('an event of no listed connection', e.record);
    if (!isTimeValue(e.time)) throw problem('an event time', e.record);
    checkRecord(e.record, true);
  }
  for (const c of parts.connections) {
    if (!isTimeValue(c.startedAt) || !(c.endedAt === null || isTimeValue(c.endedAt)))
      throw problem('a connection time', { ...c, record: undefined });
    if (!(c.status === null || Number.isInteger(c.status))) throw problem('a connection status', c.status);
    checkRecord(c.record, true);
  }
  const timeline: TimelineExport = buildTimelineExport({
    connections: parts.connections,
    events: parts.events,
    page: SESSION_PAGE,
    toolVersion: '0.1.0',
    userAgent: 'fuzz',
    now: new Date(T),
    patterns,
  });
  if (!validateTimeline(timeline))
    throw new Error(`export fails the schema: ${JSON.stringify(validateTimeline.errors?.[0])}`);
  const again = importFile(JSON.stringify(timeline), 'again.json');
  if (!again.ok) throw new Error(`the export does not import: ${again.error}`);
  expect(again.parts.events).toHaveLength(timeline.events.length);
  expect(again.parts.connections).toHaveLength(parts.connections.length);
  const har = buildHarExport({
    connections: parts.connections,
    events: parts.events,
    page: SESSION_PAGE,
    toolVersion: '0.1.0',
  });
  const harAgain = importFile(JSON.stringify(har), 'again.har');
  if (parts.connections.length > 0 && !harAgain.ok)
    throw new Error(`the HAR export does not import: ${harAgain.error}`);
}

// ---------------------------------------------------------------------------
// Valid samples, mutated by the cases.

function hookBatchSample(): unknown {
  return {
    v: PROTOCOL_VERSION,
    t: 'batch',
    records: [
      { r: 'conn', id: 1, time: T, transport: 'websocket', url: 'ws://h/x', requestedProtocols: ['a', 'b'] },
      { r: 'ev', conn: 1, time: T + 1, type: 'open', protocol: 'a', extensions: '' },
      {
        r: 'run',
        fields: Float64Array.from([0, 1, T + 2, 0, 1, 1, T + 3, 1, 0, 1, T + 3.5, 0]).buffer,
        bodies: ['hi', new Uint8Array([1, 2]).buffer, '{"x":"\\"y\\""}'],
      },
      {
        r: 'conn',
        id: 2,
        time: T + 4,
        transport: 'fetch',
        url: 'http://h/api',
        method: 'POST',
        requestHeaders: [['content-type', 'application/json']],
      },
      { r: 'ev', conn: 2, time: T + 4, type: 'open' },
      { r: 'ev', conn: 2, time: T + 5, type: 'send', body: '{"a":1}', bodyKind: 'text' },
      {
        r: 'ev',
        conn: 2,
        time: T + 6,
        type: 'receive',
        status: 200,
        statusText: 'OK',
        responseHeaders: [['content-type', 'application/json']],
        headersAt: T + 5.5,
        body: new Blob(['{"ok":true}']),
        fullSize: 50,
        chunk: 0,
      },
      { r: 'ev', conn: 2, time: T + 7, type: 'close', status: 200 },
      {
        r: 'ev',
        conn: 3,
        time: T + 8,
        type: 'send',
        form: [
          { name: 'f', value: 'v' },
          { name: 'file', fileName: 'a.bin', fileSize: 3, fileType: 'x' },
        ],
      },
      {
        r: 'ev',
        conn: 1,
        time: T + 9,
        type: 'close',
        code: 1000,
        reason: 'bye',
        wasClean: true,
        closedBy: 'client',
      },
    ],
    dropped: 0,
    backlog: false,
  };
}

/** What a relay sends for the session fixture, as JSON (what crosses Chrome's port). */
function recordsWireSample(): unknown {
  const core = new RelayCore({
    doc: { docId: 'doc-1', url: 'http://h/', title: 'T', top: true, startedAt: T },
  });
  core.acceptHookMessage({
    v: PROTOCOL_VERSION,
    t: 'batch',
    records: (hookBatchSample() as { records: unknown[] }).records.filter(
      (r) => !((r as { body?: unknown }).body instanceof Blob),
    ),
  });
  let wire: unknown = null;
  core.subscribe((m) => {
    wire = JSON.parse(JSON.stringify(m));
  });
  core.flush();
  return wire;
}

/** The session fixture plus a streamed HTTP response whose chunks mix binary and text (joined on HAR export). */
function storeSample(): TimelineStore {
  const store = sessionStore();
  const doc = { docId: 'doc-1', url: SESSION_PAGE.url, title: 'Chat', top: true, startedAt: T - 100 };
  const seq = store.docs.get('doc-1')?.lastSeq ?? 0;
  store.ingest({
    v: PROTOCOL_VERSION,
    t: 'panel-records',
    tabId: 1,
    frameId: 0,
    doc,
    loss: { evicted: 0, dropped: 0, invalid: 0 },
    records: [
      {
        r: 'conn',
        seq: seq + 1,
        time: T + 3000,
        id: 9,
        transport: 'fetch',
        url: 'https://app.example/bin',
        method: 'GET',
      },
      { r: 'ev', seq: seq + 2, time: T + 3000, conn: 9, type: 'open' },
      {
        r: 'ev',
        seq: seq + 3,
        time: T + 3010,
        conn: 9,
        type: 'receive',
        status: 200,
        chunk: 0,
        data: { base64: 'AAEC' },
        size: 3,
        truncated: false,
      },
      {
        r: 'ev',
        seq: seq + 4,
        time: T + 3020,
        conn: 9,
        type: 'receive',
        chunk: 1,
        data: { text: 'tail' },
        size: 4,
        truncated: false,
      },
      { r: 'ev', seq: seq + 5, time: T + 3030, conn: 9, type: 'close', status: 200 },
    ],
  });
  return store;
}

const timelineSample = (): TimelineExport => sessionExport(storeSample(), { userAgent: 'fuzz' });

const harSample = (): unknown => sessionHar(storeSample());

// ---------------------------------------------------------------------------

describe('fuzz: hook batches, and the relay behind them', () => {
  it('never throws, and every record the relay passes on is one the panel accepts, with no gap', async () => {
    const g = gen(2801);
    const sample = hookBatchSample();
    for (let i = 0; i < 2500; i++) {
      const input = g.variant(sample);
      expect(() => parseHookMessage(input)).not.toThrow();
      const core = new RelayCore({
        doc: { docId: 'd', url: 'http://h/', title: '', top: true, startedAt: T },
      });
      core.payloadCap = g.pick([1024, 64 * 1024, 1024 * 1024]);
      const store = new TimelineStore();
      let relayInvalid = 0;
      core.subscribe((m) => {
        const json = JSON.stringify(m);
        expect(Buffer.byteLength(json)).toBeLessThanOrEqual(MAX_RUNTIME_MESSAGE_BYTES);
        const parsed = parseRecordsMessage(JSON.parse(json));
        if (!parsed) throw new Error(`the panel rejects a relay message: ${json.slice(0, 300)}`);
        // Nothing the relay sent fails the panel's own validation.
        expect(parsed.loss.invalid).toBe(m.loss.invalid);
        relayInvalid = m.loss.invalid;
        checkRecordsMessage(parsed);
        store.ingest({ ...parsed, t: 'panel-records', tabId: 1, frameId: 0 });
      });
      expect(() => core.acceptHookMessage(input)).not.toThrow();
      core.flush();
      for (let wait = 0; core.hasOutgoing && wait < 50; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        core.flush();
      }
      expect(core.hasOutgoing).toBe(false);
      expect(store.lost.missing).toBe(0);
      expect(relayInvalid).toBe(core.lossCounters.invalid);
      checkExports(store);
    }
  }, 120_000);
});

describe('fuzz: what panels and relays are told', () => {
  it('records messages: never throw; what passes is well typed, accepted again unchanged, and can be shown and exported', () => {
    const g = gen(2802);
    const sample = recordsWireSample();
    expect(parseRecordsMessage(sample)).not.toBeNull();
    for (let i = 0; i < 4000; i++) {
      const input = g.variant(sample);
      let parsed: RecordsMessage | null = null;
      expect(() => {
        parsed = parseRecordsMessage(input);
      }).not.toThrow();
      if (!parsed) continue;
      checkRecordsMessage(parsed);
      const store = new TimelineStore();
      store.ingest({ ...(parsed as RecordsMessage), t: 'panel-records', tabId: 1, frameId: 0 });
      checkExports(store);
      const wrapped = {
        v: PROTOCOL_VERSION,
        t: 'from-relay',
        tabId: g.pick([0, 3, -1, 1.5]),
        frameId: 0,
        message: input,
      };
      expect(() => {
        const outer = parseFromRelay(wrapped);
        if (outer) readRelayRecords(outer.message, outer.tabId, outer.frameId);
      }).not.toThrow();
    }
  }, 120_000);

  it('the small messages (hello, subscribe, config, panel requests, documents): never throw, and return only what they check', () => {
    const g = gen(2803);
    const samples = [
      { v: PROTOCOL_VERSION, t: 'hello' },
      { v: PROTOCOL_VERSION, t: 'hello-reply', subscribed: true, payloadCap: 1 << 20 },
      { v: PROTOCOL_VERSION, t: 'subscribe', payloadCap: 1 << 20 },
      { v: PROTOCOL_VERSION, t: 'config', payloadCap: 1 << 20 },
      { v: PROTOCOL_VERSION, t: 'announce', payloadCap: 1 << 20 },
      { v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: 3, payloadCap: 1 << 20 },
      { v: PROTOCOL_VERSION, t: 'panel-config', tabId: 3, payloadCap: 1 << 20 },
      { v: PROTOCOL_VERSION, t: 'panel-ping', tabId: 3, payloadCap: 1 << 20 },
      { docId: 'd', url: 'http://h/', title: 't', top: false, startedAt: T },
    ];
    for (let i = 0; i < 4000; i++) {
      const input = g.variant(g.pick(samples));
      const hello = parseRelayHello(input);
      const reply = parseHelloReply(input);
      const toRelay = parseToRelay(input);
      const toBackground = parsePanelToBackground(input);
      const docInfo = parseDocumentInfo(input);
      const record = parseCaptureRecord(input);
      if (hello) expect(hello).toEqual({ v: PROTOCOL_VERSION, t: 'hello' });
      if (reply) expect(typeof reply.subscribed === 'boolean' && isInt(reply.payloadCap)).toBe(true);
      if (toRelay) expect(['subscribe', 'config', 'announce']).toContain(toRelay.t);
      if (toRelay) expect(isInt(toRelay.payloadCap)).toBe(true);
      if (toBackground) expect(isInt(toBackground.tabId) && isInt(toBackground.payloadCap)).toBe(true);
      if (docInfo)
        expect(isStr(docInfo.docId) && isStr(docInfo.url) && isTimeValue(docInfo.startedAt)).toBe(true);
      if (record) checkRecord(record);
      expect(() => sanitizeSettings(input)).not.toThrow();
    }
  });
});

describe('fuzz: runs of messages', () => {
  it('unpacking never throws, and what it gives is exactly what a run can carry', () => {
    const g = gen(2804);
    const sample = {
      r: 'run',
      seq: 5,
      flags: [0, 3, 4, 1],
      conns: [1, 1, 2, 2],
      times: [T, T + 1, T + 2, T + 3],
      lengths: [1, 0, 0, 2],
      text: 'abc',
      binary: ['AQID', ''],
    };
    for (let i = 0; i < 5000; i++) {
      const input = g.variant(sample);
      if (typeof input !== 'object' || input === null) continue;
      let out: ReturnType<typeof unpackMessageRun> = { records: [], invalid: 0 };
      expect(() => {
        out = unpackMessageRun(input as Record<string, unknown>);
      }).not.toThrow();
      const { records, invalid } = out;
      const frames = Array.isArray((input as { flags?: unknown }).flags)
        ? (input as { flags: unknown[] }).flags.length
        : 0;
      expect(records.length + invalid === frames || (records.length === 0 && invalid === 1)).toBe(true);
      let previous = -1;
      for (const record of records) {
        checkRecord(record);
        expect(JSON.stringify(parseCaptureRecord(JSON.parse(JSON.stringify(record))))).toBe(
          JSON.stringify(record),
        );
        expect(record.seq).toBeGreaterThan(previous);
        previous = record.seq;
      }
      // The texts given are the run's text, in order, each whole.
      const texts = records.flatMap((r) => (r.data && 'text' in r.data ? [r.data.text] : []));
      const text = (input as { text?: unknown }).text;
      if (typeof text === 'string') expect(text.includes(texts.join(''))).toBe(true);
    }
  });

  /** A random validated hook run of `n` plain messages (texts and binary). */
  const randomRun = (g: Gen, n: number): MessageRun => {
    const fields: number[] = [];
    const bodies: Array<string | ArrayBuffer> = [];
    for (let k = 0; k < n; k++) {
      const binary = g.chance(0.3);
      fields.push(g.chance(0.5) ? 1 : 0, g.int(3), T + g.int(1000) / 8, binary ? 1 + g.int(2) : 0);
      bodies.push(binary ? Uint8Array.from({ length: g.int(20) }, () => g.int(256)).buffer : g.string());
    }
    return { r: 'run', fields: Float64Array.from(fields), bodies };
  };

  it('a run the relay keeps and sends gives the panel the records the relay makes of each message alone', () => {
    const g = gen(2805);
    for (let i = 0; i < 2000; i++) {
      const n = 1 + g.int(12);
      const run = randomRun(g, n);
      const seq = 1 + g.int(1000);
      const from = g.int(n);
      const to = from + 1 + g.int(n - from);
      const stored = storeRun(run, 0, n, seq);
      // Sending some binary bodies first (they are then kept as base64) changes nothing.
      if (g.chance(0.3)) runWire(stored, g.int(n), n);
      const wire = JSON.parse(JSON.stringify(runWire(stored, from, to))) as Record<string, unknown>;
      const alone = run.bodies
        .slice(from, to)
        .map((_, k) => normalizeMessage(run, from + k, seq + from + k, 1 << 30).record);
      expect(unpackMessageRun(wire)).toEqual({ records: alone, invalid: 0 });
      // So does a message made a run of its own (to be sent alone, cut to its bare facts).
      const k = from + g.int(to - from);
      expect(normalizeMessage(messageAsRun(stored, k), 0, seq + k, 1 << 30).record).toEqual(alone[k - from]);
    }
  });

  it('a relay keeps, evicts and sends runs: the panel gets every message kept, each as the relay makes it alone, and misses only evicted ones', () => {
    const g = gen(2806);
    for (let i = 0; i < 200; i++) {
      const maxEvents = 1 + g.int(g.chance(0.2) ? 3000 : 60);
      const cap = g.pick([64, 1024, 1 << 20]);
      const core = new RelayCore({
        doc: { docId: 'd', url: 'http://h/', title: '', top: true, startedAt: T },
      });
      (core as unknown as { history: History }).history = new History(maxEvents);
      core.payloadCap = cap;
      const got: CaptureRecord[] = [];
      const subscribe = () =>
        core.subscribe((m) => {
          const parsed = parseRecordsMessage(JSON.parse(JSON.stringify(m)));
          if (!parsed) throw new Error('the panel rejects a relay message');
          expect(parsed.loss.invalid).toBe(0);
          got.push(...parsed.records);
        });
      if (g.chance(0.5)) subscribe();
      /** Every message the relay was given, by seq (from 1), with the run that carried it. */
      const given: Array<[MessageRun, number]> = [];
      for (let b = 1 + g.int(4); b > 0; b--) {
        const run = randomRun(g, 1 + g.int(g.chance(0.05) ? 5000 : 40));
        // Some that go alone: a text over the cap, a body whose kind does not match it.
        for (let k = 0; k < run.bodies.length; k++)
          if (g.chance(0.05)) run.fields[k * MESSAGE_FIELDS + 3] = typeof run.bodies[k] === 'string' ? 1 : 0;
        for (let k = 0; k < run.bodies.length; k++) given.push([run, k]);
        const hook = { r: 'run', fields: run.fields.slice().buffer, bodies: run.bodies };
        core.acceptHookMessage({ v: PROTOCOL_VERSION, t: 'batch', records: [hook] });
        if (g.chance(0.5)) core.flush();
        if (g.chance(0.2)) subscribe();
      }
      subscribe();
      core.flush();
      expect(core.lossCounters.invalid).toBe(0);
      const kept = Math.min(maxEvents, given.length);
      const bySeq = new Map(got.map((r) => [r.seq, r]));
      for (let seq = 1; seq <= given.length; seq++) {
        const record = bySeq.get(seq);
        // The newest are kept, so the last subscriber got them all; an older one, only if it was sent in time.
        if (seq > given.length - kept) expect(record).toBeDefined();
        if (!record) continue;
        const [run, k] = given[seq - 1] as [MessageRun, number];
        expect(record).toEqual(normalizeMessage(run, k, seq, cap).record);
      }
    }
  }, 60_000);
});

describe('fuzz: importing files', () => {
  it('timeline and HAR files, mutated or not JSON at all: never throw; what imports can be shown, exported and imported again', () => {
    const g = gen(2806);
    const samples: Array<[string, unknown]> = [
      ['t.json', timelineSample()],
      ['t.har', harSample()],
    ];
    let imported = 0;
    for (let i = 0; i < 5000; i++) {
      const [name, sample] = g.pick(samples);
      let text: string;
      if (g.chance(0.05)) text = JSON.stringify(sample).slice(0, g.int(2000));
      else if (g.chance(0.03)) text = g.string();
      else text = JSON.stringify(g.variant(sample)) ?? 'undefined';
      let result: ReturnType<typeof importFile> | null = null;
      expect(() => {
        result = importFile(text, name);
      }).not.toThrow();
      const done = result as ReturnType<typeof importFile> | null;
      if (!done?.ok) continue;
      imported++;
      try {
        checkExports(done.parts, done.parts.patterns);
      } catch (err) {
        throw new Error(`case ${i} (${name}): ${String(err).slice(0, 400)}\ninput: ${text.slice(0, 3000)}`);
      }
    }
    // The mutations leave many files readable: the checks above ran on them.
    expect(imported).toBeGreaterThan(500);
  }, 120_000);
});
