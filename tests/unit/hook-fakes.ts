// Fakes shared by the hook's unit tests, which run its modules against Node's
// real Response and streams on a fake window.

import type { Disguise } from '../../lib/hook/disguise';

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
