// The hook's building blocks in a poisoned realm: after the pristine
// references are taken, getters and setters are put on Object.prototype for
// every property name the hook's source mentions, on Array.prototype's first
// indices, and on Promise's constructor and species, as a hostile page would.
// Nothing the hook does may run one of them (each would see the hook's own
// objects, or change what it records), and what it produces must be right.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captureBody } from '../../lib/hook/body';
import {
  ACCESSOR,
  captureHttpNatives,
  captureRequestBody,
  dataProperty,
  parseRawHeaders,
  toStringArg,
} from '../../lib/hook/http';
import { type Bare, capturePristine, type Pristine } from '../../lib/hook/pristine';
import { openRelayPort } from '../../lib/hook/relay-port';
import { parseHookCommandReply } from '../../lib/wire/command';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';
import { type HookBatch, type HookEvent, MESSAGE_SEND } from '../../lib/wire/page-relay';

const HOOK_DIR = join(import.meta.dirname, '..', '..', 'lib', 'hook');

/** Every identifier-like property name the hook's sources mention. */
function hookNames(): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(HOOK_DIR)) {
    const code = readFileSync(join(HOOK_DIR, file), 'utf8');
    for (const m of code.matchAll(/\.([A-Za-z_$][\w$]*)/g)) names.add(m[1] as string);
    for (const m of code.matchAll(/\b([A-Za-z_$][\w$]*)\s*:/g)) names.add(m[1] as string);
  }
  // Names the test machinery itself (and V8 making a stack) reads on ordinary objects.
  for (const keep of ['constructor', 'toString', 'valueOf', 'prepareStackTrace', 'stackTraceLimit', 'then'])
    names.delete(keep);
  return [...names].filter((name) => !(name in Object.prototype));
}

const NAMES = hookNames();
let removeTripwires: (() => void) | null = null;

/** Lays the tripwires; what runs them is logged. Removed by afterEach (or by calling the returned function). */
function poison(): string[] {
  const log: string[] = Object.setPrototypeOf([], null);
  const note = (what: string) => {
    log[log.length] = what;
  };
  const defined: Array<[object, PropertyKey, PropertyDescriptor | undefined]> = [];
  const trap = (obj: object, key: PropertyKey, label: string, value?: () => unknown) => {
    defined.push([obj, key, Object.getOwnPropertyDescriptor(obj, key)]);
    Object.defineProperty(obj, key, {
      __proto__: null,
      configurable: true,
      get() {
        note(`get ${label}`);
        return value?.();
      },
      set(this: object, v: unknown) {
        note(`set ${label}`);
        Object.defineProperty(this, key, {
          __proto__: null,
          value: v,
          writable: true,
          enumerable: true,
          configurable: true,
        } as PropertyDescriptor);
      },
    } as PropertyDescriptor);
  };
  for (let i = 0; i < 64; i++) trap(Array.prototype, String(i), `Array.prototype[${i}]`);
  trap(Promise.prototype, 'constructor', 'Promise.prototype.constructor', () => Promise);
  trap(Promise, Symbol.species, 'Promise[Symbol.species]', () => Promise);
  for (const name of NAMES) trap(Object.prototype, name, `Object.prototype.${name}`);
  removeTripwires = () => {
    // By index, newest first: iterating or destructuring would read the poisoned `return` and `next`.
    for (let i = defined.length - 1; i >= 0; i--) {
      const entry = defined[i] as [object, PropertyKey, PropertyDescriptor | undefined];
      if (entry[2]) Object.defineProperty(entry[0], entry[1], entry[2]);
      else delete (entry[0] as Record<PropertyKey, unknown>)[entry[1]];
    }
    removeTripwires = null;
  };
  return log;
}

/** Runs fn in the poisoned realm and returns what it ran there. */
function poisoned(fn: () => void): string[] {
  const log = poison();
  try {
    fn();
  } finally {
    removeTripwires?.();
  }
  return Array.prototype.slice.call(log) as string[];
}

afterEach(() => removeTripwires?.());

const realm = () => capturePristine(globalThis as unknown as Window & typeof globalThis);

