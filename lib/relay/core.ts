// The relay's logic, free of extension APIs: validates what the hook sends,
// numbers and stores it, and streams batches to each subscriber (a panel's
// link, or the background's port) from when it subscribes, replaying the
// retained history first. It runs on the page's own thread, so it is a pipe:
// the hook's runs of WebSocket messages are kept compactly, in small runs, and
// forwarded as kept (stored-run.ts); the panel makes a record of each message.

import type { CaptureRecord, DocumentInfo } from '../model';
import { DEFAULT_PAYLOAD_CAP } from '../wire/envelope';
import { parseHookMessage } from '../wire/page-relay-read';
import { type LossCounters, type RecordsWire, recordsMessage, type WireRecord } from '../wire/records';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_EVENTS,
  History,
  isKeptRun,
  type Kept,
  type KeptItem,
  type KeptRun,
} from './history';
import {
  bareRecord,
  MAX_RECORD_WIRE_BYTES,
  type NormalizeResult,
  normalizeHookRecord,
  normalizeMessage,
} from './normalize';
import { messageAsRun, rangeWire, runWire, type StoredRun, storedRunEnd, storeRun } from './stored-run';

/**
 * What one message may carry: 20,000 messages of runs, or 2,000 records sent
 * one by one (an object each costs the sender's serialiser and the panel's
 * parser about ten times a message in a run).
 */
const MAX_UNITS_PER_MESSAGE = 20_000;
const RECORD_UNITS = 10;
/**
 * Records go in messages of at most this many bytes of JSON, by each record's
 * upper bound (see normalize's `wire`); a record bigger than that goes alone,
 * and the relay keeps no record that could not go alone (Chrome's limit is 64 MiB).
 */
const MAX_BYTES_PER_MESSAGE = 8 * 1024 * 1024;

/** A subscriber's next item to send: a record (ready once its Blob is read), or messages of a run. */
type Outgoing = (KeptRun & { ready: true }) | (Kept & { ready: boolean });

export interface RelayCoreOptions {
  doc: DocumentInfo;
  maxEvents?: number;
  maxBytes?: number;
}

/** One listener's stream: what it still has to be sent, in order. */
interface Subscriber {
  send: (msg: RecordsWire) => void;
  outgoing: Outgoing[];
  replayPending: boolean;
}

export interface RelaySubscription {
  unsubscribe(): void;
}

export class RelayCore {
  private seq = 0;
  private readonly history: History;
  private readonly loss: LossCounters = { evicted: 0, dropped: 0, invalid: 0 };
  private readonly subscribers = new Set<Subscriber>();
  /** Records whose Blob body is still being read, with the promise that fills them. */
  private readonly pending = new Map<CaptureRecord, Promise<void>>();
  payloadCap = DEFAULT_PAYLOAD_CAP;

