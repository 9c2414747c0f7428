// Benchmark: one filter pass over 100,000 timeline events (the panel re-runs
// this when the user edits the query). Prints milliseconds per query; run with
// `npx tsx scripts/bench/filter.ts` or through `npm run bench` via run().

import { pathToFileURL } from 'node:url';
import { compileClauses, parseFilter } from '../../lib/filter';
import type { CaptureRecord } from '../../lib/model';
import { medianOf } from '../../lib/patterns/median';
import { TimelineStore } from '../../lib/timeline/store';
import { FilteredView } from '../../lib/timeline/view';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';

export const EVENT_COUNT = 100_000;

/** A store with 100,000 events over 50 connections of every transport. */
export function buildLargeStore(count = EVENT_COUNT): TimelineStore {
  const store = new TimelineStore();
  const transports = ['websocket', 'xhr', 'fetch', 'eventsource'] as const;
  const records: CaptureRecord[] = [];
  let seq = 0;
  for (let c = 1; c <= 50; c++) {
    records.push({
      r: 'conn',
      seq: ++seq,
      time: 1_700_000_000_000 + c,
      id: c,
      transport: transports[c % 4] ?? 'websocket',
      url: `wss://stream.example/${c % 4 === 0 ? 'socket' : `api/v1/poll?cursor=${c}`}`,
    });
  }
  for (let i = 0; i < count; i++) {
    const text = JSON.stringify({
      type: i % 7 === 0 ? 'trade' : 'quote',
      id: i,
      symbol: `SYM${i % 300}`,
      px: i * 0.01,
    });
    records.push({
      r: 'ev',
      seq: ++seq,
      time: 1_700_000_000_100 + i,
      conn: (i % 50) + 1,
      type: i % 3 === 0 ? 'send' : 'receive',
      data: { text },
      size: text.length,
      ...(i % 97 === 0 ? { status: 404 } : {}),
    });
  }
  store.ingest({
    v: PROTOCOL_VERSION,
    t: 'panel-records',
    tabId: 1,
    frameId: 0,
    doc: {
      docId: 'bench',
      url: 'https://stream.example/',
      title: '',
      top: true,
      startedAt: 1_700_000_000_000,
    },
    loss: { evicted: 0, dropped: 0, invalid: 0 },
    records,
  });
  return store;
}

export const QUERIES = [
  'trade',
  '/"symbol":"SYM1\\d\\d"/',
  'transport:ws dir:in size>60',
  '-quote url:poll',
  'status:4xx',
  'no-such-text-anywhere',
];

export interface FilterBenchResult {
  events: number;
  perQueryMs: Record<string, { ms: number; matched: number }>;
  incrementalBatchMs: number;
}

export function measureFilter(): FilterBenchResult {
  const store = buildLargeStore();
  const view = new FilteredView(store);
  const perQueryMs: FilterBenchResult['perQueryMs'] = {};
  for (const q of QUERIES) {
    const times: number[] = [];
    let matched = 0;
    for (let rep = 0; rep < 5; rep++) {
      const t0 = performance.now();
      view.setPredicate(compileClauses(parseFilter(q).clauses, (c) => store.numberOf(c)));
      view.update();
      times.push(performance.now() - t0);
      matched = view.items.length;
      view.setPredicate(null);
    }
    perQueryMs[q] = { ms: Number(medianOf(times).toFixed(2)), matched };
  }
  // Streaming: a 200-event batch on top of 100k must not rescan everything.
  view.setPredicate(compileClauses(parseFilter('trade').clauses, (c) => store.numberOf(c)));
  view.update();
  const extra = buildLargeStore(200).events.slice(0);
  const t0 = performance.now();
  for (const e of extra) store.events.push({ ...e, seq: e.seq + EVENT_COUNT, time: e.time + EVENT_COUNT });
  view.update();
  const incrementalBatchMs = Number((performance.now() - t0).toFixed(3));
  return { events: store.events.length, perQueryMs, incrementalBatchMs };
}

/** The figures as printed lines (for `npm run bench`). */
export async function run(): Promise<string[]> {
  const r = measureFilter();
  const lines = [`filter pass over ${EVENT_COUNT} events (median of 5):`];
  for (const [q, { ms, matched }] of Object.entries(r.perQueryMs))
    lines.push(`  ${ms.toFixed(2).padStart(8)} ms  ${String(matched).padStart(6)} matched  ${q}`);
  lines.push(`incremental update for a 200-event batch: ${r.incrementalBatchMs} ms`);
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await run()) console.log(line);
}
