// Where the page started a request that looks like part of a loop: the
// first stack frame outside the hook, as DevTools' Initiator column shows
// it, so the panel can take the user to the line. A stack costs a few
// microseconds, so it is taken only for HTTP requests a loop may have made:
// the same method and path started again while one is in flight, or soon
// after the last one started or ended. Never when reading the stack could
// run page code (a page's Error.prepareStackTrace, a stackTraceLimit or
// error name made an accessor) or would find no page frame (limit 0).

import type { CallSite } from '../model';
import type { HookConnection, HookEvent } from '../wire/page-relay';
import { ownScriptUrl } from './disguise';
import type { Bare, Pristine } from './pristine';
import type { HookRelayPort } from './relay-port';
import { firstOutsideFrame, type TextOps } from './stack-frames';

/** "Soon": a loop's next request within this long of the last start or end of its method and path. */
const LOOP_WINDOW_MS = 3000;
/** Method-and-path entries remembered; past this the table starts again (suspicion only, nothing lost). */
const MAX_KEYS = 512;

/** Takes the page's call site of the request being made now (null when it may not, or finds none). */
export type CallSiteReader = () => Bare<CallSite> | null;

export function textOps(p: Pristine): TextOps {
  const S = p.win.String.prototype;
  const indexOf = S.indexOf;
  const lastIndexOf = S.lastIndexOf;
  const { apply, stringSlice, charCodeAt } = p;
  const ops: Bare<TextOps> = {
    __proto__: null,
    indexOf: (s, part, from) => apply(indexOf, s, from === undefined ? [part] : [part, from]) as number,
    lastIndexOf: (s, part, from) =>
      apply(lastIndexOf, s, from === undefined ? [part] : [part, from]) as number,
    slice: (s, start, end) => apply(stringSlice, s, end === undefined ? [start] : [start, end]) as string,
    code: (s, i) => apply(charCodeAt, s, [i]) as number,
  };
  return ops;
}

/**
 * A reader of the page's call site. `ownUrl` is the hook's script as stacks
 * print it (found at install when not given, see ownScriptUrl); null when it cannot be known.
 * Call at install, before any page script runs.
 */
export function callSiteReader(p: Pristine, ownUrl?: string): CallSiteReader | null {
  const ErrorCtor = p.win.Error;
  const errorProto = ErrorCtor.prototype;
  const functionProto = p.getPrototypeOf(ErrorCtor);
  const objectProto = functionProto ? p.getPrototypeOf(functionProto) : null;
  const probe = new ErrorCtor();
  const hookUrl = ownUrl ?? ownScriptUrl(probe.stack);
  if (!hookUrl || !functionProto || !objectProto) return null;
  // V8: an own accessor on each error, the same pair for all; Firefox: an accessor on Error.prototype.
  const own = p.getOwnPropertyDescriptor(probe, 'stack');
  const ownGet = own && p.isOwn(own, 'get') ? own.get : undefined;
  const protoStack = p.getOwnPropertyDescriptor(errorProto, 'stack');
  const protoGet = protoStack && p.isOwn(protoStack, 'get') ? protoStack.get : undefined;
  const t = textOps(p);

  const isData = (obj: object, name: string, type: 'string' | 'number'): boolean => {
    const d = p.getOwnPropertyDescriptor(obj, name);
    return d !== undefined && p.isOwn(d, 'value') && typeof d.value === type;
  };
  /** Whether the engine would run no page code making and printing an error's stack. */
  const safeToRead = (): boolean => {
    // A prototype swapped for a Proxy would run its traps on the lookups below.
    if (p.getPrototypeOf(ErrorCtor) !== functionProto || p.getPrototypeOf(functionProto) !== objectProto)
      return false;
    if (p.getPrototypeOf(objectProto) !== null) return false;
    // V8 looks prepareStackTrace up along Error's prototype chain (no iteration protocol here: rules of pristine.ts).
    if (p.getOwnPropertyDescriptor(ErrorCtor, 'prepareStackTrace') !== undefined) return false;
    if (p.getOwnPropertyDescriptor(functionProto, 'prepareStackTrace') !== undefined) return false;
    if (p.getOwnPropertyDescriptor(objectProto, 'prepareStackTrace') !== undefined) return false;
    // V8 prints "name: message" first, read from Error.prototype: both must stay plain strings.
    if (!isData(errorProto, 'name', 'string') || !isData(errorProto, 'message', 'string')) return false;
    const limit = p.getOwnPropertyDescriptor(ErrorCtor, 'stackTraceLimit');
    if (limit === undefined) return true;
    return p.isOwn(limit, 'value') && typeof limit.value === 'number' && limit.value > 0;
  };
  const stackText = (err: object): unknown => {
    const d = p.getOwnPropertyDescriptor(err, 'stack');
    if (d) {
      if (p.isOwn(d, 'value')) return d.value;
      return ownGet && d.get === ownGet ? p.apply(ownGet, err, []) : undefined;
    }
    return protoGet ? p.apply(protoGet, err, []) : undefined;
  };
  return () => {
    try {
      if (!safeToRead()) return null;
      const stack = stackText(new ErrorCtor());
      return typeof stack === 'string' ? firstOutsideFrame(t, stack, hookUrl) : null;
    } catch {
      return null;
    }
  };
}

