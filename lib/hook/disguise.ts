// Makes patched functions indistinguishable from the natives they replace:
// Function.prototype.toString of a wrapper prints the native's source text
// ("function send() { [native code] }"), including for toString itself;
// `caller` / `arguments` answer as the native's do; and errors the native
// throws through a wrapper carry no stack line of the hook's script (pages
// and anti-bot scripts read error stacks to spot extensions) where the
// engine gives each error an own stack (V8; in Firefox see scrub).

import type { Bare, Pristine } from './pristine';

type AnyFunction = (...args: never[]) => unknown;
type AnyConstructor = abstract new (...args: never[]) => object;

export interface Disguise {
  /** Registers wrapper as standing in for native. */
  register(wrapper: object, native: object): void;
  /** Wraps a function in a Proxy with the given apply trap, disguised as native. */
  wrapFunction<F extends AnyFunction>(
    native: F,
    onApply: (target: F, self: unknown, args: unknown[]) => unknown,
  ): F;
  /**
   * Wraps a constructor in a Proxy with the given construct trap, disguised as
   * native. newTarget is the native itself when the page called `new Wrapper`,
   * else the page's subclass (so `class X extends WebSocket` gets X.prototype).
   */
  /**
   * Removes the hook's stack frames from an error's stack text, for errors that
   * reach the page other than by a throw through a wrapper (e.g. a rejection).
   */
  scrubError(err: unknown): void;
  /** scrubError, then throws err: a rejection handler that passes a rejection on to the page. */
  rethrow(err: unknown): never;
  wrapConstructor<C extends AnyConstructor>(
    native: C,
    onConstruct: (target: C, args: unknown[], newTarget: AnyConstructor) => object,
  ): C;
}

/**
 * How Firefox prints the script of an add-on's content script that runs in the
 * page's own world (the hook): its frames read "fn@<anonymous code>:1:2", to
 * the page and to the hook alike. A page's own scripts are never printed so.
 */
export const FIREFOX_PAGE_WORLD_SCRIPT = '<anonymous code>';

/**
 * The URL of the script this code runs from, as error stacks print it, or
 * null. `stack` is of an error made by the caller, so its first frame is the
 * caller's. Install time only.
 */
export function ownScriptUrl(stack: unknown): string | null {
  if (typeof stack !== 'string') return null;
  const found = /(?:chrome|moz|safari-web)-extension:\/\/[^\s()@]+?(?=(?::\d+){1,2}(?:\)|\s|$))/.exec(stack);
  if (found) return found[0];
  return /^[^\n@]*@<anonymous code>:\d+:\d+(?:\n|$)/.test(stack) ? FIREFOX_PAGE_WORLD_SCRIPT : null;
}

