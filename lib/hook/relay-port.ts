// The hook's private port to the relay, and its batching.
//
// Handshake (both scripts run at document_start, before any page script, in
// either order): the hook listens for RELAY_READY and announces itself with a
// cancelable MessageEvent carrying a MessagePort; the relay takes the port and
// cancels the event, which tells the hook synchronously that the exchange is
// done. Whoever comes second completes it, both stop listening at once, and
// from then on only the port is used: a page script never sees the port and
// cannot inject into it.

import type { HookCommandReply, HookStatus } from '../wire/command';
import { DEFAULT_PAYLOAD_CAP, PROTOCOL_VERSION } from '../wire/envelope';
import {
  HANDSHAKE_HOOK_READY,
  HANDSHAKE_RELAY_READY,
  type HookBatch,
  type HookBatchRecord,
  type HookBody,
  type HookConnection,
  type HookEvent,
  type HookMessage,
  type HookRecord,
  LAST_BATCH_EVENT_PREFIX,
  MESSAGE_BYTES,
  MESSAGE_FIELDS,
} from '../wire/page-relay';
import { trackLiveConnections } from './live';
import { append, type Bare, getterReader, isBrowserEvent, type Pristine } from './pristine';

/** Records kept while no relay is connected (e.g. the extension was reloaded). */
const MAX_UNDELIVERED = 50_000;
/**
 * A batch collects records for this long before it is handed over: a
 * hand-over per exchange (an idle callback and a postMessage after every
 * fetch) adds latency to each request of a chain of sequential fetches (see
 * docs/benchmarks.md); one per window makes that negligible.
 */
const BATCH_WINDOW_MS = 50;
/**
 * After the window, batches go out when the page is idle, so cloning and the
 * relay's work do not compete with a busy page; a page that stays busy still
 * has its records delivered within this deadline of the first record.
 */
const IDLE_DEADLINE_MS = 500;
/** Flush at once past these, whatever the page is doing: they bound the memory the queue holds. */
const MAX_QUEUED_RECORDS = 50_000;
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** While the page's sockets hold unsent data, how often the hook looks whether it has gone. */
const BACKLOG_POLL_MS = 50;
/** The relay numbers its commands from 1; anything else on the port is not one of them. */
const MAX_COMMAND_ID = 2 ** 31 - 1;

/**
 * Makes a record at hand-over from what a busy path only set aside (e.g. a
 * received MessageEvent): undefined when there is nothing to record.
 */
export type LateRecord = (source: object, key: number) => HookRecord | undefined;

export interface HookRelayPort {
  /** Queues a record: a prototype-less object (or a frame's array), which no page accessor can see. */
  emit(record: Bare<HookConnection | HookEvent> | HookMessage): void;
  /**
   * Queues a record that `make(source, key)` builds at hand-over, in order with
   * the others. For the page's hottest path (every received message): the
   * page's own handlers run as soon as possible, and the reading and copying
   * is done when the page is idle. `source` must not change meanwhile.
   * `bytes` is what `source` holds for the record (a body's text), counted
   * toward the queue's memory bound as an emitted body is.
   */
  emitLate(make: LateRecord, source: object, key: number, bytes?: number): void;
  payloadCap(): number;
  /** Page-clock epoch time in ms. */
  time(): number;
  /**
   * How to learn whether the page's sockets still hold data they were asked
   * to send. Asked at each hand-over, and every BACKLOG_POLL_MS while they do:
   * the relay is told when a backlog starts and when it has gone, and holds
   * its own work back meanwhile (see FlushCadence).
   */
  watchBacklog(hasBacklog: () => boolean): void;
}

/** Marks a late record's place in the queue. */
const LATE: unique symbol = Symbol('late');

