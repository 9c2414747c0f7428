// The decoder's own cost, without a browser: a Socket.IO flood recorded from
// the real socket.io server and socket.io-client on loopback, fed to a
// TimelineStore in batches as the live panel receives them, with
// ConnectionDecodings detecting, decoding and pairing the conversation after
// each batch (as the panel does for the selected sidebar entry).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { io } from 'socket.io-client';
import { DECODERS } from '../../lib/decode';
import { ConnectionDecodings } from '../../lib/decode/connection-decoding';
import type { LatencyStats } from '../../lib/decode/pair-latency';
import type { CaptureRecord } from '../../lib/model';
import { TimelineStore } from '../../lib/timeline/store';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';
import type { PanelRecords } from '../../lib/wire/records';
import { type FloodPlan, PING_EVERY, type RecordedFrame, startSocketIoFlood } from './socket-io-flood';

/** Records a flood between socket.io and socket.io-client (the handshake included), from the client's side. */
export async function recordFlood(plan: FloodPlan): Promise<{ url: string; frames: RecordedFrame[] }> {
  const frames: RecordedFrame[] = [];
  const server = await startSocketIoFlood({ record: frames });
  const client = io(server.origin, { transports: ['websocket'], reconnection: false });
  try {
    let ticks = 0;
    client.on('tick', (tick: { seq: number }) => {
      ticks++;
      if (ticks % PING_EVERY === 0) client.emit('ping', { seq: tick.seq }, () => {});
    });
    await server.connected();
    await server.flood(plan);
    return { url: `${server.origin.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, frames };
  } finally {
    client.close();
    await server.close();
  }
}

/** What the live panel receives per message from its relay, at most (a flood arrives in such batches). */
const BATCH = 1000;

function panelMessage(records: CaptureRecord[]): PanelRecords {
  return {
    v: PROTOCOL_VERSION,
    t: 'panel-records',
    tabId: 1,
    frameId: 0,
    doc: { docId: 'bench', url: 'http://127.0.0.1/', title: '', top: true, startedAt: 0 },
    loss: { evicted: 0, dropped: 0, invalid: 0 },
    records,
  };
}

/** The recording as the panel's batches: the connection opening, then its frames. */
function batchesOf(url: string, frames: readonly RecordedFrame[]): PanelRecords[] {
  let seq = 0;
  const records: CaptureRecord[] = [
    { r: 'conn', seq: ++seq, time: frames[0]?.time ?? 0, id: 1, transport: 'websocket', url },
  ];
  for (const f of frames)
    records.push({
      r: 'ev',
      seq: ++seq,
      time: f.time,
      conn: 1,
      type: f.direction,
      data: { text: f.text },
      size: f.text.length,
    });
  const batches: PanelRecords[] = [];
  for (let i = 0; i < records.length; i += BATCH) batches.push(panelMessage(records.slice(i, i + BATCH)));
  return batches;
}

let collectGarbage: (() => void) | null = null;

function heapAfterGc(): number {
  if (!collectGarbage) {
    // gc() without starting Node with --expose-gc.
    setFlagsFromString('--expose-gc');
    collectGarbage = runInNewContext('gc') as () => void;
  }
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

export interface NodeDecodeRun {
  frames: number;
  /** Time in sync + conversationLatencyOf over all batches. */
  decodeMs: number;
  /** Time in store.ingest over all batches. */
  ingestMs: number;
  /** Heap held by the store of the frames, after GC. */
  storeBytes: number;
  /** Heap the decodings add on top of it, after GC. */
  decodingBytes: number;
  latency: LatencyStats | null;
}

/** Feeds the recording to a store batch by batch, decoding and pairing the whole conversation after each. */
export function decodeLikeThePanel(url: string, frames: readonly RecordedFrame[]): NodeDecodeRun {
  const batches = batchesOf(url, frames);
  const baseline = heapAfterGc();
  const store = new TimelineStore();
  const decodings = new ConnectionDecodings(DECODERS);
  let ingestMs = 0;
  let decodeMs = 0;
  let latency: LatencyStats | null = null;
  for (const batch of batches) {
    const t0 = performance.now();
    store.ingest(batch);
    const t1 = performance.now();
    decodings.sync(store.events);
    latency = decodings.conversationLatencyOf(store.connections);
    decodeMs += performance.now() - t1;
    ingestMs += t1 - t0;
  }
  const withDecodings = heapAfterGc();
  // The same store without decodings: what the decodings alone hold.
  const plain = new TimelineStore();
  for (const batch of batches) plain.ingest(batch);
  const both = heapAfterGc();
  const storeBytes = both - withDecodings;
  const decodingBytes = withDecodings - baseline - storeBytes;
  // Kept alive to here, so each heap reading holds what it is meant to.
  if (store.events.length !== plain.events.length || !decodings) throw new Error('stores differ');
  return { frames: frames.length, decodeMs, ingestMs, storeBytes, decodingBytes, latency };
}
