// Helpers shared by the XHR and fetch hooks: URL resolution, header lists,
// request bodies and error reasons. Everything the page could replace later
// (String methods, URL, FormData iteration, DOMException getters...) is taken
// once, when the hook installs, before any page script runs.

import type { EventRecord, HeaderList } from '../model';
import { type CapturedBody, captureBody } from './body';
import { append, type Bare, type Getter, type Pristine } from './pristine';

/** Why a body the hook would read itself is not recorded (see Pristine.resolvesPrivately). */
export const THEN_DEFINED =
  "body not recorded: the page defines 'then' on Object.prototype or ArrayBuffer.prototype, which would see the recorder's copy";

/** Longest form field value kept (the protocol's limit for short strings). */
const MAX_FORM_VALUE = 100_000;
const MAX_FORM_FIELDS = 10_000;

export interface HttpNatives {
  p: Pristine;
  indexOf: string['indexOf'];
  toLowerCase: string['toLowerCase'];
  toUpperCase: string['toUpperCase'];
  trim: string['trim'];
  URLCtor: typeof URL | undefined;
  urlHref: Getter;
  baseURI: Getter;
  doc: Document | undefined;
  URLSearchParamsCtor: typeof URLSearchParams | undefined;
  searchParamsToString: URLSearchParams['toString'] | undefined;
  FormDataCtor: typeof FormData | undefined;
  formDataEntries: FormData['entries'] | undefined;
  formIteratorNext: ((this: unknown) => IteratorResult<[string, FormDataEntryValue]>) | undefined;
  FileCtor: typeof File | undefined;
  fileName: Getter;
  blobSize: Getter;
  blobType: Getter;
  DocumentCtor: typeof Document | undefined;
  XMLSerializerCtor: typeof XMLSerializer | undefined;
  serializeToString: XMLSerializer['serializeToString'] | undefined;
  DOMExceptionCtor: typeof DOMException | undefined;
  exceptionName: Getter;
  exceptionMessage: Getter;
  TextDecoderCtor: typeof TextDecoder | undefined;
  textDecode: TextDecoder['decode'] | undefined;
  HeadersCtor: typeof Headers | undefined;
  headersForEach: Headers['forEach'] | undefined;
  headersEntries: Headers['entries'] | undefined;
  headersIteratorNext: ((this: unknown) => IteratorResult<[string, string]>) | undefined;
  headersGet: Headers['get'] | undefined;
  encodeURI: typeof encodeURI | undefined;
  /** The last document base URL seen, and what relative URLs resolve against there (see resolveUrl). */
  baseCache: Bare<{ base: string; root: string; dir: string }> | null;
  /** One decoder shared by every whole-body decode (see wholeDecoder). */
  sharedDecode?: Decoder | null;
}

export type Decoder = (bytes: Uint8Array, stream: boolean) => string;

export function captureHttpNatives(p: Pristine): HttpNatives {
  const w = p.win;
  const S = w.String.prototype;
  /** The native `next` of the iterators `make` returns (page code may later replace the iterator methods). */
  const iteratorNextOf = <T>(make: () => object): T | undefined => {
    try {
      return (p.getPrototypeOf(make()) as { next: T }).next;
    } catch {
      return undefined;
    }
  };
  const serializerProto = w.XMLSerializer?.prototype;
  // Prototype-less: a property it lacks (sharedDecode, before the first decode) is never looked up on Object.prototype.
  const natives: Bare<HttpNatives> = {
    __proto__: null,
    p,
    indexOf: S.indexOf,
    toLowerCase: S.toLowerCase,
    toUpperCase: S.toUpperCase,
    trim: S.trim,
    URLCtor: w.URL,
    urlHref: w.URL ? p.getter(w.URL.prototype, 'href') : undefined,
    baseURI: w.Node ? p.getter(w.Node.prototype, 'baseURI') : undefined,
    doc: w.document,
    URLSearchParamsCtor: w.URLSearchParams,
    searchParamsToString: w.URLSearchParams?.prototype.toString,
    FormDataCtor: w.FormData,
    formDataEntries: w.FormData?.prototype.entries,
    formIteratorNext: w.FormData
      ? iteratorNextOf<HttpNatives['formIteratorNext']>(() => new w.FormData().entries())
      : undefined,
    FileCtor: w.File,
    fileName: w.File ? p.getter(w.File.prototype, 'name') : undefined,
    blobSize: p.getter(w.Blob.prototype, 'size'),
    blobType: p.getter(w.Blob.prototype, 'type'),
    DocumentCtor: w.Document,
    XMLSerializerCtor: w.XMLSerializer,
    serializeToString: serializerProto?.serializeToString,
    DOMExceptionCtor: w.DOMException,
    exceptionName: w.DOMException ? p.getter(w.DOMException.prototype, 'name') : undefined,
    exceptionMessage: w.DOMException ? p.getter(w.DOMException.prototype, 'message') : undefined,
    TextDecoderCtor: w.TextDecoder,
    textDecode: w.TextDecoder?.prototype.decode,
    HeadersCtor: w.Headers,
    headersForEach: w.Headers?.prototype.forEach,
    headersEntries: w.Headers?.prototype.entries,
    headersGet: w.Headers?.prototype.get,
    headersIteratorNext: w.Headers
      ? iteratorNextOf<HttpNatives['headersIteratorNext']>(() => new w.Headers().entries())
      : undefined,
    encodeURI: w.encodeURI,
    baseCache: null,
    sharedDecode: undefined,
  };
  return natives;
}