export function openRelayPort(p: Pristine): HookRelayPort {
  const { apply, win } = p;
  let connected = false;
  /** Records in order; LATE marks the place of the next late record. */
  let queue = p.list<HookRecord | typeof LATE>();
  let lateMakers = p.list<LateRecord>();
  let lateSources = p.list<object>();
  let lateKeys = p.list<number>();
  let queuedBytes = 0;
  /** Records lost since the last batch (the next batch tells the relay). */
  let dropped = 0;
  // What the hook says of itself when the panel asks (hook-status).
  let captured = 0;
  /** Records lost that delivered batches have told the relay of. */
  let droppedTold = 0;
  let batches = 0;
  let commandsAnswered = 0;
  const live = trackLiveConnections();
  /** One hand-over is pending at a time; a flush forced by the bounds leaves it pending. */
  let scheduled = false;
  let cap = DEFAULT_PAYLOAD_CAP;
  let hasBacklog: (() => boolean) | null = null;
  /** What the relay was last told about the backlog. */
  let backlogReported = false;
  let backlogPoll = false;
  /** The event type of the last batch (see LAST_BATCH_EVENT_PREFIX), once the relay has sent it. */
  let lastBatchEvent: string | null = null;
  /** Between the page's pagehide and its return (if it comes back from the back/forward cache). */
  let leaving = false;

  const channel = new p.MessageChannelCtor();
  const port = channel.port1;

  /**
   * The queue as a batch's records: every late record made (or counted as
   * dropped when it cannot be), and consecutive messages packed into runs.
   */
  const takeRecords = (): HookBatchRecord[] => {
    const taken = queue;
    const makers = lateMakers;
    const sources = lateSources;
    const keys = lateKeys;
    queue = p.list();
    queuedBytes = 0;
    lateMakers = p.list();
    lateSources = p.list();
    lateKeys = p.list();
    const records = p.list<HookBatchRecord>();
    // The numbers of every frame of the batch, in one buffer; each run takes its slice.
    let buffer: ArrayBuffer | undefined;
    let fields: Float64Array | undefined;
    let messages = 0;
    let runStart = 0;
    let bodies = p.list<HookBody>();
    const endRun = (): void => {
      if (!buffer || messages === runStart) return;
      const slice = apply(p.arrayBufferSlice, buffer, [runStart * MESSAGE_BYTES, messages * MESSAGE_BYTES]);
      const run: Bare<HookBatchRecord> = {
        __proto__: null,
        r: 'run',
        fields: slice as ArrayBuffer,
        bodies,
      };
      append(records, run);
      bodies = p.list();
      runStart = messages;
    };
    let next = 0;
    for (let i = 0; i < taken.length; i++) {
      let item = taken[i] as HookRecord | typeof LATE | undefined;
      if (item === LATE) {
        try {
          item = (makers[next] as LateRecord)(sources[next] as object, keys[next] as number);
        } catch {
          item = undefined;
        }
        next++;
      }
      if (!item) {
        dropped++;
        continue;
      }
      if (!p.isArray(item)) {
        endRun();
        append(records, item);
        continue;
      }
      if (!buffer || !fields) {
        buffer = new p.ArrayBufferCtor(taken.length * MESSAGE_BYTES);
        fields = new p.Float64ArrayCtor(buffer);
      }
      const at = messages * MESSAGE_FIELDS;
      fields[at] = item[0];
      fields[at + 1] = item[1];
      fields[at + 2] = item[2];
      fields[at + 3] = item[4];
      append(bodies, item[3]);
      messages++;
    }
    endRun();
    return records;
  };

  /** Whether the page's sockets hold unsent data; while they do, asks again in a while. */
  const backlogNow = (): boolean => {
    let backlog = false;
    try {
      backlog = hasBacklog?.() === true;
    } catch {
      // never surface an error in the page
    }
    if (backlog && !backlogPoll) {
      backlogPoll = true;
      p.setTimeout(() => {
        backlogPoll = false;
        // A pending hand-over asks again itself, when the page is idle.
        if (!scheduled) safeFlush();
      }, BACKLOG_POLL_MS);
    }
    return backlog;
  };

  /**
   * Hands the queue over as one batch through `deliver`. A batch that cannot
   * be delivered (a record that cannot be cloned) is counted as lost, never
   * thrown into the page. True when it was delivered.
   */
  const handOver = (deliver: (batch: HookBatch) => void, backlog?: boolean): boolean => {
    const batch: Bare<HookBatch> = {
      __proto__: null,
      v: PROTOCOL_VERSION,
      t: 'batch',
      records: takeRecords(),
    };
    if (dropped) batch.dropped = dropped;
    if (backlog !== undefined) batch.backlog = backlog;
    try {
      deliver(batch);
      droppedTold += dropped;
      dropped = 0;
      batches++;
      return true;
    } catch {
      dropped += batch.records.length;
      return false;
    }
  };

  const postToRelay = (batch: HookBatch): void => {
    apply(p.portPostMessage, port, [batch]);
  };

  /** flush for the browser's timers and callbacks: an error in the hook never reaches the page. */
  const safeFlush = (): void => {
    try {
      flush();
    } catch {
      dropped++;
    }
  };

  const flush = (): void => {
    if (!connected) return;
    const backlog = backlogNow();
    if (queue.length === 0 && dropped === 0 && backlog === backlogReported) return;
    if (handOver(postToRelay, backlog || backlogReported ? backlog : undefined)) backlogReported = backlog;
  };

  /**
   * The page is going away (pagehide): a port message posted now is never
   * delivered, so what is still queued goes to the relay as an event, which
   * it handles at once. Without this, records of the page's last ~50 ms (a
   * message sent just before navigating) were lost.
   */
  const handOverLast = (event: Event): void => {
    // A page script's own pagehide event is not the page going away.
    if (!isBrowserEvent(event)) return;
    const type = lastBatchEvent;
    if (!connected || type === null) return;
    // The page's own pagehide and unload handlers run after this one: what
    // they send is handed over at once too (see queued), until the page is
    // back (pageshow, or a timer: timers run only if it stayed).
    leaving = true;
    p.setTimeout(stayed, 0);
    if (queue.length === 0 && dropped === 0) return;
    try {
      handOverLastTo(type);
    } catch {
      // never surface an error in the page
    }
  };
  const stayed = (): void => {
    leaving = false;
  };
  const handOverLastTo = (type: string): void => {
    handOver((batch) => {
      // A prototype-less init: the event's constructor reads its members, and
      // the page may have put getters on Object.prototype by now.
      // The detail is a structured clone: the hook's prototype-less lists become
      // ordinary arrays, as a port message's are for the relay.
      const detail = p.structuredClone ? p.structuredClone(batch) : batch;
      const init: CustomEventInit = { __proto__: null, detail } as CustomEventInit;
      apply(p.dispatchEvent, win, [new p.CustomEventCtor(type, init)]);
    });
  };

  const offer = (): void => {
    if (connected) return;
    const init: Bare<MessageEventInit> = { __proto__: null, ports: [channel.port2], cancelable: true };
    const event = new p.MessageEventCtor(HANDSHAKE_HOOK_READY, init);
    const taken = !apply(p.dispatchEvent, win, [event]);
    if (taken) {
      connected = true;
      apply(p.removeEventListener, win, [HANDSHAKE_RELAY_READY, offer, true]);
      safeFlush();
    }
  };

  // Only the relay holds the other end, but its data is still checked, with
  // nothing the page could have replaced (no Array/JSON helpers, no accessor
  // on MessageEvent.prototype or Object.prototype), and never throws.
  const readConfig = (data: object): void => {
    const payloadCap = p.own(data, 'payloadCap');
    const type = p.own(data, 'lastBatchEvent');
    if (typeof payloadCap === 'number' && payloadCap >= 1024) cap = payloadCap;
    if (
      typeof type === 'string' &&
      type.length <= 100 &&
      apply(p.stringSlice, type, [0, LAST_BATCH_EVENT_PREFIX.length]) === LAST_BATCH_EVENT_PREFIX
    ) {
      lastBatchEvent = type;
    }
  };

  const status = (): Bare<HookStatus> => ({
    __proto__: null,
    captured,
    dropped: droppedTold + dropped,
    queued: queue.length,
    batches,
    payloadCap: cap,
    openWebSockets: live.webSockets,
    openEventSources: live.eventSources,
    httpInFlight: live.http,
    commandsAnswered,
  });

  /**
   * A command from the relay. Commands come only on this port, which only the
   * relay holds: nothing a page dispatches or posts reaches here. The reply
   * goes back on the port, under the relay's id.
   */
  const answer = (data: object): void => {
    const id = p.own(data, 'id');
    if (typeof id !== 'number' || !(id >= 1 && id <= MAX_COMMAND_ID) || id % 1 !== 0) return;
    if (p.own(data, 'name') !== 'hook-status') return;
    commandsAnswered++;
    const reply: Bare<HookCommandReply<'hook-status'>> = {
      __proto__: null,
      v: PROTOCOL_VERSION,
      t: 'command-reply',
      id,
      name: 'hook-status',
      result: status(),
    };
    try {
      apply(p.portPostMessage, port, [reply]);
    } catch {
      commandsAnswered--;
    }
  };

  const eventData = getterReader(p, win.MessageEvent.prototype, 'data');
  port.onmessage = (event: MessageEvent) => {
    try {
      const data: unknown = eventData(event);
      if (typeof data !== 'object' || data === null || p.own(data, 'v') !== PROTOCOL_VERSION) return;
      const t = p.own(data, 't');
      if (t === 'config') readConfig(data);
      else if (t === 'command') answer(data);
    } catch {
      // ignore: never surface an error in the page
    }
  };
  apply(p.portStart, port, []);
  apply(p.addEventListener, win, [HANDSHAKE_RELAY_READY, offer, true]);
  offer();
  apply(p.addEventListener, win, ['pagehide', handOverLast, true]);
  apply(p.addEventListener, win, ['pageshow', stayed, true]);

  /** Memory a queued body holds (a Blob's bytes are the page's, not a copy; an ArrayBuffer is the hook's own copy). */
  const bodyBytes = (body: HookBody | undefined): number => {
    if (typeof body === 'string') return body.length * 2;
    if (body !== undefined && p.instanceOf(body, p.ArrayBufferCtor))
      return p.bufferLength(body as ArrayBuffer);
    return 0;
  };
  const idle = p.requestIdleCallback;
  const idleOptions: Bare<{ timeout: number }> = {
    __proto__: null,
    timeout: IDLE_DEADLINE_MS - BATCH_WINDOW_MS,
  };
  const scheduledFlush = (): void => {
    scheduled = false;
    safeFlush();
  };
  const flushWhenIdle = (): void => {
    if (idle) idle(scheduledFlush, idleOptions);
    else scheduledFlush();
  };

  /** After a record was queued: hands over at once past the bounds, else makes sure a hand-over is scheduled. */
  const queued = (): void => {
    if (leaving && lastBatchEvent !== null) {
      try {
        handOverLastTo(lastBatchEvent);
      } catch {
        dropped++;
      }
      return;
    }
    if (connected && (queue.length >= MAX_QUEUED_RECORDS || queuedBytes >= MAX_QUEUED_BYTES)) safeFlush();
    else if (!scheduled) {
      scheduled = true;
      p.setTimeout(flushWhenIdle, BATCH_WINDOW_MS);
    }
  };

  /** False, counting the record as dropped, while no relay is connected and the queue is full. */
  const hasRoom = (): boolean => {
    if (connected || queue.length < MAX_UNDELIVERED) return true;
    dropped++;
    return false;
  };

  return {
    emit(record) {
      captured++;
      if (!p.isArray(record)) live.note(record);
      if (!hasRoom()) return;
      append(queue, record);
      queuedBytes += bodyBytes(p.isArray(record) ? record[3] : record.r === 'ev' ? record.body : undefined);
      queued();
    },
    emitLate(make, source, key, bytes = 0) {
      captured++;
      if (!hasRoom()) return;
      append(queue, LATE);
      append(lateMakers, make);
      append(lateSources, source);
      append(lateKeys, key);
      queuedBytes += bytes;
      queued();
    },
    payloadCap: () => cap,
    time: () => p.timeOrigin + p.now(),
    watchBacklog(probe) {
      hasBacklog = probe;
    },
  };
}
