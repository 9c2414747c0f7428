// A hostile page's first script: it lays tripwires on every place a page can
// reach that an extension's page hook might touch by accident, and logs each
// one that runs with the extension's script on the stack (so only the hook's
// own use is logged, never the page's). window.tripwireNames (set by the test
// before this script) lists the property names found in the hook's bundle.
//
// - Object.prototype: a getter and setter for each name the hook's code uses
//   (the setter stores an own property, so the page's own assignments work);
//   data properties named like Proxy traps, which a handler with a prototype
//   would pick up;
// - Array.prototype: getters and setters for the indices 0..2047, which an
//   append by index onto an ordinary array runs;
// - Promise.prototype.constructor and Promise[Symbol.species];
// - Symbol.hasInstance on the constructors the hook tells types by;
// - every getter and method of the interfaces the hook reads, wrapped;
// - Array.prototype[Symbol.iterator] and the array iterator's next.
(() => {
  // Prototype-less, and appended by index: pushing onto an ordinary array would run the index tripwires.
  const log = Object.setPrototypeOf([], null);
  window.tripwireLog = log;
  const defineProperty = Object.defineProperty;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const getOwnPropertyNames = Object.getOwnPropertyNames;
  const getPrototypeOf = Object.getPrototypeOf;
  const ErrorCtor = Error;
  const test = RegExp.prototype.test;
  const exec = RegExp.prototype.exec;
  const call = Function.prototype.call;
  const apply = Reflect.apply;
  // Chromium prints the hook's frames with its chrome-extension:// URL; Firefox prints those of
  // an add-on's script in the page's world as "fn@<anonymous code>:line:col".
  const extensionFrame = /(?:chrome|moz)-extension:\/\/|@<anonymous code>:/;
  const desc = (fields) => Object.assign(Object.create(null), fields);

  /** Logs `what` when the extension's script is on the stack. */
  const trip = (what) => {
    const stack = new ErrorCtor().stack;
    if (typeof stack === 'string' && apply(test, extensionFrame, [stack])) {
      // Where in the hook: the first frame of the extension's script (function and position).
      const frame = apply(
        exec,
        /\n\s*at ([^\n]*(?:chrome|moz)-extension:[^\n]*)|(?:^|\n)([^\n@]*@(?:(?:chrome|moz)-extension:|<anonymous code>:)[^\n]*)/,
        [stack],
      );
      log[log.length] = frame ? `${what} @ ${frame[1] || frame[2]}` : what;
    }
  };

  for (let i = 0; i < 2048; i++) {
    const key = String(i);
    defineProperty(
      Array.prototype,
      key,
      desc({
        configurable: true,
        get() {
          trip(`get Array.prototype[${key}]`);
          return undefined;
        },
        set(value) {
          trip(`set Array.prototype[${key}]`);
          defineProperty(this, key, desc({ value, writable: true, enumerable: true, configurable: true }));
        },
      }),
    );
  }

  defineProperty(
    Promise.prototype,
    'constructor',
    desc({
      configurable: true,
      get() {
        trip('get Promise.prototype.constructor');
        return Promise;
      },
    }),
  );
  const species = getOwnPropertyDescriptor(Promise, Symbol.species);
  defineProperty(
    Promise,
    Symbol.species,
    desc({
      configurable: true,
      get() {
        trip('get Promise[Symbol.species]');
        return apply(species.get, this, []);
      },
    }),
  );

  const hasInstance = Function.prototype[Symbol.hasInstance];
  for (const name of [
    'ArrayBuffer',
    'Blob',
    'Request',
    'Response',
    'URL',
    'Headers',
    'FormData',
    'URLSearchParams',
    'ReadableStream',
    'Document',
    'DOMException',
    'Uint8Array',
    'Error',
  ]) {
    const ctor = window[name];
    if (typeof ctor !== 'function') continue;
    defineProperty(
      ctor,
      Symbol.hasInstance,
      desc({
        configurable: true,
        value(x) {
          trip(`${name}[Symbol.hasInstance]`);
          return apply(hasInstance, this, [x]);
        },
      }),
    );
  }

  /** Wraps every getter and method of a prototype with a tripwire. */
  const wrapAll = (label, proto) => {
    if (!proto) return;
    for (const key of getOwnPropertyNames(proto)) {
      if (key === 'constructor') continue;
      const d = getOwnPropertyDescriptor(proto, key);
      if (!d?.configurable) continue;
      if (d.get) {
        const get = d.get;
        defineProperty(
          proto,
          key,
          desc({
            configurable: true,
            enumerable: d.enumerable,
            set: d.set,
            get() {
              trip(`get ${label}.${key}`);
              return apply(get, this, []);
            },
          }),
        );
      } else if (typeof d.value === 'function') {
        const fn = d.value;
        defineProperty(
          proto,
          key,
          desc({
            configurable: true,
            enumerable: d.enumerable,
            writable: true,
            value: function wrapped(...args) {
              trip(`${label}.${key}()`);
              return new.target ? Reflect.construct(fn, args, new.target) : apply(fn, this, args);
            },
          }),
        );
      }
    }
  };
  const typedArrayProto = getPrototypeOf(Uint8Array.prototype);
  const iteratorProto = getPrototypeOf([][Symbol.iterator]());
  for (const [label, proto] of [
    ['MessageEvent', MessageEvent.prototype],
    ['Event', Event.prototype],
    ['CloseEvent', CloseEvent.prototype],
    ['WebSocket', WebSocket.prototype],
    ['XMLHttpRequest', XMLHttpRequest.prototype],
    ['XMLHttpRequestEventTarget', getPrototypeOf(XMLHttpRequest.prototype)],
    ['EventSource', EventSource.prototype],
    ['Response', Response.prototype],
    ['Request', Request.prototype],
    ['Body', null],
    ['Headers', Headers.prototype],
    ['ArrayBuffer', ArrayBuffer.prototype],
    ['TypedArray', typedArrayProto],
    ['Blob', Blob.prototype],
    ['URL', URL.prototype],
    ['ReadableStream', ReadableStream.prototype],
    ['ReadableStreamDefaultReader', ReadableStreamDefaultReader.prototype],
    ['TextDecoder', TextDecoder.prototype],
    ['TextEncoder', TextEncoder.prototype],
    ['MessagePort', MessagePort.prototype],
    ['Promise', Promise.prototype],
    ['ArrayIterator', iteratorProto],
    ['String', String.prototype],
  ]) {
    // EventTarget methods stay: the page's own listeners are added through them all the time.
    wrapAll(label, proto);
  }
  const arrayIterator = Array.prototype[Symbol.iterator];
  defineProperty(
    Array.prototype,
    Symbol.iterator,
    desc({
      configurable: true,
      writable: true,
      value: function values() {
        trip('Array.prototype[Symbol.iterator]()');
        return apply(arrayIterator, this, []);
      },
    }),
  );
  for (const [label, obj, key] of [
    ['JSON.stringify', JSON, 'stringify'],
    ['JSON.parse', JSON, 'parse'],
    ['structuredClone', window, 'structuredClone'],
    ['Reflect.apply', Reflect, 'apply'],
    ['Object.defineProperty', Object, 'defineProperty'],
  ]) {
    const fn = obj[key];
    defineProperty(
      obj,
      key,
      desc({
        configurable: true,
        writable: true,
        value: function wrapped(...args) {
          trip(`${label}()`);
          return apply(fn, this, args);
        },
      }),
    );
  }
  // Last: from here on an ordinary descriptor literal would inherit these names.
  const names = window.tripwireNames || [];
  const skip = new Set([
    'constructor',
    '__proto__',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'isPrototypeOf',
    'propertyIsEnumerable',
    'toLocaleString',
    '__defineGetter__',
    '__defineSetter__',
    '__lookupGetter__',
    '__lookupSetter__',
    'tripwireNames',
    'tripwireLog',
    // Read by the engine itself on Error whenever a stack is made, the tripwire's own included.
    'prepareStackTrace',
    'stackTraceLimit',
  ]);
  for (const name of names) {
    if (skip.has(name) || getOwnPropertyDescriptor(Object.prototype, name)) continue;
    defineProperty(
      Object.prototype,
      name,
      desc({
        configurable: true,
        get() {
          trip(`get Object.prototype.${name}`);
          return undefined;
        },
        set(value) {
          trip(`set Object.prototype.${name}`);
          defineProperty(this, name, desc({ value, writable: true, enumerable: true, configurable: true }));
        },
      }),
    );
  }

  const trapNames = [
    'apply',
    'construct',
    'get',
    'set',
    'has',
    'ownKeys',
    'getOwnPropertyDescriptor',
    'defineProperty',
    'deleteProperty',
    'getPrototypeOf',
    'setPrototypeOf',
    'isExtensible',
    'preventExtensions',
  ];
  for (const name of trapNames) {
    if (getOwnPropertyDescriptor(Object.prototype, name)) continue;
    // A data property: a Proxy handler that inherits it would call it as a trap.
    defineProperty(
      Object.prototype,
      name,
      desc({
        configurable: true,
        writable: true,
        value: function trap() {
          log[log.length] = `Proxy trap Object.prototype.${name}`;
          return undefined;
        },
      }),
    );
  }

  void call;
})();
