// The fields of connection and event records: their limits, and their
// checks. The relay, the first trusted party, cuts what the hook sends to
// these limits (and names the fields it cut in the record's
// `truncatedFields`); every later reader rejects what exceeds them.

import type { CallSite, EventRecord, HeaderList } from '../model';
import { TRANSPORTS } from '../model';
import {
  cutString,
  isHeaderList,
  isNonNegInt,
  isOneOf,
  isRecord,
  isString,
  isStringArray,
  isTime,
  MAX_HEADER_LIST_CHARS,
  MAX_HEADER_NAME_LENGTH,
  MAX_HEADER_VALUE_LENGTH,
  MAX_HEADERS,
  optional,
} from '../validate';
import { isBool } from './envelope';

// Limits of the wire format's fields, in characters. Header lists have their own (lib/validate.ts).
export const MAX_URL_LENGTH = 64 * 1024;
export const MAX_METHOD_LENGTH = 64;
/** statusText, reason, protocol, extensions, eventName, lastEventId, bodyKind, form names and values. */
export const MAX_FIELD_LENGTH = 100_000;
export const MAX_PROTOCOLS = 100;
export const MAX_PROTOCOL_LENGTH = 1000;
export const MAX_FORM_FIELDS = 10_000;
/** All of a form's names and values together. */
export const MAX_FORM_CHARS = 1024 * 1024;
export const MAX_TITLE_LENGTH = 10_000;
/** truncatedFields: at most this many names, each this long. */
export const MAX_CUT_NAMES = 32;
export const MAX_CUT_NAME_LENGTH = 64;

/** An initiator's function name and script URL (a stack prints nothing longer that is worth keeping). */
export const MAX_CALL_SITE_NAME_LENGTH = 1000;
export const MAX_CALL_SITE_URL_LENGTH = 8 * 1024;
/** Lines and columns beyond this are no script's. */
export const MAX_CALL_SITE_POSITION = 2 ** 31 - 1;

export const isShortString = (v: unknown): v is string => isString(v, MAX_FIELD_LENGTH);
const isPosition = (v: unknown): v is number => isNonNegInt(v) && v >= 1 && v <= MAX_CALL_SITE_POSITION;

/** A call site as every reader after the relay accepts it: its four fields, within their limits. */
export function isCallSite(v: unknown): v is CallSite {
  if (!isRecord(v)) return false;
  for (const key of Object.keys(v))
    if (key !== 'fn' && key !== 'url' && key !== 'line' && key !== 'column') return false;
  return (
    isString(v.url, MAX_CALL_SITE_URL_LENGTH) &&
    isPosition(v.line) &&
    isPosition(v.column) &&
    optional(v.fn, (f): f is string => isString(f, MAX_CALL_SITE_NAME_LENGTH))
  );
}

/** The relay's reading of a hook's call site: long names and URLs cut (noted), anything else malformed is null. */
export function readCallSite(v: unknown, cuts: Cuts): CallSite | null {
  if (!isRecord(v) || !isPosition(v.line) || !isPosition(v.column)) return null;
  const url = readString(v.url, MAX_CALL_SITE_URL_LENGTH, 'initiator', cuts);
  if (url === null) return null;
  const out: CallSite = { url, line: v.line, column: v.column };
  if (v.fn !== undefined) {
    const fn = readString(v.fn, MAX_CALL_SITE_NAME_LENGTH, 'initiator', cuts);
    if (fn === null) return null;
    out.fn = fn;
  }
  return out;
}
export const isUrl = (v: unknown): v is string => isString(v, MAX_URL_LENGTH);
const isCode = (v: unknown): v is number => isNonNegInt(v) && v <= 65535;
const isCutNames = (v: unknown): v is string[] => isStringArray(v, MAX_CUT_NAMES, MAX_CUT_NAME_LENGTH);

type FormField = NonNullable<EventRecord['form']>[number];

export function isForm(v: unknown): v is NonNullable<EventRecord['form']> {
  if (!Array.isArray(v) || v.length > MAX_FORM_FIELDS) return false;
  let chars = 0;
  for (const f of v) {
    if (
      !isRecord(f) ||
      !isShortString(f.name) ||
      !optional(f.value, isShortString) ||
      !optional(f.fileName, isShortString) ||
      !optional(f.fileSize, isNonNegInt) ||
      !optional(f.fileType, isShortString)
    )
      return false;
    chars += f.name.length + (f.value?.length ?? 0) + (f.fileName?.length ?? 0) + (f.fileType?.length ?? 0);
  }
  return chars <= MAX_FORM_CHARS;
}

/** Checks the optional fields shared by HookEvent and EventRecord, as the relay sends them. */
export function hasValidEventFields(e: Record<string, unknown>): boolean {
  return (
    optional(e.status, isCode) &&
    optional(e.statusText, isShortString) &&
    optional(e.responseHeaders, isHeaderList) &&
    optional(e.code, isCode) &&
    optional(e.reason, isShortString) &&
    optional(e.wasClean, isBool) &&
    (e.closedBy === undefined || e.closedBy === 'client' || e.closedBy === 'server') &&
    optional(e.protocol, isShortString) &&
    optional(e.extensions, isShortString) &&
    optional(e.eventName, isShortString) &&
    optional(e.lastEventId, isShortString) &&
    optional(e.chunk, isNonNegInt) &&
    optional(e.bodyKind, isShortString) &&
    optional(e.form, isForm) &&
    optional(e.headersAt, isTime) &&
    optional(e.truncatedFields, isCutNames)
  );
}

