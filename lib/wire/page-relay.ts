// page hook <-> relay: the one-time handshake, the hook's batches of records
// (with consecutive WebSocket messages packed into runs), the hook's last
// batch at pagehide, and the relay's config. The hook builds its side with
// page-proof code (lib/hook/relay-port.ts) and imports only this module's
// names and constants: it depends on nothing else. The relay reads what the
// hook sends with page-relay-read.ts, as untrusted: a page script may have
// tampered with the hook.

import type { ConnectionRecord, EventFields, EventType } from '../model';
import { type Envelope, PROTOCOL_VERSION } from './envelope';

/**
 * DOM event names for the one-time hook/relay handshake at document_start.
 * HOOK_READY is a cancelable MessageEvent carrying the hook's port; the relay
 * takes the port and cancels the event so the hook knows, synchronously, that
 * its port is in safe hands. RELAY_READY asks the hook to (re)announce.
 */
export const HANDSHAKE_HOOK_READY = 'wirescope:hook-ready';
export const HANDSHAKE_RELAY_READY = 'wirescope:relay-ready';
/**
 * The hook's last batch, when the page goes away, is a CustomEvent on the
 * window whose type is this prefix and a secret the relay made (sent in
 * HookConfig): a MessagePort message posted during pagehide is never
 * delivered, an event is delivered at once. No page script knows the type, so
 * none can listen for it or forge one.
 */
export const LAST_BATCH_EVENT_PREFIX = 'wirescope:last-batch:';

/** Fields a hook event may carry besides its body (copied to EventRecord). */
export type HookEventFields = EventFields;

export type HookBody = string | ArrayBuffer | Blob;

/** A connection as the hook records it: a ConnectionRecord before the relay numbers it. */
export type HookConnection = Omit<ConnectionRecord, 'seq'>;

export interface HookEvent extends HookEventFields {
  r: 'ev';
  conn: number;
  time: number;
  type: EventType;
  /** Body as captured, already cut to the payload cap. */
  body?: HookBody;
  /** Full size in bytes when the hook cut the body (else computed by the relay). */
  fullSize?: number;
}

/**
 * A WebSocket message sent or received whole (under the payload cap, on an
 * open socket), as the hook records it: a tuple, the hot path of every flood.
 * Batches carry consecutive messages packed into a HookMessageRun. Anything else
 * (cut bodies, discarded sends) travels as a HookEvent.
 */
export type HookMessage = [
  direction: typeof MESSAGE_RECEIVE | typeof MESSAGE_SEND,
  conn: number,
  time: number,
  body: HookBody,
  bodyKind: MessageBodyKind,
];
export const MESSAGE_RECEIVE = 0;
export const MESSAGE_SEND = 1;
/** Index into MESSAGE_BODY_KINDS: how the page sent or received the body. */
export type MessageBodyKind = 0 | 1 | 2 | 3;
export const MESSAGE_BODY_KINDS = ['text', 'arraybuffer', 'view', 'blob'] as const;
export type MessageBodyKindName = (typeof MESSAGE_BODY_KINDS)[number];
/**
 * MESSAGE_BODY_KINDS the other way round, for the hook: a property lookup on its
 * own object, where indexOf would go through the page's Array.prototype.
 */
export const MESSAGE_BODY_KIND_INDEX: { readonly [K in MessageBodyKindName]: MessageBodyKind } = {
  text: 0,
  arraybuffer: 1,
  view: 2,
  blob: 3,
};

/** What the hook records, in order. */
export type HookRecord = HookConnection | HookEvent | HookMessage;

/** Numbers per message in HookMessageRun.fields: direction, conn, time, body kind. */
export const MESSAGE_FIELDS = 4;
/** Bytes of one message's numbers in HookMessageRun.fields (float64 each). */
export const MESSAGE_BYTES = MESSAGE_FIELDS * 8;

/**
 * Consecutive messages of a batch, packed by column: one buffer of numbers
 * (MESSAGE_FIELDS float64 per message) and one array of bodies. A flood's
 * thousands of messages then cost the page's thread one buffer and the bodies
 * to clone, and the relay as much to decode, instead of a tuple each.
 */
export interface HookMessageRun {
  r: 'run';
  fields: ArrayBuffer;
  bodies: HookBody[];
}

/** What a batch carries, in order. */
export type HookBatchRecord = HookConnection | HookEvent | HookMessageRun;

/** A run as the relay reads it once validated: its numbers as an array of the relay's own realm. */
export interface MessageRun {
  r: 'run';
  fields: Float64Array;
  bodies: HookBody[];
}

/** A batch's record once validated. */
export type ParsedHookRecord = HookConnection | HookEvent | MessageRun;

export interface HookBatch extends Envelope<'batch'> {
  records: HookBatchRecord[];
  /** Records the hook could not deliver since its last batch (counted, never silent). */
  dropped?: number;
  /**
   * true: at hand-over, a socket of the page still holds data it was asked to
   * send (WebSocket bufferedAmount); false (once, with or without records):
   * it has all gone. Absent: no change.
   */
  backlog?: boolean;
}

/** Relay -> hook. The hook checks it itself (lib/hook/relay-port.ts) with page-proof code only. */
export interface HookConfig extends Envelope<'config'> {
  payloadCap: number;
  /** The event type of the hook's last batch (LAST_BATCH_EVENT_PREFIX and the relay's secret). */
  lastBatchEvent?: string;
}

/** The relay's config for its hook. */
export function hookConfig(payloadCap: number, lastBatchEvent: string): HookConfig {
  return { v: PROTOCOL_VERSION, t: 'config', payloadCap, lastBatchEvent };
}