describe('the hook in a poisoned realm', () => {
  it('finds many names to poison (the test is not empty)', () => {
    expect(NAMES.length).toBeGreaterThan(150);
    expect(NAMES).toEqual(expect.arrayContaining(['body', 'backlog', 'status', 'sharedDecode', 'form']));
  });

  // Inputs are made before the realm is poisoned and results kept in prototype-less
  // holders: only the hook's own code runs among the tripwires. (Node's Headers, FormData,
  // URL and Blob are JavaScript themselves, and would trip them; in a browser they are
  // native, and the end-to-end hostile page covers the hook's use of them.)
  it('copies bodies of every kind without running a page accessor', () => {
    const p = realm();
    const inputs: Array<[unknown, number]> = [
      ['text', 1024],
      ['x'.repeat(40), 8],
      [new Uint8Array([1, 2, 3]).buffer, 1024],
      [new Uint8Array([4, 5, 6, 7]).subarray(1, 3), 1024],
      [new DataView(new ArrayBuffer(4)), 2],
      [12345, 1024],
    ];
    const out: unknown[] = Object.setPrototypeOf([], null);
    const tripped = poisoned(() => {
      for (let i = 0; i < inputs.length; i++) {
        // By index: array destructuring would close the iterator, reading `return`.
        const input = inputs[i] as [unknown, number];
        out[i] = captureBody(p, input[0], input[1]);
      }
    });
    expect(tripped).toEqual([]);
    const plain = Array.prototype.map.call(out, (v: unknown) => (v && typeof v === 'object' ? { ...v } : v));
    expect(plain[0]).toEqual({ body: 'text', bodyKind: 'text' });
    expect(plain[1]).toEqual({ body: 'xxxxxxxx', fullSize: 40, bodyKind: 'text' });
    expect(new Uint8Array((plain[2] as { body: ArrayBuffer }).body)).toEqual(new Uint8Array([1, 2, 3]));
    expect(new Uint8Array((plain[3] as { body: ArrayBuffer }).body)).toEqual(new Uint8Array([5, 6]));
    expect(plain[4]).toMatchObject({ fullSize: 4, bodyKind: 'view' });
    expect(plain[5]).toBeNull();
  });

  it('reads page objects and converts page values without running a page accessor', () => {
    const n = captureHttpNatives(realm());
    const init = Object.create(null, { method: { value: 'POST' }, body: { get: () => 'secret' } });
    const args: unknown[] = [{ toString: () => '/converted' }];
    const out: Record<string, unknown> = Object.create(null);
    const tripped = poisoned(() => {
      out.raw = parseRawHeaders(n, 'a: 1\r\nb: 2\r\n');
      out.text = captureRequestBody(n, 'plain', 1024);
      out.method = dataProperty(n.p, init, 'method');
      out.body = dataProperty(n.p, init, 'body');
      out.missing = dataProperty(n.p, init, 'headers');
      toStringArg(args, 0);
    });
    expect(tripped).toEqual([]);
    expect(Array.from(out.raw as ArrayLike<unknown>)).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect((out.text as { captured: { body: string } }).captured.body).toBe('plain');
    expect(out.method).toBe('POST');
    expect(out.body).toBe(ACCESSOR);
    expect(out.missing).toBeUndefined();
    expect(args).toEqual(['/converted']);
  });

  it('queues, packs and hands over batches, reads the relay config and answers its commands, without running a page accessor', () => {
    // Prototype-less: the test's own appends must not trip the wires either.
    const batches: HookBatch[] = Object.setPrototypeOf([], null);
    const timers: Array<() => void> = Object.setPrototypeOf([], null);
    let onmessage: ((e: MessageEvent) => void) | null = null;
    // An event class whose data getter touches nothing but a private field (Node's own MessageEvent is JavaScript that reads more).
    class ConfigEvent {
      readonly #data: unknown;
      constructor(data: unknown) {
        this.#data = data;
      }
      get data() {
        return this.#data;
      }
    }
    const win = Object.assign(new EventTarget(), { MessageEvent: ConfigEvent });
    win.addEventListener('wirescope:hook-ready', (e) => e.preventDefault());
    const p: Pristine = {
      ...realm(),
      win: win as unknown as Pristine['win'],
      MessageChannelCtor: class {
        port1 = {
          set onmessage(fn: (e: MessageEvent) => void) {
            onmessage = fn;
          },
        };
        port2 = {};
      } as unknown as typeof MessageChannel,
      portPostMessage(msg: HookBatch) {
        batches[batches.length] = structuredClone(msg);
      },
      // The hook's offer, as the channel tests make it (Node's MessageEvent wants real ports).
      MessageEventCtor: class extends Event {
        constructor(type: string, init: { cancelable?: boolean }) {
          super(type, { cancelable: init.cancelable });
        }
      } as unknown as typeof MessageEvent,
      portStart() {},
      setTimeout: ((fn: () => void) => {
        timers[timers.length] = fn;
      }) as unknown as typeof setTimeout,
      requestIdleCallback: undefined,
    } as Pristine;
    const channel = openRelayPort(p);
    const config = new ConfigEvent({
      v: PROTOCOL_VERSION,
      t: 'config',
      payloadCap: 4096,
    }) as unknown as MessageEvent;
    const command = new ConfigEvent({
      v: PROTOCOL_VERSION,
      t: 'command',
      id: 3,
      name: 'hook-status',
      args: {},
    }) as unknown as MessageEvent;
    const tripped = poisoned(() => {
      onmessage?.(config);
      const open: Bare<HookEvent> = { __proto__: null, r: 'ev', conn: 1, time: 1, type: 'open' };
      channel.emit(open);
      for (let i = 0; i < 3; i++) channel.emit([MESSAGE_SEND, 1, 2 + i, `m${i}`, 0]);
      channel.emitLate(
        () => ({ __proto__: null, r: 'ev', conn: 1, time: 9, type: 'close', code: 1000 }) as Bare<HookEvent>,
        {},
        0,
      );
      channel.emitLate(() => undefined, {}, 0);
      for (let i = 0; i < timers.length; i++) (timers[i] as () => void)();
      onmessage?.(command);
    });
    expect(tripped).toEqual([]);
    expect(channel.payloadCap()).toBe(4096);
    expect(batches.length).toBe(2);
    expect(parseHookCommandReply(batches[1])).toMatchObject({
      id: 3,
      result: { captured: 6, dropped: 1, queued: 0, batches: 1, payloadCap: 4096, commandsAnswered: 1 },
    });
    const batch = batches[0];
    expect(batch?.dropped).toBe(1);
    expect(batch?.records.map((r) => r.r)).toEqual(['ev', 'run', 'ev']);
  });

  it('chains promises without reading their constructor or species', async () => {
    const p = realm();
    let settled: unknown;
    const source = Promise.resolve('value');
    const tripped = poisoned(() => {
      p.chain(
        source,
        (v) => {
          settled = v;
        },
        undefined,
      );
    });
    expect(tripped).toEqual([]);
    await source;
    await null;
    expect(settled).toBe('value');
    // The promise is left as it was: no own property remains.
    expect(Object.getOwnPropertyNames(source)).toEqual([]);
  });

  it('tells types by brand, never by a Symbol.hasInstance or a forged prototype', () => {
    const p = realm();
    const hasInstance = Object.getOwnPropertyDescriptor(ArrayBuffer, Symbol.hasInstance);
    let asked = 0;
    Object.defineProperty(ArrayBuffer, Symbol.hasInstance, {
      configurable: true,
      value: () => {
        asked++;
        return true;
      },
    });
    try {
      const forged = Object.create(ArrayBuffer.prototype);
      expect(p.isArrayBuffer(forged)).toBe(false);
      expect(p.isArrayBuffer(new ArrayBuffer(2))).toBe(true);
      expect(p.instanceOf({}, ArrayBuffer)).toBe(false);
      expect(p.blobSize(Object.create(Blob.prototype))).toBe(-1);
      expect(captureBody(p, forged, 10)).toBeNull();
      expect(asked).toBe(0);
    } finally {
      if (hasInstance) Object.defineProperty(ArrayBuffer, Symbol.hasInstance, hasInstance);
      else delete (ArrayBuffer as unknown as Record<symbol, unknown>)[Symbol.hasInstance];
    }
  });
});
