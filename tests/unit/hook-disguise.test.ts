// The disguise runs in a fresh V8 context (node:vm) standing in for a page:
// its Function.prototype.toString is patched there, not in the test's realm.

import { createContext, runInContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { installDisguise, ownScriptUrl } from '../../lib/hook/disguise';
import type { Pristine } from '../../lib/hook/pristine';

type PageGlobal = typeof globalThis & Record<string, unknown>;

function page() {
  const context = createContext({});
  const win = runInContext('globalThis', context) as PageGlobal;
  const p = {
    win,
    apply: win.Reflect.apply,
    construct: win.Reflect.construct,
    defineProperty: win.Object.defineProperty,
    getOwnPropertyDescriptor: win.Object.getOwnPropertyDescriptor,
    getPrototypeOf: win.Object.getPrototypeOf,
    isOwn: (obj: object, name: PropertyKey) => win.Object.prototype.hasOwnProperty.call(obj, name),
    ProxyCtor: win.Proxy,
    WeakMapCtor: win.WeakMap,
    weakMapGet: win.WeakMap.prototype.get,
    weakMapSet: win.WeakMap.prototype.set,
    stringSlice: win.String.prototype.slice,
    functionToString: win.Function.prototype.toString,
  } as unknown as Pristine;
  const run = <T>(code: string): T => runInContext(code, context) as T;
  return { win, p, run };
}

/** What a page can observe about a function: compared between native and wrapper. */
const PROBES = `(fn) => {
  const ts = Function.prototype.toString;
  const attempt = (f) => { try { return ['ok', String(f())]; } catch (e) { return ['threw', e.constructor.name, e.message]; } };
  return JSON.stringify({
    toString: attempt(() => ts.call(fn)),
    method: attempt(() => fn.toString()),
    concat: attempt(() => '' + fn),
    bound: attempt(() => ts.call(fn.bind(null))),
    name: attempt(() => fn.name),
    length: attempt(() => fn.length),
    keys: attempt(() => Reflect.ownKeys(fn).join()),
    caller: attempt(() => fn.caller),
    args: attempt(() => fn.arguments),
    setCaller: attempt(() => { fn.caller = 1; }),
    proto: attempt(() => Object.getPrototypeOf(fn) === Function.prototype),
    callWrongThis: attempt(() => fn.call(Symbol.iterator)),
    construct: attempt(() => new fn()),
  });
}`;

describe('installDisguise', () => {
  it('makes a wrapped method indistinguishable by toString, name, length, caller and errors', () => {
    const { win, p, run } = page();
    const probe = run<(fn: unknown) => string>(PROBES);
    const proto = win.Map.prototype as unknown as Record<string, (...a: never[]) => unknown>;
    const nativeGet = proto.get as (...a: never[]) => unknown;
    const before = probe(nativeGet);
    const d = installDisguise(p);
    const calls: unknown[][] = [];
    const wrapped = d.wrapFunction(nativeGet, (target, self, args) => {
      calls.push(args);
      return p.apply(target, self, args);
    });
    proto.get = wrapped;
    expect(run<string>('String(new Map([[1, "one"]]).get(1))')).toBe('one');
    expect(calls).toEqual([[1]]);
    expect(probe(wrapped)).toBe(before);
    expect(probe(nativeGet)).toBe(before);
  });

  it('keeps toString native-looking for itself, bound and applied', () => {
    const { p, run } = page();
    const expression = `JSON.stringify([
      Function.prototype.toString.call(Function.prototype.toString),
      Function.prototype.toString.toString(),
      Function.prototype.toString.toString.toString(),
      Function.prototype.toString.call(Function.prototype.toString.bind(null)),
      Function.prototype.toString.name,
      Function.prototype.toString.length,
      Object.getOwnPropertyDescriptor(Function.prototype, 'toString').enumerable,
      Function.prototype.toString.call(function page(a) { return a; }),
      Function.prototype.toString.call(class K {}),
      (() => { try { Function.prototype.toString.call({}); } catch (e) { return e.message; } })(),
    ])`;
    const before = run<string>(expression);
    installDisguise(p);
    expect(run<string>(expression)).toBe(before);
  });

  it('wraps a constructor: instances, subclasses, calls without new, thrown errors behave natively', () => {
    const { win, p, run } = page();
    const probe = run<(fn: unknown) => string>(PROBES);
    const NativeMap = win.Map as unknown as new (...a: never[]) => object;
    const before = probe(NativeMap);
    const d = installDisguise(p);
    const made: unknown[] = [];
    const Wrapped = d.wrapConstructor(NativeMap, (target, args, newTarget) => {
      const obj = p.construct(target, args, newTarget) as object;
      made.push(obj);
      return obj;
    });
    win.Map = Wrapped as unknown as MapConstructor;
    (win.Map.prototype as unknown as { constructor: unknown }).constructor = Wrapped;
    const facts = run<string>(`JSON.stringify((() => {
      const m = new Map([[1, 2]]);
      class Sub extends Map { hi() { return 'hi'; } }
      const s = new Sub();
      let noNew;
      try { Map(); } catch (e) { noNew = e.constructor.name + ': ' + e.message; }
      let bad;
      try { new Map(5); } catch (e) { bad = e.constructor.name + ': ' + e.message; }
      return [m instanceof Map, m.constructor === Map, Object.getPrototypeOf(m) === Map.prototype, m.get(1),
        s instanceof Sub, s instanceof Map, s.hi(), Object.getPrototypeOf(Sub) === Map, noNew, bad, Map.name, Map.length];
    })())`);
    expect(JSON.parse(facts)).toEqual([
      true,
      true,
      true,
      2,
      true,
      true,
      'hi',
      true,
      "TypeError: Constructor Map requires 'new'",
      'TypeError: number 5 is not iterable (cannot read property Symbol(Symbol.iterator))',
      'Map',
      0,
    ]);
    expect(made).toHaveLength(2);
    expect(probe(Wrapped)).toBe(before);
  });

  it('keeps working after the page replaces the built-ins it might have used', () => {
    const { win, p, run } = page();
    const d = installDisguise(p);
    const proto = win.Set.prototype as unknown as Record<string, (...a: never[]) => unknown>;
    const nativeHas = proto.has as (...a: never[]) => unknown;
    proto.has = d.wrapFunction(nativeHas, (target, self, args) => p.apply(target, self, args));
    run(`
      Reflect.apply = () => { throw new Error('sabotaged'); };
      Reflect.get = () => { throw new Error('sabotaged'); };
      Function.prototype.call = () => { throw new Error('sabotaged'); };
      Function.prototype.apply = () => { throw new Error('sabotaged'); };
      WeakMap.prototype.get = () => { throw new Error('sabotaged'); };
      Object.defineProperty = () => { throw new Error('sabotaged'); };
    `);
    expect(run<string>('Function.prototype.toString.bind(Set.prototype.has)()')).toBe(
      'function has() { [native code] }',
    );
    expect(run<boolean>('new Set([1]).has(1)')).toBe(true);
  });
});

describe('ownScriptUrl', () => {
  it('finds the script URL in Chrome and Firefox stacks', () => {
    expect(
      ownScriptUrl(
        'Error\n    at installDisguise (chrome-extension://abcdef/content-scripts/hook.js:1:2575)\n',
      ),
    ).toBe('chrome-extension://abcdef/content-scripts/hook.js');
    expect(ownScriptUrl('Error\n    at chrome-extension://abcdef/content-scripts/hook.js:2:86\n')).toBe(
      'chrome-extension://abcdef/content-scripts/hook.js',
    );
    expect(ownScriptUrl('installDisguise@moz-extension://1-2-3/content-scripts/hook.js:1:2575\n')).toBe(
      'moz-extension://1-2-3/content-scripts/hook.js',
    );
  });

  it("finds Firefox's name for an add-on script in the page's world when it is the caller's frame", () => {
    expect(ownScriptUrl('installDisguise@<anonymous code>:5:784\n@<anonymous code>:1:2\n')).toBe(
      '<anonymous code>',
    );
    expect(ownScriptUrl('e@<anonymous code>:8:9486')).toBe('<anonymous code>');
    // Another script's frame further down is not the caller's.
    expect(ownScriptUrl('f@http://127.0.0.1/a.js:1:2\ng@<anonymous code>:1:2\n')).toBeNull();
  });

  it('finds nothing outside an extension', () => {
    expect(ownScriptUrl('Error\n    at x (http://127.0.0.1/a.js:1:2)')).toBeNull();
    expect(ownScriptUrl(undefined)).toBeNull();
  });
});