export function lower(n: HttpNatives, s: string): string {
  return n.p.apply(n.toLowerCase, s, []) as string;
}

function includes(n: HttpNatives, s: string, part: string): boolean {
  return (n.p.apply(n.indexOf, s, [part]) as number) >= 0;
}

/**
 * ToString exactly as a WebIDL string argument would do it (a template
 * literal converts like ToString: Symbols throw). Used so a page object's
 * toString runs once: the converted string is what the native then receives.
 */
export function toStringArg(args: unknown[], i: number): void {
  // A Symbol is left to the native, whose error names the call ("Failed to execute 'open'…").
  if (i < args.length && typeof args[i] !== 'string' && typeof args[i] !== 'symbol')
    args[i] = `${args[i] as string}`;
}

/** Method as fetch/XHR normalise it: the standard ones upper-cased, others kept. */
export function normalizeMethod(n: HttpNatives, method: string): string {
  const up = n.p.apply(n.toUpperCase, method, []) as string;
  return up === 'DELETE' || up === 'GET' || up === 'HEAD' || up === 'OPTIONS' || up === 'POST' || up === 'PUT'
    ? up
    : method;
}

/** Absolute URL against the document's base URL; the input as given when it does not parse. */
export function resolveUrl(n: HttpNatives, url: string): string {
  const { p } = n;
  try {
    if (!n.URLCtor || !n.urlHref) return url;
    const base = n.doc && n.baseURI ? (p.apply(n.baseURI, n.doc, []) as string) : undefined;
    if (base === undefined) return p.apply(n.urlHref, new n.URLCtor(url), []) as string;
    const quick = joinPlainRelative(n, url, base);
    if (quick !== null) return quick;
    return p.apply(n.urlHref, new n.URLCtor(url, base), []) as string;
  } catch {
    return url;
  }
}

/**
 * The common relative URL ('/api/poll?since=3', 'messages?page=2') against an
 * http(s) base, joined as text: what the URL parser would return, without
 * parsing, which costs more than the rest of describing a request. Only input
 * the parser would copy unchanged qualifies: characters encodeURI leaves alone
 * (so nothing to escape, no whitespace to strip), no '%', no "'" (escaped in a
 * query) or '#', no dot segment, no scheme, not scheme-relative. Anything else
 * returns null and is parsed.
 */
