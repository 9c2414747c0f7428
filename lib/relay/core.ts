// The relay's logic, free of extension APIs: validates what the hook sends,
// numbers and stores it, and streams batches to each subscriber (a panel's
// link, or the background's port) from when it subscribes, replaying the
// retained history first.

import type { CaptureRecord, DocumentInfo } from '../model';
import { DEFAULT_PAYLOAD_CAP } from '../wire/envelope';
import { parseHookMessage } from '../wire/page-relay';
import { type LossCounters, packTextFrames, type RecordsWire, recordsMessage } from '../wire/records';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_EVENTS, History } from './history';
import { bareRecord, type NormalizeResult, normalizeFrame, normalizeHookRecord } from './normalize';

const MAX_RECORDS_PER_MESSAGE = 2_000;
/**
 * Records go in messages of at most this many bytes of JSON, by each record's
 * upper bound (see normalize's `wire`); a record bigger than that goes alone,
 * and the relay keeps no record that could not go alone (Chrome's limit is 64 MiB).
 */
const MAX_BYTES_PER_MESSAGE = 8 * 1024 * 1024;

interface Outgoing {
  record: CaptureRecord;
  /** Upper bound of the record's bytes as JSON. */
  wire: number;
  ready: boolean;
}

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
      // A run holds many records, anything else one.
      const count = hookRecord.r === 'frames' ? hookRecord.bodies.length : 1;
      for (let i = 0; i < count; i++) {
        let normalized: NormalizeResult;
        try {
          normalized =
            hookRecord.r === 'frames'
              ? normalizeFrame(hookRecord, i, this.seq + 1, this.payloadCap)
              : normalizeHookRecord(hookRecord, this.seq + 1, this.payloadCap);
        } catch {
          // One unreadable record must not take the rest of its batch with it.
          this.loss.invalid++;
          continue;
        }
        if (this.store(normalized)) queued++;
      }
    }
    return { queued, backlog: parsed.backlog };
  }

  /** Numbers and keeps one record, and queues it for subscribers; false when nobody listens. */
  private store(normalized: NormalizeResult): boolean {
    this.seq++;
    const { record, pending, weight, wire } = normalized;
    this.history.add(record, weight, wire);
    if (pending) {
      this.pending.set(record, pending);
      void pending.then(() => this.pending.delete(record));
    }
    if (this.subscribers.size === 0) return false;
    for (const subscriber of this.subscribers) subscriber.outgoing.push(this.outgoingItem(record, wire));
    return true;
  }

  /** Someone is listening: queue the whole retained history for it, then stream. */
  subscribe(send: (msg: RecordsWire) => void): RelaySubscription {
    const subscriber: Subscriber = {
      send,
      outgoing: this.history.snapshot().map((kept) => this.outgoingItem(kept.record, kept.wire)),
      replayPending: true,
    };
    this.subscribers.add(subscriber);
    return { unsubscribe: () => this.subscribers.delete(subscriber) };
  }

  private outgoingItem(record: CaptureRecord, wire: number): Outgoing {
    const pending = this.pending.get(record);
    const item: Outgoing = { record, wire, ready: !pending };
    if (pending) void pending.then(() => (item.ready = true));
    return item;
  }

  /** Sends each subscriber what is ready, in order, in bounded messages. */
  flush(): void {
    for (const subscriber of this.subscribers) this.flushTo(subscriber);
  }

  private flushTo(subscriber: Subscriber): void {
    let sentAny = false;
    while (subscriber.outgoing.length > 0 && subscriber.outgoing[0]?.ready) {
      const records: CaptureRecord[] = [];
      let bytes = 0;
      let i = 0;
      while (i < subscriber.outgoing.length && records.length < MAX_RECORDS_PER_MESSAGE) {
        const item = subscriber.outgoing[i];
        if (!item?.ready) break;
        // A record bigger than a message's share goes alone (normalize kept it small enough for that).
        if (records.length > 0 && bytes + item.wire > MAX_BYTES_PER_MESSAGE) break;
        records.push(item.record);
        bytes += item.wire;
        i++;
      }
      subscriber.outgoing = subscriber.outgoing.slice(i);
      if (!this.deliver(subscriber, records)) return;
      sentAny = true;
    }
    // An empty replay still tells the panel this document exists.
    if (!sentAny && subscriber.replayPending) this.deliver(subscriber, []);
  }

  private message(subscriber: Subscriber, records: CaptureRecord[], through?: number): RecordsWire {
    return recordsMessage(
      this.opts.doc,
      this.lossCounters,
      packTextFrames(records),
      subscriber.replayPending,
      through,
    );
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
  private deliver(subscriber: Subscriber, records: CaptureRecord[]): boolean {
    if (this.trySend(subscriber, this.message(subscriber, records))) return true;
    if (!this.trySend(subscriber, this.message(subscriber, []))) {
      this.subscribers.delete(subscriber);
      return false;
    }
    if (records.length === 0) return true;
    if (records.length > 1) {
      const half = Math.ceil(records.length / 2);
      return (
        this.deliver(subscriber, records.slice(0, half)) && this.deliver(subscriber, records.slice(half))
      );
    }
    const record = records[0] as CaptureRecord;
    if (this.trySend(subscriber, this.message(subscriber, [bareRecord(record)]))) return true;
    if (this.trySend(subscriber, this.message(subscriber, [], record.seq))) return true;
    this.subscribers.delete(subscriber);
    return false;
  }

  get hasOutgoing(): boolean {
    for (const subscriber of this.subscribers) if (subscriber.outgoing.length > 0) return true;
    return false;
  }
}
