// Makes patched functions indistinguishable from the natives they replace:
// Function.prototype.toString of a wrapper prints the native's source text
// ("function send() { [native code] }"), including for toString itself.

import type { Pristine } from './pristine';

export interface Disguise {
  /** Registers wrapper as standing in for native. */
  register(wrapper: object, native: object): void;
  /** Wraps a function in a Proxy with the given apply trap, disguised as native. */
  wrapFunction<F extends (...args: never[]) => unknown>(
    native: F,
    onApply: (target: F, self: unknown, args: unknown[]) => unknown,
  ): F;
}

export function installDisguise(p: Pristine): Disguise {
  const originals = new p.WeakMapCtor<object, object>();
  const { apply, weakMapGet, weakMapSet } = p;
  const nativeToString = p.functionToString;

  const toStringProxy = new p.ProxyCtor(nativeToString, {
    apply(target, self, args) {
      const original = typeof self === 'function' ? apply(weakMapGet, originals, [self]) : undefined;
      return apply(target, original ?? self, args);
    },
  });
  apply(weakMapSet, originals, [toStringProxy, nativeToString]);
  const fnProto = p.win.Function.prototype;
  const desc = p.getOwnPropertyDescriptor(fnProto, 'toString');
  p.defineProperty(fnProto, 'toString', { ...desc, value: toStringProxy });

  return {
    register(wrapper, native) {
      apply(weakMapSet, originals, [wrapper, native]);
    },
    wrapFunction(native, onApply) {
      const wrapper = new p.ProxyCtor(native, {
        apply(target, self, args) {
          return onApply(target, self, args);
        },
      });
      apply(weakMapSet, originals, [wrapper, native]);
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