export function joinPlainRelative(n: HttpNatives, url: string, base: string): string | null {
  const { p } = n;
  if (!n.encodeURI || !n.URLCtor || !n.urlHref || url.length === 0) return null;
  let cache = n.baseCache;
  if (cache === null || cache.base !== base) {
    const parsed = new n.URLCtor(base);
    const href = p.apply(n.urlHref, parsed, []) as string;
    if (!startsWith(n, href, 'http://') && !startsWith(n, href, 'https://')) return null;
    // Resolved against the href string, not the URL object: its toString is the page's to replace.
    const rootHref = p.apply(n.urlHref, new n.URLCtor('/', href), []) as string;
    cache = {
      __proto__: null,
      base,
      root: p.apply(p.stringSlice, rootHref, [0, -1]) as string,
      dir: p.apply(n.urlHref, new n.URLCtor('.', href), []) as string,
    };
    n.baseCache = cache;
  }
  if (!encodesToItself(n, url) || includes(n, url, "'") || includes(n, url, '#')) return null;
  const first = p.apply(p.charCodeAt, url, [0]) as number;
  if (first === 0x2e /* . */ || first === 0x3f /* ? */ || includes(n, url, '/.')) return null;
  if (first === 0x2f /* / */) {
    if ((p.apply(p.charCodeAt, url, [1]) as number) === 0x2f) return null;
    return cache.root + url;
  }
  // A ':' before any '/' or '?' would make it a scheme (or read as one): parse those.
  const colon = p.apply(n.indexOf, url, [':']) as number;
  if (colon >= 0) {
    const slash = p.apply(n.indexOf, url, ['/']) as number;
    const query = p.apply(n.indexOf, url, ['?']) as number;
    if ((slash < 0 || colon < slash) && (query < 0 || colon < query)) return null;
  }
  return cache.dir + url;
}

/** True when encodeURI leaves `s` as it is (it throws on a lone surrogate, which the parser must see). */
function encodesToItself(n: HttpNatives, s: string): boolean {
  try {
    return n.encodeURI?.(s) === s;
  } catch {
    return false;
  }
}

function startsWith(n: HttpNatives, s: string, prefix: string): boolean {
  return (n.p.apply(n.indexOf, s, [prefix]) as number) === 0;
}

/** Parses getAllResponseHeaders() text ("name: value\r\n" lines) into a header list. */
export function parseRawHeaders(n: HttpNatives, raw: string): HeaderList {
  const { p } = n;
  const out = p.list<[string, string]>();
  let start = 0;
  while (start < raw.length) {
    let end = p.apply(n.indexOf, raw, ['\r\n', start]) as number;
    if (end < 0) end = raw.length;
    const line = p.apply(p.stringSlice, raw, [start, end]) as string;
    const colon = p.apply(n.indexOf, line, [':']) as number;
    if (colon > 0) {
      const name = p.apply(n.trim, p.apply(p.stringSlice, line, [0, colon]), []) as string;
      const value = p.apply(n.trim, p.apply(p.stringSlice, line, [colon + 1]), []) as string;
      append(out, [name, value]);
    }
    start = end + 2;
  }
  return out;
}

/** Adds a header the way setRequestHeader combines repeats ("a, b"), names compared case-insensitively. */
export function addHeader(n: HttpNatives, list: HeaderList, name: string, value: string): void {
  const key = lower(n, name);
  for (let i = 0; i < list.length; i++) {
    const h = list[i] as [string, string];
    if (lower(n, h[0]) === key) {
      h[1] = `${h[1]}, ${value}`;
      return;
    }
  }
  append(list, [name, value]);
}

/** Header list of a native Headers object (sorted, lower-cased names, as the browser iterates). */
export function headersToList(n: HttpNatives, headers: unknown): HeaderList | undefined {
  if (!n.HeadersCtor || !n.p.instanceOf(headers, n.HeadersCtor)) return undefined;
  const { apply } = n.p;
  const out = n.p.list<[string, string]>();
  // The iterator, where there is one: cheaper than forEach, whose callback
  // the browser calls once per header. Each step's value is a fresh [name, value].
  if (n.headersEntries && n.headersIteratorNext) {
    const it = apply(n.headersEntries, headers, []);
    for (;;) {
      const step = apply(n.headersIteratorNext, it, []) as IteratorResult<[string, string]>;
      if (step.done) return out;
      append(out, step.value);
    }
  }
  if (!n.headersForEach) return undefined;
  apply(n.headersForEach, headers, [(value: string, name: string) => append(out, [name, value])]);
  return out;
}

/** One header's value read from a Headers object, '' when absent (or not a native Headers). */
export function headersValue(n: HttpNatives, headers: unknown, name: string): string {
  if (!n.HeadersCtor || !n.p.instanceOf(headers, n.HeadersCtor)) return '';
  if (n.headersGet) return (n.p.apply(n.headersGet, headers, [name]) as string | null) ?? '';
  return headerValue(n, headersToList(n, headers), name);
}