interface KeyState {
  open: number;
  /** The last start or end of a request with this method and path. */
  last: number;
}

/**
 * The relay port the XHR and fetch hooks emit through, adding the page's call
 * site to each HTTP connection record that looks like a loop's. It sees every
 * record, so it knows which requests are in flight. Emits run inside the
 * page's call (XHR send, fetch), so the stack holds the page's frames.
 */
export function withInitiators(p: Pristine, ch: HookRelayPort, read: CallSiteReader): HookRelayPort {
  const t = textOps(p);
  let keys = { __proto__: null } as Bare<Record<string, KeyState>>;
  let keyCount = 0;
  const keyOfId = { __proto__: null } as Bare<Record<number, string>>;

  /** Method and URL without its query and fragment: a loop's cache-busters vary there. */
  const keyOf = (method: string, url: string): string => {
    let end = t.indexOf(url, '?');
    const hash = t.indexOf(url, '#');
    if (end < 0 || (hash >= 0 && hash < end)) end = hash;
    return `${method} ${end < 0 ? url : t.slice(url, 0, end)}`;
  };
  const started = (record: Bare<HookConnection>): void => {
    const key = keyOf(record.method ?? 'GET', record.url);
    let state = keys[key];
    const suspected = state !== undefined && (state.open > 0 || record.time - state.last <= LOOP_WINDOW_MS);
    if (state === undefined) {
      if (keyCount >= MAX_KEYS) {
        keys = { __proto__: null } as Bare<Record<string, KeyState>>;
        keyCount = 0;
      }
      state = { __proto__: null, open: 0, last: record.time } as Bare<KeyState>;
      keys[key] = state;
      keyCount++;
    }
    state.open++;
    state.last = record.time;
    keyOfId[record.id] = key;
    if (!suspected) return;
    const site = read();
    if (site) record.initiator = site;
  };
  const ended = (record: HookEvent): void => {
    const key = keyOfId[record.conn];
    if (key === undefined) return;
    delete keyOfId[record.conn];
    const state = keys[key];
    if (!state) return;
    if (state.open > 0) state.open--;
    if (record.time > state.last) state.last = record.time;
  };
  const port: Bare<HookRelayPort> = {
    __proto__: null,
    emit(record) {
      try {
        if (!p.isArray(record)) {
          if (record.r === 'conn' && (record.transport === 'xhr' || record.transport === 'fetch'))
            started(record as Bare<HookConnection>);
          else if (record.r === 'ev' && (record.type === 'close' || record.type === 'error')) ended(record);
        }
      } catch {
        // the record goes out without its initiator
      }
      ch.emit(record);
    },
    emitLate: (make, source, key, bytes) => ch.emitLate(make, source, key, bytes),
    payloadCap: () => ch.payloadCap(),
    time: () => ch.time(),
    watchBacklog: (probe) => ch.watchBacklog(probe),
  };
  return port;
}
