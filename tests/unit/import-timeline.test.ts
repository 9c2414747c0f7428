import { readFile } from 'node:fs/promises';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { buildHarExport } from '../../lib/export/har';
import { buildTimelineExport, type TimelineExport } from '../../lib/export/timeline';
import { importFile, MAX_IMPORT_CHARS } from '../../lib/import';
import { TimelineStore } from '../../lib/timeline/store';
import { generateTimelineValidator, VALIDATOR_PATH } from '../../scripts/gen-timeline-validator';
import { sessionExport, sessionStore } from './import-fixtures';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const schema = JSON.parse(
  await readFile(new URL('../../schema/wirescope-timeline.v1.schema.json', import.meta.url), 'utf8'),
);
// The full runtime Ajv with ajv-formats (Node only): a second opinion next to the precompiled one.
// (CommonJS default exports: the constructor / function may sit on `.default`.)
const AjvClass = (Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020;
const addFormatsFn = (addFormats as unknown as { default?: typeof addFormats }).default ?? addFormats;
const ajv = new AjvClass({ allErrors: true, strict: false });
addFormatsFn(ajv);
const validateWithAjv = ajv.compile(schema);

const exportOf = (store: TimelineStore, patterns = true): TimelineExport =>
  sessionExport(store, { patterns, now: NOW });

const text = (v: unknown) => JSON.stringify(v);

function importOk(content: string, name = 'file.json') {
  const result = importFile(content, name);
  if (!result.ok) throw new Error(result.error);
  return result;
}

function importError(content: string, name = 'file.json'): string {
  const result = importFile(content, name);
  if (result.ok) throw new Error('expected an import error');
  return result.error;
}

describe('timeline export against the schema', () => {
  it('validates with Ajv + ajv-formats', () => {
    const file = exportOf(sessionStore());
    expect(validateWithAjv(file), text(validateWithAjv.errors)).toBe(true);
    expect(file.events.length).toBe(20);
    // A WebSocket open carries the negotiated subprotocol and extensions.
    expect(file.events.find((e) => e.type === 'open')).toMatchObject({
      protocol: 'chat',
      extensions: 'permessage-deflate',
    });
  });

  it('the precompiled validator is generated from the current schema', async () => {
    expect(await readFile(VALIDATOR_PATH, 'utf8')).toBe(await generateTimelineValidator());
  });

  it('the precompiled validator uses neither eval nor new Function (extension page CSP)', async () => {
    const code = await readFile(VALIDATOR_PATH, 'utf8');
    expect(code).not.toMatch(/new Function|\beval\(|require\(/);
  });
});

describe('one number per connection, one seq per event', () => {
  it('a part of the timeline exported keeps the numbers the panel shows; imported, they are shown again', () => {
    const store = sessionStore();
    const [, second, third] = store.connections;
    if (!second || !third) throw new Error('the session has fewer than three connections');
    const events = store.events.filter((e) => e.connection === third);
    const part = buildTimelineExport({
      connections: [third],
      events,
      page: { url: '', title: '' },
      toolVersion: '0.1.0',
      userAgent: 'test',
      now: NOW,
      numberOf: (c) => store.numberOf(c),
    });
    expect(part.connections.map((c) => c.id)).toEqual([`c${store.numberOf(third)}`]);
    expect(store.numberOf(third)).toBe(3);
    const shown = TimelineStore.fromParts(importOk(text(part)).parts);
    expect(shown.connections.map((c) => shown.numberOf(c))).toEqual([3]);
    // Each event keeps the seq it has in the file.
    expect(shown.events.map((e) => e.seq)).toEqual(part.events.map((e) => e.seq));
  });

  it('a file whose ids are not all cN, or repeat a number, is numbered in order', () => {
    const file = exportOf(sessionStore());
    const renamed = {
      ...file,
      connections: file.connections.map((c, i) => ({ ...c, id: i === 0 ? 'first' : c.id })),
      events: file.events.map((e) => (e.connectionId === 'c1' ? { ...e, connectionId: 'first' } : e)),
      patterns: [],
    };
    const shown = TimelineStore.fromParts(importOk(text(renamed)).parts);
    expect(shown.connections.map((c) => shown.numberOf(c))).toEqual(file.connections.map((_, i) => i + 1));
  });
});

describe('timeline round trip', () => {
  it('store → export → import → export gives the same file', () => {
    const first = exportOf(sessionStore());
    const imported = importOk(text(first));
    expect(imported.kind).toBe('timeline');
    const store = TimelineStore.fromParts(imported.parts);
    const again = buildTimelineExport({
      connections: store.connections,
      events: store.events,
      page: imported.parts.page,
      toolVersion: '0.1.0',
      userAgent: 'test',
      now: NOW,
      patterns: imported.parts.patterns,
    });
    expect(again).toEqual(first);
  });

  it('imports connections with live counters and state', () => {
    const { parts } = importOk(text(exportOf(sessionStore())));
    const [ws, xhr, fetchStream, es, failed] = parts.connections;
    expect(ws).toMatchObject({
      transport: 'websocket',
      sent: 1,
      received: 2,
      bytesSent: 18,
      bytesReceived: 5003,
      state: 'closed',
      protocol: 'chat',
    });
    expect(xhr).toMatchObject({ transport: 'xhr', method: 'POST', status: 200, state: 'closed' });
    expect(fetchStream).toMatchObject({ received: 2, state: 'closed' });
    expect(es).toMatchObject({ transport: 'eventsource', received: 2, state: 'error' });
    expect(failed).toMatchObject({ state: 'error' });
    expect(parts.events.map((e) => e.seq)).toEqual(parts.events.map((_, i) => i + 1));
    expect(parts.events.every((e) => e.connection === parts.connections[e.record.conn - 1])).toBe(true);
  });

  it('accepts a byte order mark', () => {
    expect(importOk(`\ufeff${text(exportOf(sessionStore()))}`).ok).toBe(true);
  });
});

describe('bad timeline files', () => {
  const good = () => exportOf(sessionStore()) as unknown as Record<string, unknown> & TimelineExport;

  it('not JSON', () => {
    expect(importError('{"format": ', 'broken.json')).toMatch(/^broken\.json: not JSON \(/);
    expect(importError('', 'empty.json')).toMatch(/not JSON/);
  });

  it('JSON of the wrong kind', () => {
    expect(importError('[1,2]')).toMatch(/expected a JSON object/);
    expect(importError('null')).toMatch(/expected a JSON object/);
    expect(importError('{"hello": 1}')).toMatch(/no "format" or "log" field/);
    expect(importError(text({ ...good(), format: 'other' }))).toMatch(/not a Wirescope timeline/);
  });

  it('unsupported version', () => {
    expect(importError(text({ ...good(), version: 2 }))).toMatch(
      /unsupported timeline version 2: this Wirescope reads version 1/,
    );
  });

  it('schema errors name the JSON path', () => {
    const f = good();
    f.events[3] = { ...f.events[3], type: 'explode' } as never;
    expect(importError(text(f))).toMatch(
      /schema error at \/events\/3\/type: must be equal to one of the allowed values/,
    );
    const g = good();
    delete (g.connections[0] as Partial<(typeof g.connections)[0]>).url;
    expect(importError(text(g))).toMatch(
      /schema error at \/connections\/0: must have required property 'url'/,
    );
    const h = good();
    (h as Record<string, unknown>).exportedAt = 'yesterday';
    expect(importError(text(h))).toMatch(/at \/exportedAt: must match format "date-time"/);
    const i = good();
    i.events[1] = { ...i.events[1], data: { text: 'x' } } as never;
    delete (i.events[1] as { size?: number }).size;
    expect(importError(text(i))).toMatch(
      /at \/events\/1: must have properties size, truncated when property data is present/,
    );
  });

  it('events that name a missing connection', () => {
    const f = good();
    f.events[5] = { ...f.events[5], connectionId: 'c99' } as never;
    expect(importError(text(f))).toMatch(/\/events\/5\/connectionId "c99" names no connection/);
  });

  it('duplicate connection ids', () => {
    const f = good();
    f.connections[1] = { ...f.connections[1], id: 'c1' } as never;
    expect(importError(text(f))).toMatch(/\/connections\/1\/id "c1" is used twice/);
  });

  it('seq that does not increase strictly', () => {
    const f = good();
    f.events[4] = { ...f.events[4], seq: 4 } as never;
    expect(importError(text(f))).toMatch(/\/events\/4\/seq 4 does not follow 4/);
  });

  it('too large', () => {
    const huge = { length: MAX_IMPORT_CHARS + 1 } as unknown as string;
    expect(importError(huge, 'big.json')).toMatch(/^big\.json: too large \(256 MB\)/);
  });

  it('times no date can hold (1e300): refused, saying where, so Export HAR never meets them', () => {
    const f = good();
    f.events[2] = { ...f.events[2], time: 1e300 } as never;
    expect(importError(text(f))).toMatch(/\/events\/2\/time 1e\+300 is later than any date/);
    const g = good();
    g.connections[0] = { ...g.connections[0], endedAt: 8.64e15 + 1 } as never;
    expect(importError(text(g))).toMatch(/\/connections\/0\/endedAt .* is later than any date/);
    // The last time a Date can hold is still a time.
    const h = good();
    h.events[19] = { ...h.events[19], time: 8.64e15 } as never;
    const { parts } = importOk(text(h));
    expect(() => buildHarExport({ ...parts, toolVersion: '0.1.0' })).not.toThrow();
  });

  it('base64 that is not: refused, saying where', () => {
    const f = good();
    const at = f.events.findIndex((e) => e.data && 'base64' in e.data);
    f.events[at] = { ...f.events[at], data: { base64: '!!!=' } } as never;
    expect(importError(text(f))).toMatch(new RegExp(`/events/${at}/data/base64 is not base64`));
  });
});

describe('truncatedFields', () => {
  it('a connection and an event cut to fit keep saying so through export and import', () => {
    const store = sessionStore();
    const [ws] = store.connections;
    if (!ws) throw new Error('no connection');
    ws.record.truncatedFields = ['url'];
    const event = store.events.find((e) => e.record.code === 4000);
    if (!event) throw new Error('no close');
    event.record.truncatedFields = ['reason'];
    const file = exportOf(store);
    expect(validateWithAjv(file), text(validateWithAjv.errors)).toBe(true);
    expect(file.connections[0]?.truncatedFields).toEqual(['url']);
    expect(file.events.find((e) => e.code === 4000)?.truncatedFields).toEqual(['reason']);
    const { parts } = importOk(text(file));
    expect(parts.connections[0]?.record.truncatedFields).toEqual(['url']);
    expect(parts.events.find((e) => e.record.code === 4000)?.record.truncatedFields).toEqual(['reason']);
  });
});