/** A header's non-negative decimal value if it is at most `max`, else -1 (no page-replaceable Number/parseInt). */
export function decimalUpTo(p: Pristine, value: string, max: number): number {
  if (value.length === 0 || value.length > 16) return -1;
  let out = 0;
  for (let i = 0; i < value.length; i++) {
    const digit = (p.apply(p.charCodeAt, value, [i]) as number) - 48;
    if (digit < 0 || digit > 9) return -1;
    out = out * 10 + digit;
  }
  return out <= max ? out : -1;
}

/** Value of a header in a list (case-insensitive), or ''. */
export function headerValue(n: HttpNatives, list: HeaderList | undefined, name: string): string {
  if (!list) return '';
  const key = lower(n, name);
  for (let i = 0; i < list.length; i++) {
    const h = list[i] as [string, string];
    if (lower(n, h[0]) === key) return h[1];
  }
  return '';
}

/** Content types whose bodies are text, so the timeline shows them as text rather than base64. */
export function isTextualType(n: HttpNatives, contentType: string): boolean {
  const t = lower(n, contentType);
  if (t === '') return false;
  return (
    (n.p.apply(n.indexOf, t, ['text/']) as number) === 0 ||
    includes(n, t, 'json') ||
    includes(n, t, 'xml') ||
    includes(n, t, 'javascript') ||
    includes(n, t, 'x-www-form-urlencoded') ||
    includes(n, t, 'graphql')
  );
}

/** Content types that are streams of messages: recorded chunk by chunk as they arrive. */
export function isStreamingType(n: HttpNatives, contentType: string): boolean {
  const t = lower(n, contentType);
  return (
    includes(n, t, 'text/event-stream') ||
    includes(n, t, 'application/x-ndjson') ||
    includes(n, t, 'application/ndjson') ||
    includes(n, t, 'application/stream+json') ||
    includes(n, t, 'application/jsonl') ||
    includes(n, t, 'application/json-seq') ||
    // GraphQL incremental delivery (@defer / @stream) and other multipart streams.
    includes(n, t, 'multipart/mixed')
  );
}

/** What dataProperty returns for an accessor: the value is only the page's getter's to give. */
export const ACCESSOR: unique symbol = Symbol('accessor');

/**
 * Reads a data property without running page code: accessors (and proxies'
 * get traps) are not invoked, so a page getter is never called twice.
 * ACCESSOR when the property is one.
 */
export function dataProperty(p: Pristine, obj: unknown, name: string): unknown {
  let o: unknown = obj;
  for (let depth = 0; depth < 32 && typeof o === 'object' && o !== null; depth++) {
    const desc = p.getOwnPropertyDescriptor(o, name);
    // The descriptor is an ordinary object: only its own fields are read.
    if (desc) return p.isOwn(desc, 'value') ? desc.value : ACCESSOR;
    o = p.getPrototypeOf(o);
  }
  return undefined;
}

export type FormFields = NonNullable<EventRecord['form']>;

function cutString(n: HttpNatives, s: string, limit: number): string {
  return s.length > limit ? (n.p.apply(n.p.stringSlice, s, [0, limit]) as string) : s;
}

/** FormData as fields: text values (cut to the cap), files as name, size and type. */
export function formFields(n: HttpNatives, form: FormData, cap: number): FormFields {
  const { p } = n;
  const out = p.list<FormFields[number]>();
  if (!n.formDataEntries || !n.formIteratorNext) return out;
  // biome-ignore lint/complexity/useMathMinMax: the page may replace Math.min
  const limit = cap < MAX_FORM_VALUE ? cap : MAX_FORM_VALUE;
  const it = p.apply(n.formDataEntries, form, []);
  for (let i = 0; i < MAX_FORM_FIELDS; i++) {
    const step = p.apply(n.formIteratorNext, it, []) as IteratorResult<[string, FormDataEntryValue]>;
    if (step.done) break;
    const entry = step.value;
    const name = cutString(n, entry[0], MAX_FORM_VALUE);
    const value = entry[1];
    if (typeof value === 'string') append(out, { name, value: cutString(n, value, limit) });
    else {
      append(out, {
        name,
        fileName: cutString(
          n,
          n.fileName ? p.StringCtor(p.apply(n.fileName, value, [])) : '',
          MAX_FORM_VALUE,
        ),
        fileSize: n.blobSize ? (p.apply(n.blobSize, value, []) as number) : 0,
        fileType: cutString(
          n,
          n.blobType ? p.StringCtor(p.apply(n.blobType, value, [])) : '',
          MAX_FORM_VALUE,
        ),
      });
    }
  }
  return out;
}