  constructor(private readonly opts: RelayCoreOptions) {
    this.history = new History(opts.maxEvents ?? DEFAULT_MAX_EVENTS, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  }

  get lossCounters(): LossCounters {
    return { ...this.loss, evicted: this.history.evicted };
  }

  /**
   * Handles one message from the hook's port: how many records it queued for
   * subscribers, and what it said of the page's outbound backlog (see HookBatch).
   */
  acceptHookMessage(data: unknown): { queued: number; backlog: boolean | undefined } {
    const parsed = parseHookMessage(data);
    if (parsed.kind === 'invalid') {
      this.loss.invalid++;
      return { queued: 0, backlog: undefined };
    }
    let queued = 0;
    this.loss.invalid += parsed.invalid;
    this.loss.dropped += parsed.dropped;
    for (const hookRecord of parsed.records) {
      if (hookRecord.r !== 'run') {
        if (this.storeRecord(() => normalizeHookRecord(hookRecord, this.seq + 1, this.payloadCap))) queued++;
        continue;
      }
      // Stretches of plain messages are kept as runs; any other message becomes a record of its own.
      const n = hookRecord.bodies.length;
      let i = 0;
      while (i < n) {
        const end = storedRunEnd(hookRecord, i, this.payloadCap, MAX_RECORD_WIRE_BYTES);
        if (end === i) {
          const at = i;
          if (this.storeRecord(() => normalizeMessage(hookRecord, at, this.seq + 1, this.payloadCap)))
            queued++;
          i++;
          continue;
        }
        const run = storeRun(hookRecord, i, end, this.seq + 1);
        this.seq += end - i;
        this.history.addRun(run);
        if (this.subscribers.size > 0) {
          for (const subscriber of this.subscribers)
            subscriber.outgoing.push({ run, start: 0, end: end - i, ready: true });
          queued += end - i;
        }
        i = end;
      }
    }
    return { queued, backlog: parsed.backlog };
  }

  /**
   * Numbers and keeps one record (made by `make`), and queues it for
   * subscribers; false when nobody listens. One unreadable record is counted
   * and leaves no gap: the rest of its batch goes on.
   */
  private storeRecord(make: () => NormalizeResult): boolean {
    let normalized: NormalizeResult;
    try {
      normalized = make();
    } catch {
      this.loss.invalid++;
      return false;
    }
    this.seq++;
    const { record, pending, weight, wire } = normalized;
    this.history.add(record, weight, wire);
    if (pending) {
      this.pending.set(record, pending);
      void pending.then(() => this.pending.delete(record));
    }
    if (this.subscribers.size === 0) return false;
    for (const subscriber of this.subscribers)
      subscriber.outgoing.push(this.outgoingItem({ record, weight, wire }));
    return true;
  }

  /** Bytes the document's history holds now. */
  get retainedBytes(): number {
    return this.history.retainedBytes;
  }

  /** Whether anyone listens (a linked panel, or the background). */
  get subscribed(): boolean {
    return this.subscribers.size > 0;
  }

  /** Someone is listening: queue the whole retained history for it, then stream. */
  subscribe(send: (msg: RecordsWire) => void): RelaySubscription {
    const subscriber: Subscriber = {
      send,
      outgoing: this.history.snapshot().map((kept) => this.outgoingItem(kept)),
      replayPending: true,
    };
    this.subscribers.add(subscriber);
    return { unsubscribe: () => this.subscribers.delete(subscriber) };
  }

  private outgoingItem(kept: KeptItem): Outgoing {
    if (isKeptRun(kept)) return { ...kept, ready: true };
    const pending = this.pending.get(kept.record);
    const item: Outgoing = { ...kept, ready: !pending };
    if (pending) void pending.then(() => (item.ready = true));
    return item;
  }

  /** Sends each subscriber what is ready, in order, in bounded messages. */
  flush(): void {
    for (const subscriber of this.subscribers) this.flushTo(subscriber);
  }

  private flushTo(subscriber: Subscriber): void {
    let sentAny = false;
    for (;;) {
      const batch = this.takeMessage(subscriber);
      if (batch.length === 0) break;
      if (!this.deliver(subscriber, batch)) return;
      sentAny = true;
    }
    // An empty replay still tells the panel this document exists.
    if (!sentAny && subscriber.replayPending) this.deliver(subscriber, []);
  }

  /**
   * Takes what is ready from the front of a subscriber's queue, up to one
   * message's worth: whole records, and runs (split where a message is full).
   * A run's messages evicted meanwhile are passed over (the panel sees their
   * seq missing, as the loss counters say).
   */
  private takeMessage(subscriber: Subscriber): Outgoing[] {
    const out: Outgoing[] = [];
    let units = 0;
    let bytes = 0;
    const queue = subscriber.outgoing;
    let taken = 0;
    while (taken < queue.length && units < MAX_UNITS_PER_MESSAGE) {
      const item = queue[taken] as Outgoing;
      if (!item.ready) break;
      if (!isKeptRun(item)) {
        // A record bigger than a message's share goes alone (normalize kept it small enough for that).
        if (
          out.length > 0 &&
          (bytes + item.wire > MAX_BYTES_PER_MESSAGE || units + RECORD_UNITS > MAX_UNITS_PER_MESSAGE)
        )
          break;
        out.push(item);
        units += RECORD_UNITS;
        bytes += item.wire;
        taken++;
        continue;
      }
      const start = Math.min(Math.max(item.start, item.run.start), item.end);
      // Nearly always the rest of the run fits whole: sized at once, not message by message.
      let end = Math.min(item.end, start + (MAX_UNITS_PER_MESSAGE - units));
      const whole = end > start ? rangeWire(item.run, start, end) : 0;
      if (bytes + whole <= MAX_BYTES_PER_MESSAGE) {
        bytes += whole;
        units += end - start;
      } else end = start;
      while (end < item.end && units < MAX_UNITS_PER_MESSAGE) {
        const wire = rangeWire(item.run, end, end + 1);
        if ((out.length > 0 || end > start) && bytes + wire > MAX_BYTES_PER_MESSAGE) break;
        bytes += wire;
        units++;
        end++;
      }
      if (end > start) out.push({ run: item.run, start, end, ready: true });
      if (end < item.end) {
        // The message is full: the rest of the run waits for the next one.
        queue[taken] = { run: item.run, start: end, end: item.end, ready: true };
        break;
      }
      taken++;
    }
    subscriber.outgoing = taken === 0 ? queue : queue.slice(taken);
    return out;
  }

  private message(subscriber: Subscriber, items: readonly Outgoing[], through?: number): RecordsWire {
    const records: WireRecord[] = [];
    for (const item of items)
      records.push(isKeptRun(item) ? runWire(item.run, item.start, item.end) : item.record);
    return recordsMessage(this.opts.doc, this.lossCounters, records, subscriber.replayPending, through);
  }

  private trySend(subscriber: Subscriber, msg: RecordsWire): boolean {
    try {
      subscriber.send(msg);
      subscriber.replayPending = false;
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Sends records to a subscriber; false when it is gone. A send that throws
   * means its port closed before we heard, or that this message cannot be
   * sent (too big for the browser, which sizing should prevent): a message
   * with no records tells which. The port gone, the subscriber goes. Else
   * the records are sent in halves, and a record that cannot go alone goes
   * cut to its bare facts (marked), or, if even that fails, is left out and
   * the panel told (`through`), so it counts it at once. The stream goes on.
   */
  private deliver(subscriber: Subscriber, items: Outgoing[]): boolean {
    if (this.trySend(subscriber, this.message(subscriber, items))) return true;
    if (!this.trySend(subscriber, this.message(subscriber, []))) {
      this.subscribers.delete(subscriber);
      return false;
    }
    if (items.length === 0) return true;
    const halves = splitInHalves(items);
    if (halves) return this.deliver(subscriber, halves[0]) && this.deliver(subscriber, halves[1]);
    const only = items[0] as Outgoing;
    const record = isKeptRun(only) ? this.messageRecord(only.run, only.start) : only.record;
    const bare: Outgoing = { record: bareRecord(record), weight: 0, wire: 0, ready: true };
    if (this.trySend(subscriber, this.message(subscriber, [bare]))) return true;
    if (this.trySend(subscriber, this.message(subscriber, [], record.seq))) return true;
    this.subscribers.delete(subscriber);
    return false;
  }

  /** Message `i` of a run as a record of its own. */
  private messageRecord(run: StoredRun, i: number): CaptureRecord {
    return normalizeMessage(messageAsRun(run, i), 0, run.seq + i, this.payloadCap).record;
  }

  get hasOutgoing(): boolean {
    for (const subscriber of this.subscribers) if (subscriber.outgoing.length > 0) return true;
    return false;
  }
}

/** Items in two halves (a lone run of several messages split in its middle); null for a single record or message. */
function splitInHalves(items: Outgoing[]): [Outgoing[], Outgoing[]] | null {
  if (items.length > 1) {
    const half = Math.ceil(items.length / 2);
    return [items.slice(0, half), items.slice(half)];
  }
  const only = items[0];
  if (!only || !isKeptRun(only) || only.end - only.start < 2) return null;
  const middle = only.start + Math.ceil((only.end - only.start) / 2);
  return [
    [{ run: only.run, start: only.start, end: middle, ready: true }],
    [{ run: only.run, start: middle, end: only.end, ready: true }],
  ];
}
