// Private references to every built-in the hook uses, taken before any page
// script runs. The page may later replace JSON, Array.prototype.push,
// EventTarget methods, postMessage, Promise, Reflect... none of that may break
// or blind the hook, so hook code calls only what is captured here.
//
// Rules for hook code, so that no accessor or method a page puts on a
// prototype (Object.prototype, Array.prototype, Promise.prototype...) ever
// runs inside the hook, sees its objects, or changes what it records:
// - every object the hook makes is prototype-less: literals start with
//   `__proto__: null` (typed `Bare<T>`), arrays come from `p.list()`;
// - appending is `append` (onto such a list), never `push`;
// - a page or engine object is read through captured getters, or `own` for a
//   data property it has itself; never a property it may lack;
// - a type is told by a native brand check (`is*`), not `instanceof`, which
//   runs a page's Symbol.hasInstance or a Proxy's getPrototypeOf;
// - no iteration protocol (`for of`, spread, array destructuring) on arrays;
// - a promise is chained with `p.chain`, which reads no `constructor`.

/** A hook-made object literal: it starts with `__proto__: null`, so no page accessor runs on it. */
export type Bare<T> = T & { __proto__: null };

/** A prototype accessor's getter, as Pristine.getter finds it (absent where the browser has none). */
export type Getter = ((this: unknown) => unknown) | undefined;

export interface Pristine {
  win: Window & typeof globalThis;
  apply: typeof Reflect.apply;
  construct: typeof Reflect.construct;
  defineProperty: typeof Object.defineProperty;
  getOwnPropertyDescriptor: typeof Object.getOwnPropertyDescriptor;
  getPrototypeOf: typeof Object.getPrototypeOf;
  /** Whether obj has the property itself (Object.prototype.hasOwnProperty, as taken at start). */
  isOwn: (obj: object, name: PropertyKey) => boolean;
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
  /** Absent where the browser has no structuredClone. */
  structuredClone: (<T>(value: T) => T) | undefined;
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
  iteratorSymbol: typeof Symbol.iterator;
  functionToString: (this: unknown) => string;
  /**
   * `x instanceof ctor` as the language does it by default, never through a
   * Symbol.hasInstance a page defined on ctor. (A Proxy's getPrototypeOf trap
   * still runs: confirm with a brand check where that matters.)
   */
  instanceOf: <C extends abstract new (...args: never[]) => unknown>(
    x: unknown,
    ctor: C,
  ) => x is InstanceType<C>;
  /** Whether x is an ArrayBuffer of any realm (a brand check, no page code runs). */
  isArrayBuffer: (x: unknown) => x is ArrayBuffer;
  /** Byte length of an ArrayBuffer (the native getter: a page may replace ArrayBuffer.prototype's). */
  bufferLength: (x: ArrayBuffer) => number;
  /** Whether x is a Blob of any realm, and its size; -1 when it is not one. */
  blobSize: (x: unknown) => number;
  /** The native view getters (a page may replace those on the prototypes). */
  viewBuffer: (x: ArrayBufferView) => ArrayBufferLike;
  viewOffset: (x: ArrayBufferView) => number;
  viewLength: (x: ArrayBufferView) => number;
  /** Getter of a prototype accessor, e.g. getter(WebSocket.prototype, 'url'). */
  getter: (proto: object, name: string) => Getter;
  /**
   * Whether a promise the browser resolves with a fresh object of the hook's
   * own reading — a reader's `{ value, done }` ('result'), an ArrayBuffer
   * ('buffer') — hands that object to no page code. Resolving looks up the
   * object's `then`, and a `then` a page put on Object.prototype or
   * ArrayBuffer.prototype would see (and could change) what the hook reads.
   * Checked before each such read; a page that does this has its bodies not
   * recorded rather than forged.
   */
  resolvesPrivately: (kind: 'result' | 'buffer') => boolean;
  /** A new prototype-less array: appending to it runs no page setter. */
  list: <T>() => T[];
  /** A data property the object has itself, else undefined: no getter or Proxy `get` runs. */
  own: (obj: object, name: PropertyKey) => unknown;
  /**
   * `promise.then(onFulfilled, onRejected)` without reading the promise's
   * `constructor` or its Symbol.species (page-visible through accessors a
   * page may put on Promise.prototype or Promise).
   */
  chain: <T>(
    promise: Promise<T>,
    onFulfilled: ((value: T) => unknown) | undefined,
    onRejected: ((reason: unknown) => unknown) | undefined,
  ) => Promise<unknown>;
}