export function installDisguise(p: Pristine): Disguise {
  const originals = new p.WeakMapCtor<object, object>();
  const { apply, weakMapGet, weakMapSet } = p;
  const nativeToString = p.functionToString;
  // Taken at document_start with the rest of the pristine references.
  const reflectGet = p.win.Reflect.get;
  const reflectSet = p.win.Reflect.set;
  const ErrorCtor = p.win.Error;
  const captureStackTrace = (ErrorCtor as { captureStackTrace?: (o: object, fn?: unknown) => void })
    .captureStackTrace;
  // The stack is an own accessor of each error, the same pair for all (V8),
  // or an accessor on Error.prototype (Firefox). Only the engine's own are
  // called: a page-made error may carry a getter of the page's.
  const ownStack = p.getOwnPropertyDescriptor(new ErrorCtor(), 'stack');
  const ownStackGet = ownStack && p.isOwn(ownStack, 'get') ? ownStack.get : undefined;
  const ownStackSet = ownStack && p.isOwn(ownStack, 'set') ? ownStack.set : undefined;
  // Firefox: Error.prototype's, and DOMException.prototype's for the browser's own exceptions.
  const accessorOf = (proto: object | undefined) => {
    const d = proto ? p.getOwnPropertyDescriptor(proto, 'stack') : undefined;
    return d && p.isOwn(d, 'get') ? d : undefined;
  };
  const protoStacks = [accessorOf(ErrorCtor.prototype), accessorOf(p.win.DOMException?.prototype)];
  const indexOf = p.win.String.prototype.indexOf;
  const hookUrl = ownScriptUrl(new ErrorCtor().stack);

  /** The error's stack text, read without running a page accessor; undefined when there is none. */
  const stackOf = (err: object): unknown => {
    const d = p.getOwnPropertyDescriptor(err, 'stack');
    if (d) {
      if (p.isOwn(d, 'value')) return d.value;
      return ownStackGet && d.get === ownStackGet ? apply(ownStackGet, err, []) : undefined;
    }
    for (let i = 0; i < protoStacks.length; i++) {
      const get = protoStacks[i]?.get;
      if (!get) continue;
      try {
        const text = apply(get, err, []);
        if (typeof text === 'string') return text;
      } catch {
        // not that kind of error
      }
    }
    return undefined;
  };
  /** Replaces an own stack's text (see scrub for why an error without one is never given one). */
  const setStack = (err: object, text: string): void => {
    const d = p.getOwnPropertyDescriptor(err, 'stack');
    if (d && ownStackSet && d.set === ownStackSet) apply(ownStackSet, err, [text]);
    else if (d && p.isOwn(d, 'value'))
      p.defineProperty(err, 'stack', { __proto__: null, value: text } as PropertyDescriptor);
  };
  /** A page that formats stacks itself (V8's Error.prepareStackTrace) would be handed CallSites. */
  const pageFormatsStacks = (): boolean =>
    p.getOwnPropertyDescriptor(ErrorCtor, 'prepareStackTrace') !== undefined;
  /** The first line of a stack that names a frame (V8: "    at …"; Firefox: "fn@url:line:col"). */
  const firstFrame = (stack: string): string => {
    const lineEnd = apply(indexOf, stack, ['\n']) as number;
    if (lineEnd < 0) return stack;
    const rest = apply(p.stringSlice, stack, [lineEnd + 1]) as string;
    const end = apply(indexOf, rest, ['\n']) as number;
    return end < 0 ? rest : (apply(p.stringSlice, rest, [0, end]) as string);
  };

  /**
   * Removes the hook's own stack frames from an error thrown through a wrapper.
   * `trap` is the wrapper's trap function, when the error was thrown inside
   * it: in V8 an error the browser made there (its first stack frame is the hook's)
   * has its stack taken again from the trap's caller, so the page's
   * Error.stackTraceLimit and Error.prepareStackTrace see exactly the frames
   * they would without the hook.
   */
  const scrub = (err: unknown, trap?: unknown): void => {
    try {
      if (!hookUrl || typeof err !== 'object' || err === null) return;
      // V8 gives every error an own stack. Firefox keeps it behind Error.prototype's accessor:
      // there, setting it (or captureStackTrace) would give the error an own `stack` a page
      // can list, which shows the hook as plainly as its frames do, so it is left as it is.
      if (p.getOwnPropertyDescriptor(err, 'stack') === undefined) return;
      if (trap && captureStackTrace) {
        if (pageFormatsStacks()) {
          apply(captureStackTrace, ErrorCtor, [err, trap]);
          return;
        }
        const stack = stackOf(err);
        if (typeof stack === 'string' && apply(indexOf, firstFrame(stack), [hookUrl]) >= 0) {
          apply(captureStackTrace, ErrorCtor, [err, trap]);
          return;
        }
      }
      if (pageFormatsStacks()) return;
      const stack = stackOf(err);
      if (typeof stack !== 'string' || apply(indexOf, stack, [hookUrl]) < 0) return;
      let out = '';
      let first = true;
      let start = 0;
      while (start <= stack.length) {
        let end = apply(indexOf, stack, ['\n', start]) as number;
        if (end < 0) end = stack.length;
        const line = apply(p.stringSlice, stack, [start, end]) as string;
        if (apply(indexOf, line, [hookUrl]) < 0) {
          out = first ? line : `${out}\n${line}`;
          first = false;
        }
        start = end + 1;
      }
      setStack(err, out);
    } catch {
      // never make an error worse
    }
  };

  /**
   * Proxy traps every wrapper shares. The handler is prototype-less: a trap
   * it lacks (getPrototypeOf, ownKeys…) is never looked up on
   * Object.prototype, where a page could put one and be handed the native.
   */
  const disguised = <T extends object>(target: T, traps: ProxyHandler<T>): T => {
    const handler: Bare<ProxyHandler<T>> = {
      __proto__: null,
      ...traps,
      // Through a Proxy, Function.prototype's caller/arguments accessors see
      // the proxy and throw; natively they answer for the function itself.
      get(t, key, receiver) {
        const own = receiver === proxy && (key === 'caller' || key === 'arguments');
        return apply(reflectGet, undefined, [t, key, own ? t : receiver]);
      },
      set(t, key, value, receiver) {
        const own = receiver === proxy && (key === 'caller' || key === 'arguments');
        return apply(reflectSet, undefined, [t, key, value, own ? t : receiver]) as boolean;
      },
    };
    const proxy: T = new p.ProxyCtor(target, handler);
    apply(weakMapSet, originals, [proxy, target]);
    return proxy;
  };

  const toStringTraps: ProxyHandler<typeof nativeToString> = {
    apply(target, self, args) {
      const original = typeof self === 'function' ? apply(weakMapGet, originals, [self]) : undefined;
      try {
        return apply(target, original ?? self, args);
      } catch (err) {
        scrub(err, toStringTraps.apply);
        throw err;
      }
    },
  };
  const toStringProxy = disguised(nativeToString, toStringTraps);
  const fnProto = p.win.Function.prototype;
  const desc = p.getOwnPropertyDescriptor(fnProto, 'toString');
  p.defineProperty(fnProto, 'toString', {
    __proto__: null,
    ...desc,
    value: toStringProxy,
  } as PropertyDescriptor);

  return {
    register(wrapper, native) {
      apply(weakMapSet, originals, [wrapper, native]);
    },
    scrubError: scrub,
    rethrow(err) {
      scrub(err);
      throw err;
    },
    wrapFunction(native, onApply) {
      const traps: ProxyHandler<typeof native> = {
        apply(target, self, args) {
          try {
            return onApply(target, self, args);
          } catch (err) {
            scrub(err, traps.apply);
            throw err;
          }
        },
      };
      return disguised(native, traps);
    },
    wrapConstructor(native, onConstruct) {
      const traps: ProxyHandler<typeof native> = {
        construct(target, args, newTarget): object {
          try {
            return onConstruct(target, args, newTarget === wrapper ? target : (newTarget as AnyConstructor));
          } catch (err) {
            scrub(err, traps.construct);
            throw err;
          }
        },
      };
      const wrapper: typeof native = disguised(native, traps);
      return wrapper;
    },
  };
}

/** Replaces obj[name] with value, keeping the property's attributes. */
export function replaceProperty(p: Pristine, obj: object, name: string, value: unknown): void {
  const desc = p.getOwnPropertyDescriptor(obj, name);
  if (!desc || !('value' in desc)) return;
  p.defineProperty(obj, name, { __proto__: null, ...desc, value } as PropertyDescriptor);
}
