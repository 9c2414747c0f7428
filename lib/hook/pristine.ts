// Private references to every built-in the hook uses, taken before any page
// script runs. The page may later replace JSON, Array.prototype.push,
// EventTarget methods, postMessage, Promise, Reflect... none of that may break
// or blind the hook, so hook code calls only what is captured here.
//
// Rules for hook code: no `arr.push` (use `append`), no method calls on page
// reachable objects except through `call`, no template-literal tag helpers,
// no Promise chaining on page-provided promises except through the captured
// `then`.

/** A prototype accessor's getter, as Pristine.getter finds it (absent where the browser has none). */
export type Getter = ((this: unknown) => unknown) | undefined;

export interface Pristine {
  win: Window & typeof globalThis;
  apply: typeof Reflect.apply;
  construct: typeof Reflect.construct;
  defineProperty: typeof Object.defineProperty;
  getOwnPropertyDescriptor: typeof Object.getOwnPropertyDescriptor;
  getPrototypeOf: typeof Object.getPrototypeOf;
  ProxyCtor: ProxyConstructor;
  WeakMapCtor: WeakMapConstructor;
  weakMapGet: WeakMap<WeakKey, unknown>['get'];
  weakMapSet: WeakMap<WeakKey, unknown>['set'];
  StringCtor: StringConstructor;
  isArray: typeof Array.isArray;
  stringSlice: string['slice'];
  charCodeAt: string['charCodeAt'];
  ArrayBufferCtor: ArrayBufferConstructor;
  Uint8ArrayCtor: Uint8ArrayConstructor;
  Float64ArrayCtor: Float64ArrayConstructor;
  arrayBufferSlice: ArrayBuffer['slice'];
  typedArraySet: Uint8Array['set'];
  isView: typeof ArrayBuffer.isView;
  BlobCtor: typeof Blob;
  blobSlice: Blob['slice'];
  blobArrayBuffer: Blob['arrayBuffer'];
  jsonStringify: typeof JSON.stringify;
  /** Absent where the browser has no TextEncoder. */
  textEncoder: TextEncoder | undefined;
  textEncodeInto: TextEncoder['encodeInto'] | undefined;
  addEventListener: EventTarget['addEventListener'];
  removeEventListener: EventTarget['removeEventListener'];
  dispatchEvent: EventTarget['dispatchEvent'];
  MessageEventCtor: typeof MessageEvent;
  CustomEventCtor: typeof CustomEvent;
  MessageChannelCtor: typeof MessageChannel;
  portPostMessage: MessagePort['postMessage'];
  portStart: MessagePort['start'];
  setTimeout: typeof setTimeout;
  queueMicrotask: typeof queueMicrotask;
  /** Absent where the browser has no requestIdleCallback. */
  requestIdleCallback: ((fn: () => void, options: { timeout: number }) => number) | undefined;
  now: () => number;
  timeOrigin: number;
  promiseThen: Promise<unknown>['then'];
  functionToString: (this: unknown) => string;
  /** Getter of a prototype accessor, e.g. getter(WebSocket.prototype, 'url'). */
  getter: (proto: object, name: string) => Getter;
}

export function capturePristine(win: Window & typeof globalThis): Pristine {
  const R = win.Reflect;
  const O = win.Object;
  const apply = R.apply;
  const perf = win.performance;
  const nowFn = perf.now;
  const getOwnPropertyDescriptor = O.getOwnPropertyDescriptor;
  const getPrototypeOf = O.getPrototypeOf;
  const wm = win.WeakMap.prototype;
  return {
    win,
    apply,
    construct: R.construct,
    defineProperty: O.defineProperty,
    getOwnPropertyDescriptor,
    getPrototypeOf,
    ProxyCtor: win.Proxy,
    WeakMapCtor: win.WeakMap,
    weakMapGet: wm.get,
    weakMapSet: wm.set,
    StringCtor: win.String,
    isArray: win.Array.isArray,
    stringSlice: win.String.prototype.slice,
    charCodeAt: win.String.prototype.charCodeAt,
    ArrayBufferCtor: win.ArrayBuffer,
    Uint8ArrayCtor: win.Uint8Array,
    Float64ArrayCtor: win.Float64Array,
    arrayBufferSlice: win.ArrayBuffer.prototype.slice,
    typedArraySet: win.Uint8Array.prototype.set,
    isView: win.ArrayBuffer.isView,
    BlobCtor: win.Blob,
    blobSlice: win.Blob.prototype.slice,
    blobArrayBuffer: win.Blob.prototype.arrayBuffer,
    jsonStringify: win.JSON.stringify,
    textEncoder: typeof win.TextEncoder === 'function' ? new win.TextEncoder() : undefined,
    textEncodeInto: win.TextEncoder?.prototype.encodeInto,
    addEventListener: win.EventTarget.prototype.addEventListener,
    removeEventListener: win.EventTarget.prototype.removeEventListener,
    dispatchEvent: win.EventTarget.prototype.dispatchEvent,
    MessageEventCtor: win.MessageEvent,
    CustomEventCtor: win.CustomEvent,
    MessageChannelCtor: win.MessageChannel,
    portPostMessage: win.MessagePort.prototype.postMessage,
    portStart: win.MessagePort.prototype.start,
    setTimeout: win.setTimeout.bind(win) as typeof setTimeout,
    queueMicrotask: win.queueMicrotask.bind(win),
    requestIdleCallback:
      typeof win.requestIdleCallback === 'function' ? win.requestIdleCallback.bind(win) : undefined,
    now: () => apply(nowFn, perf, []) as number,
    timeOrigin: perf.timeOrigin,
    promiseThen: win.Promise.prototype.then,
    functionToString: win.Function.prototype.toString,
    getter(proto, name) {
      let p: object | null = proto;
      while (p) {
        const d = getOwnPropertyDescriptor(p, name);
        if (d) return d.get as ((this: unknown) => unknown) | undefined;
        p = getPrototypeOf(p) as object | null;
      }
      return undefined;
    },
  };
}

/** One empty argument list for every getter call (Reflect.apply neither keeps nor changes it). */
const NO_ARGS: unknown[] = [];

/** Reads `self`'s property through a getter taken by Pristine.getter. */
export function callGetter(p: Pristine, g: Getter, self: unknown): unknown {
  return g ? p.apply(g, self, NO_ARGS) : undefined;
}

/** A reader of one accessor of `proto`'s instances: the getter is looked up once, here. */
export function getterReader(p: Pristine, proto: object, name: string): (self: unknown) => unknown {
  const g = p.getter(proto, name);
  return (self) => callGetter(p, g, self);
}

/** Appends without Array.prototype.push, which the page may replace. */
export function append<T>(arr: T[], item: T): void {
  arr[arr.length] = item;
}

/**
 * Whether the browser made the event, not a page script's dispatchEvent: a
 * page can dispatch a MessageEvent or CloseEvent on its own socket, and that
 * is not traffic. isTrusted is an unforgeable own property of every event
 * (the page cannot redefine it), so it is read directly.
 */
export function isBrowserEvent(e: Event): boolean {
  return e.isTrusted === true;
}