/** A request body as the page passed it, captured for a `send` event. */
export interface CapturedRequestBody {
  captured: CapturedBody | null;
  /** What kind of body the page passed: text, urlsearchparams, formdata, blob, arraybuffer, view, document, stream. */
  bodyKind: string;
  form?: FormFields;
}

/**
 * Captures a request body of the kinds XHR and fetch accept. Returns null
 * for no body, or for a kind the caller handles itself.
 */
export function captureRequestBody(
  n: HttpNatives,
  body: unknown,
  cap: number,
): Bare<CapturedRequestBody> | null {
  const { p } = n;
  if (body === null || body === undefined) return null;
  // Prototype-less results: callers read `form`, which most lack.
  if (typeof body === 'string')
    return { __proto__: null, captured: captureBody(p, body, cap), bodyKind: 'text' };
  if (n.URLSearchParamsCtor && n.searchParamsToString && p.instanceOf(body, n.URLSearchParamsCtor)) {
    const text = p.apply(n.searchParamsToString, body, []) as string;
    return { __proto__: null, captured: captureBody(p, text, cap), bodyKind: 'urlsearchparams' };
  }
  if (n.FormDataCtor && p.instanceOf(body, n.FormDataCtor)) {
    return { __proto__: null, captured: null, bodyKind: 'formdata', form: formFields(n, body, cap) };
  }
  if (n.DocumentCtor && n.XMLSerializerCtor && n.serializeToString && p.instanceOf(body, n.DocumentCtor)) {
    const text = p.apply(n.serializeToString, new n.XMLSerializerCtor(), [body]) as string;
    return { __proto__: null, captured: captureBody(p, text, cap), bodyKind: 'document' };
  }
  const captured = captureBody(p, body, cap);
  if (captured) return { __proto__: null, captured, bodyKind: captured.bodyKind };
  return null;
}

/** "Name: message" of a thrown value, read without running page code where possible. */
export function errorReason(n: HttpNatives, err: unknown): string {
  const { p } = n;
  try {
    if (
      n.DOMExceptionCtor &&
      p.instanceOf(err, n.DOMExceptionCtor) &&
      n.exceptionName &&
      n.exceptionMessage
    ) {
      const name = p.StringCtor(p.apply(n.exceptionName, err, []));
      const message = p.StringCtor(p.apply(n.exceptionMessage, err, []));
      return message ? `${name}: ${message}` : name;
    }
    const name = dataProperty(p, err, 'name');
    const message = dataProperty(p, err, 'message');
    if (typeof name === 'string' && typeof message === 'string')
      return message ? `${name}: ${message}` : name;
    if (typeof err === 'string') return err;
  } catch {
    // fall through
  }
  return 'unknown error';
}

/**
 * A decoder for bodies decoded in one call (stream false), shared: such a
 * call starts and ends with the decoder empty, so one serves every body and
 * each response need not construct its own. Chunks need makeDecoder's own.
 */
export function wholeDecoder(n: HttpNatives): Decoder | null {
  if (n.sharedDecode === undefined) n.sharedDecode = makeDecoder(n);
  return n.sharedDecode;
}

/** Decodes UTF-8 bytes with the pristine TextDecoder (streaming keeps split characters whole). */
export function makeDecoder(n: HttpNatives): Decoder | null {
  if (!n.TextDecoderCtor || !n.textDecode) return null;
  const decoder = new n.TextDecoderCtor();
  const decode = n.textDecode;
  const streaming: Bare<TextDecodeOptions> = { __proto__: null, stream: true };
  const whole: Bare<TextDecodeOptions> = { __proto__: null, stream: false };
  return (bytes, stream) => n.p.apply(decode, decoder, [bytes, stream ? streaming : whole]) as string;
}
