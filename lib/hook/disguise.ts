// Makes patched functions indistinguishable from the natives they replace:
// Function.prototype.toString of a wrapper prints the native's source text
// ("function send() { [native code] }"), including for toString itself;
// `caller` / `arguments` answer as the native's do; and errors the native
// throws through a wrapper carry no stack line of the hook's script (pages
// and anti-bot scripts read error stacks to spot extensions).

import type { Pristine } from './pristine';

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
   * Removes the hook's frames from an error's stack text, for errors that
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

/** The URL of the script this code runs from, as error stacks print it, or null. Install time only. */
export function ownScriptUrl(stack: unknown): string | null {
  if (typeof stack !== 'string') return null;
  const found = /(?:chrome|moz|safari-web)-extension:\/\/[^\s()@]+?(?=(?::\d+){1,2}(?:\)|\s|$))/.exec(stack);
  return found ? found[0] : null;
}

export function installDisguise(p: Pristine): Disguise {
  const originals = new p.WeakMapCtor<object, object>();
  const { apply, weakMapGet, weakMapSet } = p;
  const nativeToString = p.functionToString;
  // Taken at document_start with the rest of the pristine references.
  const reflectGet = p.win.Reflect.get;
  const reflectSet = p.win.Reflect.set;
  const ErrorCtor = p.win.Error;
  const indexOf = p.win.String.prototype.indexOf;
  const hookUrl = ownScriptUrl(new ErrorCtor().stack);

  /** Removes the hook's own frames from an error thrown through a wrapper. */
  const scrub = (err: unknown): void => {
    try {
      if (!hookUrl || typeof err !== 'object' || err === null) return;
      // A page formatting stacks itself sees CallSites, not text: leave those alone.
      if ((ErrorCtor as { prepareStackTrace?: unknown }).prepareStackTrace !== undefined) return;
      const stack = (err as { stack?: unknown }).stack;
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
      (err as { stack: string }).stack = out;
    } catch {
      // never make an error worse
    }
  };

  /** Proxy traps every wrapper shares. */
  const disguised = <T extends object>(target: T, traps: ProxyHandler<T>): T => {
    const proxy: T = new p.ProxyCtor(target, {
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
    });
    apply(weakMapSet, originals, [proxy, target]);
    return proxy;
  };

  const toStringProxy = disguised(nativeToString, {
    apply(target, self, args) {
      const original = typeof self === 'function' ? apply(weakMapGet, originals, [self]) : undefined;
      try {
        return apply(target, original ?? self, args);
      } catch (err) {
        scrub(err);
        throw err;
      }
    },
  });
  const fnProto = p.win.Function.prototype;
  const desc = p.getOwnPropertyDescriptor(fnProto, 'toString');
  p.defineProperty(fnProto, 'toString', { ...desc, value: toStringProxy });

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
      return disguised(native, {
        apply(target, self, args) {
          try {
            return onApply(target, self, args);
          } catch (err) {
            scrub(err);
            throw err;
          }
        },
      });
    },
    wrapConstructor(native, onConstruct) {
      const wrapper: typeof native = disguised(native, {
        construct(target, args, newTarget): object {
          try {
            return onConstruct(target, args, newTarget === wrapper ? target : (newTarget as AnyConstructor));
          } catch (err) {
            scrub(err);
            throw err;
          }
        },
      });
      return wrapper;
    },
  };
}

/** Replaces obj[name] with value, keeping the property's attributes. */
export function replaceProperty(p: Pristine, obj: object, name: string, value: unknown): void {
  const desc = p.getOwnPropertyDescriptor(obj, name);
  if (!desc || !('value' in desc)) return;
  p.defineProperty(obj, name, { ...desc, value });
}