export function hasValidConnFields(c: Record<string, unknown>): boolean {
  return (
    isNonNegInt(c.id) &&
    isTime(c.time) &&
    isOneOf(c.transport, TRANSPORTS) &&
    isUrl(c.url) &&
    optional(c.method, (m): m is string => isString(m, MAX_METHOD_LENGTH)) &&
    optional(c.requestedProtocols, (p): p is string[] =>
      isStringArray(p, MAX_PROTOCOLS, MAX_PROTOCOL_LENGTH),
    ) &&
    optional(c.withCredentials, isBool) &&
    optional(c.async, isBool) &&
    optional(c.requestHeaders, isHeaderList) &&
    optional(c.initiator, isCallSite) &&
    optional(c.truncatedFields, isCutNames)
  );
}

// ---------------------------------------------------------------------------
// The relay's reading of hook records: the same checks, but a field that is
// only too long is cut to its limit (and named in truncatedFields) instead of
// costing the record, and with it every event of its connection.

/** Names of the fields cut so far, in the order met. */
export type Cuts = string[];

export function noteCut(cuts: Cuts, field: string): void {
  if (!cuts.includes(field)) cuts.push(field);
}

/** A string cut to max (the field noted when cut); null when v is not a string. */
export function readString(v: unknown, max: number, field: string, cuts: Cuts): string | null {
  if (typeof v !== 'string') return null;
  if (v.length <= max) return v;
  noteCut(cuts, field);
  return cutString(v, max);
}

/** A header list cut to its limits; null when v is not a list of [name, value] strings. */
export function readHeaderList(v: unknown, field: string, cuts: Cuts): HeaderList | null {
  if (!Array.isArray(v)) return null;
  if (isHeaderList(v)) return v;
  const out: HeaderList = [];
  let room = MAX_HEADER_LIST_CHARS;
  const n = Math.min(v.length, MAX_HEADERS);
  for (let i = 0; i < n; i++) {
    const h: unknown = v[i];
    if (!Array.isArray(h) || h.length !== 2 || typeof h[0] !== 'string' || typeof h[1] !== 'string')
      return null;
    if (room === 0) break;
    const name = cutString(h[0], Math.min(MAX_HEADER_NAME_LENGTH, room));
    room -= name.length;
    const value = cutString(h[1], Math.min(MAX_HEADER_VALUE_LENGTH, room));
    room -= value.length;
    out.push([name, value]);
  }
  noteCut(cuts, field);
  return out;
}

/** A FormData description cut to its limits; null when v is not one. */
function readForm(v: unknown, cuts: Cuts): FormField[] | null {
  if (!Array.isArray(v)) return null;
  if (isForm(v)) return v;
  const out: FormField[] = [];
  let room = MAX_FORM_CHARS;
  const piece = (s: unknown): string | undefined | null => {
    if (s === undefined) return undefined;
    if (typeof s !== 'string') return null;
    const kept = cutString(s, Math.min(MAX_FIELD_LENGTH, room));
    room -= kept.length;
    return kept;
  };
  const n = Math.min(v.length, MAX_FORM_FIELDS);
  for (let i = 0; i < n; i++) {
    const f: unknown = v[i];
    if (!isRecord(f) || !optional(f.fileSize, isNonNegInt)) return null;
    if (room === 0) break;
    const name = piece(f.name);
    const value = piece(f.value);
    const fileName = piece(f.fileName);
    const fileType = piece(f.fileType);
    if (typeof name !== 'string' || value === null || fileName === null || fileType === null) return null;
    const field: FormField = { name };
    if (value !== undefined) field.value = value;
    if (fileName !== undefined) field.fileName = fileName;
    if (f.fileSize !== undefined) field.fileSize = f.fileSize;
    if (fileType !== undefined) field.fileType = fileType;
    out.push(field);
  }
  noteCut(cuts, 'form');
  return out;
}

/** The string fields of an event the relay cuts to MAX_FIELD_LENGTH. */
const SHORT_EVENT_FIELDS = [
  'statusText',
  'reason',
  'protocol',
  'extensions',
  'eventName',
  'lastEventId',
  'bodyKind',
] as const;

/**
 * A hook event's optional fields, checked, with over-long ones cut in place
 * (the object is the relay's own copy); false when one has the wrong type.
 */
export function readHookEventFields(e: Record<string, unknown>, cuts: Cuts): boolean {
  for (const field of SHORT_EVENT_FIELDS) {
    const value = e[field];
    if (value === undefined) continue;
    const kept = readString(value, MAX_FIELD_LENGTH, field, cuts);
    if (kept === null) return false;
    e[field] = kept;
  }
  if (e.responseHeaders !== undefined) {
    const headers = readHeaderList(e.responseHeaders, 'responseHeaders', cuts);
    if (!headers) return false;
    e.responseHeaders = headers;
  }
  if (e.form !== undefined) {
    const form = readForm(e.form, cuts);
    if (!form) return false;
    e.form = form;
  }
  // Only the relay says what it cut (a delete only when there is one: it slows the object down).
  if (e.truncatedFields !== undefined) delete e.truncatedFields;
  return (
    optional(e.status, isCode) &&
    optional(e.code, isCode) &&
    optional(e.wasClean, isBool) &&
    (e.closedBy === undefined || e.closedBy === 'client' || e.closedBy === 'server') &&
    optional(e.chunk, isNonNegInt) &&
    optional(e.headersAt, isTime)
  );
}
