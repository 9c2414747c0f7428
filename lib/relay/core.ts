// The relay's logic, free of extension APIs: validates what the hook sends,
// numbers and stores it, and streams batches to the background while a panel
// is subscribed (replaying the retained history first).

import type { CaptureRecord, DocumentInfo } from '../model';
import {
  DEFAULT_PAYLOAD_CAP,
  type LossCounters,
  PROTOCOL_VERSION,
  parseHookMessage,
  type RecordsMessage,
} from '../protocol';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_EVENTS, History } from './history';
import { normalizeHookRecord } from './normalize';

const MAX_RECORDS_PER_MESSAGE = 2_000;
/** Keeps each runtime message well below browsers' message size limits. */
const MAX_BYTES_PER_MESSAGE = 8 * 1024 * 1024;

interface Outgoing {
  record: CaptureRecord;
  weight: number;
  ready: boolean;
}

export interface RelayCoreOptions {
  doc: DocumentInfo;
  send: (msg: RecordsMessage) => void;
  maxEvents?: number;
  maxBytes?: number;
}

export class RelayCore {
  private seq = 0;
  private readonly history: History;
  private readonly loss: LossCounters = { evicted: 0, dropped: 0, invalid: 0 };
  private streaming = false;
  private outgoing: Outgoing[] = [];
  private replayPending = false;
  /** Records whose Blob body is still being read, with the promise that fills them. */
  private readonly pending = new Map<CaptureRecord, Promise<void>>();
  payloadCap = DEFAULT_PAYLOAD_CAP;

  constructor(private readonly opts: RelayCoreOptions) {
    this.history = new History(opts.maxEvents ?? DEFAULT_MAX_EVENTS, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  }

  get lossCounters(): LossCounters {
    return { ...this.loss, evicted: this.history.evicted };
  }

  /** Handles one message from the hook's port. Returns true when there is something to flush. */
  acceptHookMessage(data: unknown): boolean {
    const parsed = parseHookMessage(data);
    if (parsed.kind === 'invalid') {
      this.loss.invalid++;
      return false;
    }
    this.loss.invalid += parsed.invalid;
    this.loss.dropped += parsed.dropped;
    for (const hookRecord of parsed.records) {
      let normalized: ReturnType<typeof normalizeHookRecord>;
      try {
        normalized = normalizeHookRecord(hookRecord, this.seq + 1, this.payloadCap);
      } catch {
        // One unreadable record must not take the rest of its batch with it.
        this.loss.invalid++;
        continue;
      }
      this.seq++;
      const { record, pending, weight } = normalized;
      this.history.add(record, weight);
      if (pending) {
        this.pending.set(record, pending);
        void pending.then(() => this.pending.delete(record));
      }
      if (this.streaming) this.outgoing.push(this.outgoingItem(record, weight));
    }
    return this.streaming && this.outgoing.length > 0;
  }

  /** A panel is listening: queue the whole retained history, then stream. */
  subscribe(): void {
    this.streaming = true;
    this.outgoing = this.history.snapshot().map((record) => this.outgoingItem(record, 0));
    this.replayPending = true;
  }

  private outgoingItem(record: CaptureRecord, weight: number): Outgoing {
    const pending = this.pending.get(record);
    const item: Outgoing = { record, weight, ready: !pending };
    if (pending) void pending.then(() => (item.ready = true));
    return item;
  }

  unsubscribe(): void {
    this.streaming = false;
    this.outgoing = [];
    this.replayPending = false;
  }

  /** Sends what is ready, in order, in bounded messages. */
  flush(): void {
    if (!this.streaming) return;
    let sentAny = false;
    while (this.outgoing.length > 0 && this.outgoing[0]?.ready) {
      const records: CaptureRecord[] = [];
      let bytes = 0;
      let i = 0;
      while (
        i < this.outgoing.length &&
        records.length < MAX_RECORDS_PER_MESSAGE &&
        bytes < MAX_BYTES_PER_MESSAGE
      ) {
        const item = this.outgoing[i];
        if (!item?.ready) break;
        records.push(item.record);
        bytes += item.weight || 200;
        i++;
      }
      this.outgoing = this.outgoing.slice(i);
      const msg: RecordsMessage = {
        v: PROTOCOL_VERSION,
        t: 'records',
        doc: this.opts.doc,
        loss: this.lossCounters,
        records,
      };
      if (this.replayPending) {
        msg.replayed = true;
        this.replayPending = false;
      }
      this.opts.send(msg);
      sentAny = true;
    }
    // An empty replay still tells the panel this document exists.
    if (!sentAny && this.replayPending) {
      this.replayPending = false;
      this.opts.send({
        v: PROTOCOL_VERSION,
        t: 'records',
        doc: this.opts.doc,
        loss: this.lossCounters,
        records: [],
        replayed: true,
      });
    }
  }

  get hasOutgoing(): boolean {
    return this.outgoing.length > 0;
  }
}
