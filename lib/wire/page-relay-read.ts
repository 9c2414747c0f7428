// The relay's reading of what the page hook sends (page-relay.ts): every
// batch is untrusted, since a page script may have tampered with the hook.

import { EVENT_TYPES, TRANSPORTS } from '../model';
import { isArrayBuffer, isNonNegInt, isOneOf, isRecord, isTime, optional, ownArrayBuffer } from '../validate';
import { hasVersion, isBool } from './envelope';
import {
  type Cuts,
  MAX_METHOD_LENGTH,
  MAX_PROTOCOL_LENGTH,
  MAX_PROTOCOLS,
  MAX_URL_LENGTH,
  noteCut,
  readCallSite,
  readHeaderList,
  readHookEventFields,
  readString,
} from './fields';
import {
  type HookBody,
  type HookConnection,
  type HookEvent,
  MESSAGE_BYTES,
  MESSAGE_FIELDS,
  MESSAGE_RECEIVE,
  MESSAGE_SEND,
  type MessageRun,
  type ParsedHookRecord,
} from './page-relay';

// The relay's reading of hook records: a field that is only too long is cut to
// its limit (and named in truncatedFields) instead of costing the record, and
// with it every event of its connection.

/** A hook connection record, its known fields only, over-long ones cut. */
function readHookConnection(v: Record<string, unknown>): HookConnection | null {
  if (!isNonNegInt(v.id) || !isTime(v.time) || !isOneOf(v.transport, TRANSPORTS)) return null;
  const cuts: Cuts = [];
  const url = readString(v.url, MAX_URL_LENGTH, 'url', cuts);
  if (url === null) return null;
  const out: HookConnection = { r: 'conn', id: v.id, time: v.time, transport: v.transport, url };
  if (v.method !== undefined) {
    const method = readString(v.method, MAX_METHOD_LENGTH, 'method', cuts);
    if (method === null) return null;
    out.method = method;
  }
  if (v.requestedProtocols !== undefined) {
    const asked = v.requestedProtocols;
    if (!Array.isArray(asked) || !asked.every((p) => typeof p === 'string')) return null;
    if (asked.length > MAX_PROTOCOLS) noteCut(cuts, 'requestedProtocols');
    out.requestedProtocols = asked
      .slice(0, MAX_PROTOCOLS)
      .map((p: string) => readString(p, MAX_PROTOCOL_LENGTH, 'requestedProtocols', cuts) as string);
  }
  if (v.withCredentials !== undefined) {
    if (!isBool(v.withCredentials)) return null;
    out.withCredentials = v.withCredentials;
  }
  if (v.async !== undefined) {
    if (!isBool(v.async)) return null;
    out.async = v.async;
  }
  if (v.requestHeaders !== undefined) {
    const headers = readHeaderList(v.requestHeaders, 'requestHeaders', cuts);
    if (!headers) return null;
    out.requestHeaders = headers;
  }
  if (v.initiator !== undefined) {
    const site = readCallSite(v.initiator, cuts);
    if (!site) return null;
    out.initiator = site;
  }
  if (cuts.length > 0) out.truncatedFields = cuts;
  return out;
}

function isHookBody(v: unknown): v is HookBody {
  return typeof v === 'string' || isArrayBuffer(v) || (typeof Blob !== 'undefined' && v instanceof Blob);
}

/** The most messages one run may carry (the hook hands over at 50,000 records). */
const MAX_RUN_MESSAGES = 100_000;

function isMessageAt(fields: Float64Array, bodies: unknown[], i: number): boolean {
  const at = i * MESSAGE_FIELDS;
  const direction = fields[at];
  const kind = fields[at + 3];
  return (
    (direction === MESSAGE_RECEIVE || direction === MESSAGE_SEND) &&
    isNonNegInt(fields[at + 1]) &&
    isTime(fields[at + 2]) &&
    (kind === 0 || kind === 1 || kind === 2 || kind === 3) &&
    isHookBody(bodies[i])
  );
}

