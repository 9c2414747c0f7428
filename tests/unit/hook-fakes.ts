// Fakes shared by the hook's unit tests, which run its modules against Node's
// real Response and streams on a fake window.

import type { Disguise } from '../../lib/hook/disguise';
import type { HookRelayPort } from '../../lib/hook/relay-port';
import type { HookRecord } from '../../lib/wire/page-relay';

export type AnyFunction = (...args: never[]) => unknown;
export type AnyConstructor = abstract new (...args: never[]) => object;

/** Wrappers as plain proxies: installDisguise would patch Function.prototype.toString globally. */
export const fakeDisguise: Disguise = {
  register() {},
  scrubError() {},
  rethrow(err: unknown): never {
    throw err;
  },
  wrapFunction: <F extends AnyFunction>(
    native: F,
    onApply: (target: F, self: unknown, args: unknown[]) => unknown,
  ) => new Proxy(native, { apply: (target, self, args: unknown[]) => onApply(target, self, args) }),
  wrapConstructor: <C extends AnyConstructor>(
    native: C,
    onConstruct: (target: C, args: unknown[], newTarget: AnyConstructor) => object,
  ) =>
    new Proxy(native, {
      construct: (target, args: unknown[], newTarget: AnyConstructor) => onConstruct(target, args, newTarget),
    }),
};

/**
 * The page's Response: a subclass owning copies of every property of Node's,
 * so the hook's replaceProperty finds them there and never touches Node's own.
 */
export function pageResponseClass(): typeof Response {
  class PageResponse extends Response {}
  for (const key of Reflect.ownKeys(Response.prototype)) {
    const desc = Object.getOwnPropertyDescriptor(Response.prototype, key);
    if (key !== 'constructor' && desc) Object.defineProperty(PageResponse.prototype, key, desc);
  }
  return PageResponse;
}

/**
 * A class the hook only reads the prototype of: an empty one inheriting Node's,
 * so its wrappers (getReader, cancel) find nothing own to replace.
 */
export const inheriting = (ctor: { prototype: object }) => ({ prototype: Object.create(ctor.prototype) });

/**
 * The hook's channel, keeping records in order as the real one does: a late
 * record is made at hand-over (here, when the records are asked for). The
 * page clock starts at 1000 and moves 1 ms per reading.
 */
export function fakeChannel(cap = 1024 * 1024) {
  const queue: Array<HookRecord | (() => HookRecord | undefined)> = [];
  let lateMade = 0;
  let lateBytes = 0;
  let clock = 1000;
  let backlogProbe: () => boolean = () => false;
  const channel: HookRelayPort = {
    emit: (record) => queue.push(record),
    emitLate: (make, source, key, bytes = 0) => {
      lateBytes += bytes;
      queue.push(() => make(source, key));
    },
    payloadCap: () => cap,
    time: () => clock++,
    watchBacklog: (probe) => {
      backlogProbe = probe;
    },
  };
  return {
    channel,
    /** Asks the hook whether the page's sockets hold unsent data, as the channel does at hand-over. */
    hasBacklog: () => backlogProbe(),
    /** Records so far (late ones not yet made count too). */
    queued: () => queue.length,
    /** Late records made so far (each at its first hand-over). */
    lateMade: () => lateMade,
    /** Bytes the late records said they hold, toward the queue's memory bound. */
    lateBytes: () => lateBytes,
    /** Moves the page clock on. */
    advance(ms: number) {
      clock += ms;
    },
    /** Hands the records over, making the late ones, and returns them all in order. */
    handOver(): HookRecord[] {
      for (let i = 0; i < queue.length; i++) {
        const item = queue[i];
        if (typeof item !== 'function') continue;
        lateMade++;
        const made = item();
        if (!made) throw new Error('a late record came out empty');
        queue[i] = made;
      }
      return queue as HookRecord[];
    },
  };
}
