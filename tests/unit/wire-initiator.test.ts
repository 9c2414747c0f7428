// A connection's initiator through every hop: the relay's reading of the
// hook's record, the panel's check, the export and its schema, and import.

import { describe, expect, it } from 'vitest';
import { buildTimelineExport } from '../../lib/export/timeline';
import { importFile } from '../../lib/import';
import type { CaptureRecord } from '../../lib/model';
import { TimelineStore } from '../../lib/timeline/store';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';
import { MAX_CALL_SITE_NAME_LENGTH, MAX_CALL_SITE_URL_LENGTH } from '../../lib/wire/fields';
import { parseHookRecord } from '../../lib/wire/page-relay-read';
import { type PanelRecords, parseCaptureRecord } from '../../lib/wire/records';

const T = 1_764_000_000_000;

const site = { fn: 'longPoll', url: 'http://127.0.0.1:5178/seed', line: 9, column: 7 };
const hookConn = (initiator: unknown) => ({
  r: 'conn',
  id: 1,
  time: 1_764_000_000_000,
  transport: 'xhr',
  url: 'http://127.0.0.1:5178/seed/poll',
  method: 'GET',
  initiator,
});

describe('initiator on the wire', () => {
  it('the relay keeps a well-formed call site, and only its fields', () => {
    const out = parseHookRecord(hookConn({ ...site, extra: 'x' }));
    expect(out).toMatchObject({ r: 'conn', initiator: site });
    expect(out && 'initiator' in out && Object.keys(out.initiator ?? {})).toEqual([
      'url',
      'line',
      'column',
      'fn',
    ]);
    const anonymous = parseHookRecord(hookConn({ url: site.url, line: 1, column: 1 }));
    expect(anonymous && 'initiator' in anonymous ? anonymous.initiator : null).toEqual({
      url: site.url,
      line: 1,
      column: 1,
    });
  });

  it('the relay cuts a long name or URL and says so', () => {
    const out = parseHookRecord(
      hookConn({
        ...site,
        fn: 'f'.repeat(MAX_CALL_SITE_NAME_LENGTH + 5),
        url: `http://x/${'u'.repeat(MAX_CALL_SITE_URL_LENGTH)}`,
      }),
    );
    if (out?.r !== 'conn') return expect.unreachable();
    expect(out.initiator?.fn).toHaveLength(MAX_CALL_SITE_NAME_LENGTH);
    expect(out.initiator?.url).toHaveLength(MAX_CALL_SITE_URL_LENGTH);
    expect(out.truncatedFields).toEqual(['initiator']);
  });

  it('the relay refuses a malformed call site', () => {
    for (const bad of [
      null,
      'here',
      [site.url, 9, 7],
      { ...site, line: 0 },
      { ...site, line: 1.5 },
      { ...site, column: -1 },
      { ...site, column: '7' },
      { ...site, line: 2 ** 31 },
      { ...site, url: 42 },
      { ...site, fn: 42 },
      { line: 1, column: 1 },
    ])
      expect(parseHookRecord(hookConn(bad)), JSON.stringify(bad)).toBeNull();
  });

  it('the panel accepts what the relay sends and refuses anything else', () => {
    const rec = { ...hookConn(site), seq: 1 };
    expect(parseCaptureRecord(rec)).not.toBeNull();
    for (const bad of [
      { ...site, extra: 1 },
      { ...site, line: 0 },
      { ...site, fn: 'f'.repeat(MAX_CALL_SITE_NAME_LENGTH + 1) },
      { ...site, url: 'u'.repeat(MAX_CALL_SITE_URL_LENGTH + 1) },
      'http://x/:1:1',
    ])
      expect(parseCaptureRecord({ ...rec, initiator: bad }), JSON.stringify(bad)).toBeNull();
  });
});

describe('initiator in the export', () => {
  function exported() {
    const store = new TimelineStore();
    const records: CaptureRecord[] = [
      {
        r: 'conn',
        seq: 1,
        id: 1,
        time: T,
        transport: 'xhr',
        url: 'http://127.0.0.1:5178/seed/poll',
        initiator: site,
      },
      { r: 'conn', seq: 2, id: 2, time: T + 1, transport: 'xhr', url: 'http://127.0.0.1:5178/x' },
    ];
    const message: PanelRecords = {
      v: PROTOCOL_VERSION,
      t: 'panel-records',
      tabId: 1,
      frameId: 0,
      doc: { docId: 'd1', url: 'http://127.0.0.1:5178/seed', title: 'seed', top: true, startedAt: T },
      loss: { evicted: 0, dropped: 0, invalid: 0 },
      records,
    };
    store.ingest(message);
    return buildTimelineExport({
      connections: store.connections,
      events: store.events,
      patterns: [],
      page: { url: 'http://127.0.0.1:5178/seed', title: 'seed' },
      toolVersion: '0.0.0',
      userAgent: 'test',
      now: new Date(0),
    });
  }

  it('is written when recorded, and read back on import', () => {
    const file = exported();
    expect(file.connections[0]?.initiator).toEqual(site);
    expect(file.connections[1]).not.toHaveProperty('initiator');
    const back = importFile(JSON.stringify(file), 'timeline.json');
    if (!back.ok) return expect.unreachable(back.error);
    expect(back.parts.connections[0]?.record.initiator).toEqual(site);
  });

  it('a file with a malformed initiator is refused by the schema', () => {
    const file = exported();
    const broken = { ...file, connections: [{ ...file.connections[0], initiator: { ...site, line: 0 } }] };
    const back = importFile(JSON.stringify(broken), 'timeline.json');
    expect(back.ok).toBe(false);
  });
});