/**
 * A run's valid messages, and how many were not (a run whose shape is wrong
 * counts as one). Every message is checked; a bad one is dropped alone.
 */
function parseMessageRun(v: Record<string, unknown>): { run: MessageRun | null; invalid: number } {
  const { fields, bodies } = v;
  if (
    !isArrayBuffer(fields) ||
    !Array.isArray(bodies) ||
    bodies.length === 0 ||
    bodies.length > MAX_RUN_MESSAGES
  )
    return { run: null, invalid: 1 };
  const own = ownArrayBuffer(fields);
  if (own.byteLength !== bodies.length * MESSAGE_BYTES) return { run: null, invalid: 1 };
  const numbers = new Float64Array(own);
  // Nearly always every message is valid: checked once each, and no list of indices is made.
  let firstInvalid = 0;
  while (firstInvalid < bodies.length && isMessageAt(numbers, bodies, firstInvalid)) firstInvalid++;
  if (firstInvalid === bodies.length)
    return { run: { r: 'run', fields: numbers, bodies: bodies as HookBody[] }, invalid: 0 };
  // Rare (only a broken or hostile sender): the valid messages, repacked.
  const valid: number[] = [];
  for (let i = 0; i < firstInvalid; i++) valid.push(i);
  for (let i = firstInvalid + 1; i < bodies.length; i++) if (isMessageAt(numbers, bodies, i)) valid.push(i);
  const invalid = bodies.length - valid.length;
  if (valid.length === 0) return { run: null, invalid };
  const kept = new Float64Array(valid.length * MESSAGE_FIELDS);
  for (const [to, from] of valid.entries())
    kept.set(numbers.subarray(from * MESSAGE_FIELDS, (from + 1) * MESSAGE_FIELDS), to * MESSAGE_FIELDS);
  return { run: { r: 'run', fields: kept, bodies: valid.map((i) => bodies[i] as HookBody) }, invalid };
}

/**
 * One record that is not a run (runs are checked by parseHookMessage, which
 * counts their bad messages). A field of the right type that is only too long
 * is cut to its limit and named in the record's truncatedFields; anything
 * else wrong costs the record (null). An event may be cut in place: the
 * relay reads its own structured-clone copy.
 */
export function parseHookRecord(v: unknown): HookConnection | HookEvent | null {
  if (!isRecord(v)) return null;
  if (v.r === 'conn') return readHookConnection(v);
  if (v.r === 'ev') {
    if (
      !isNonNegInt(v.conn) ||
      !isTime(v.time) ||
      !isOneOf(v.type, EVENT_TYPES) ||
      !optional(v.body, isHookBody) ||
      !optional(v.fullSize, isNonNegInt)
    )
      return null;
    const cuts: Cuts = [];
    if (!readHookEventFields(v, cuts)) return null;
    if (cuts.length > 0) v.truncatedFields = cuts;
    return v as unknown as HookEvent;
  }
  return null;
}

/** Splits a hook message into valid records and a count of rejected ones. */
export function parseHookMessage(v: unknown):
  | {
      kind: 'batch';
      records: ParsedHookRecord[];
      invalid: number;
      dropped: number;
      /** As the batch said (see HookBatch); undefined when it did not. */
      backlog: boolean | undefined;
    }
  | { kind: 'invalid' } {
  if (!hasVersion(v) || v.t !== 'batch' || !Array.isArray(v.records)) return { kind: 'invalid' };
  if (!optional(v.dropped, isNonNegInt)) return { kind: 'invalid' };
  if (!optional(v.backlog, isBool)) return { kind: 'invalid' };
  const records: ParsedHookRecord[] = [];
  let invalid = 0;
  for (const r of v.records) {
    if (isRecord(r) && r.r === 'run') {
      const { run, invalid: bad } = parseMessageRun(r);
      if (run) records.push(run);
      invalid += bad;
      continue;
    }
    const parsed = parseHookRecord(r);
    if (parsed) records.push(parsed);
    else invalid++;
  }
  return { kind: 'batch', records, invalid, dropped: v.dropped ?? 0, backlog: v.backlog };
}