export function capturePristine(win: Window & typeof globalThis): Pristine {
  const R = win.Reflect;
  const O = win.Object;
  const apply = R.apply;
  const perf = win.performance;
  const nowFn = perf.now;
  const getOwnPropertyDescriptor = O.getOwnPropertyDescriptor;
  const getPrototypeOf = O.getPrototypeOf;
  const setPrototypeOf = O.setPrototypeOf;
  const defineProperty = O.defineProperty;
  const deleteProperty = R.deleteProperty;
  const hasOwn = O.prototype.hasOwnProperty;
  const wm = win.WeakMap.prototype;
  const PromiseCtor = win.Promise;
  const promiseThen = PromiseCtor.prototype.then;
  const speciesSymbol = win.Symbol.species as typeof Symbol.species;
  /** What `then` finds as the promise's constructor: its species is the browser's own Promise. */
  const speciesHolder = { __proto__: null, [speciesSymbol]: PromiseCtor };
  const constructorSlot = {
    __proto__: null,
    value: speciesHolder,
    writable: true,
    enumerable: false,
    configurable: true,
  } as PropertyDescriptor;
  const isOwn = (obj: object, name: PropertyKey): boolean => apply(hasOwn, obj, [name]) as boolean;
  const getter = (proto: object, name: string): Getter => {
    let at: object | null = proto;
    while (at) {
      const d = getOwnPropertyDescriptor(at, name);
      if (d) return isOwn(d, 'get') ? (d.get as Getter) : undefined;
      at = getPrototypeOf(at) as object | null;
    }
    return undefined;
  };
  const fnHasInstance = win.Function.prototype[win.Symbol.hasInstance] as (
    this: object,
    x: unknown,
  ) => boolean;
  const abLength = getter(win.ArrayBuffer.prototype, 'byteLength') as (this: unknown) => number;
  const blobSizeGetter = getter(win.Blob.prototype, 'size') as (this: unknown) => number;
  // The %TypedArray% prototype holds the view getters of every typed array; DataView has its own.
  const typedProto = getPrototypeOf(win.Uint8Array.prototype) as object;
  const taBuffer = getter(typedProto, 'buffer');
  const taOffset = getter(typedProto, 'byteOffset');
  const taLength = getter(typedProto, 'byteLength');
  const dvProto = win.DataView.prototype;
  const dvBuffer = getter(dvProto, 'buffer');
  const dvOffset = getter(dvProto, 'byteOffset');
  const dvLength = getter(dvProto, 'byteLength');
  const isView = win.ArrayBuffer.isView;
  /** A view's property through the getter of its kind (typed array or DataView). */
  const viewRead = (typed: Getter, dv: Getter) => (x: ArrayBufferView) => {
    try {
      return apply(typed as (this: unknown) => unknown, x, []);
    } catch {
      return apply(dv as (this: unknown) => unknown, x, []);
    }
  };
  const objectProto = O.prototype;
  const bufferProto = win.ArrayBuffer.prototype;
  const thenless = (proto: object): boolean => getOwnPropertyDescriptor(proto, 'then') === undefined;
  return {
    win,
    apply,
    construct: R.construct,
    defineProperty,
    getOwnPropertyDescriptor,
    getPrototypeOf,
    isOwn,
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
    isView,
    BlobCtor: win.Blob,
    blobSlice: win.Blob.prototype.slice,
    blobArrayBuffer: win.Blob.prototype.arrayBuffer,
    jsonStringify: win.JSON.stringify,
    structuredClone: typeof win.structuredClone === 'function' ? win.structuredClone.bind(win) : undefined,
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
    iteratorSymbol: win.Symbol.iterator as typeof Symbol.iterator,
    functionToString: win.Function.prototype.toString,
    instanceOf: <C extends abstract new (...args: never[]) => unknown>(
      x: unknown,
      ctor: C,
    ): x is InstanceType<C> => apply(fnHasInstance, ctor, [x]),
    isArrayBuffer(x): x is ArrayBuffer {
      if (typeof x !== 'object' || x === null || isView(x)) return false;
      try {
        apply(abLength, x, []);
        return true;
      } catch {
        return false;
      }
    },
    bufferLength: (x) => apply(abLength, x, []),
    blobSize(x) {
      if (typeof x !== 'object' || x === null || isView(x)) return -1;
      try {
        return apply(blobSizeGetter, x, []);
      } catch {
        return -1;
      }
    },
    viewBuffer: viewRead(taBuffer, dvBuffer) as (x: ArrayBufferView) => ArrayBufferLike,
    viewOffset: viewRead(taOffset, dvOffset) as (x: ArrayBufferView) => number,
    viewLength: viewRead(taLength, dvLength) as (x: ArrayBufferView) => number,
    getter,
    resolvesPrivately(kind) {
      if (!thenless(objectProto)) return false;
      return kind === 'result' || (getPrototypeOf(bufferProto) === objectProto && thenless(bufferProto));
    },
    list<T>(): T[] {
      return setPrototypeOf([], null) as T[];
    },
    own(obj, name) {
      const d = getOwnPropertyDescriptor(obj, name);
      return d !== undefined && isOwn(d, 'value') ? d.value : undefined;
    },
    chain(promise, onFulfilled, onRejected) {
      // An own `constructor` for the duration of the call: `then` reads it
      // instead of Promise.prototype's, and takes the species from it. The
      // promise is one the browser just made, and no page code runs between.
      let shadowed = false;
      try {
        if (!isOwn(promise, 'constructor')) {
          defineProperty(promise, 'constructor', constructorSlot);
          shadowed = true;
        }
      } catch {
        shadowed = false;
      }
      try {
        return apply(promiseThen, promise, [onFulfilled, onRejected]) as Promise<unknown>;
      } finally {
        if (shadowed) deleteProperty(promise, 'constructor');
      }
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

/**
 * Appends without Array.prototype.push, which the page may replace. `arr`
 * must be prototype-less (`p.list()`), or an index setter a page put on
 * Array.prototype would run and see the item.
 */
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
