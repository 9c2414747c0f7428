// The page's call site of a loop's requests: stack parsing in V8's and
// Firefox's forms (hostile and odd stacks included), the reader in a fresh V8
// context standing in for a page, and the suspicion that decides when a stack
// is taken at all.

import { createContext, runInContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FIREFOX_PAGE_WORLD_SCRIPT, ownScriptUrl } from '../../lib/hook/disguise';
import { callSiteReader, textOps, withInitiators } from '../../lib/hook/initiator';
import { capturePristine, type Pristine } from '../../lib/hook/pristine';
import type { HookRelayPort } from '../../lib/hook/relay-port';
import { firstOutsideFrame } from '../../lib/hook/stack-frames';
import type { HookConnection, HookRecord } from '../../lib/wire/page-relay';

const HOOK = 'chrome-extension://abcdefghijklmnop/content-scripts/hook.js';
const p = capturePristine(globalThis as unknown as Window & typeof globalThis);
const t = textOps(p);
const parse = (stack: string, own = HOOK) => {
  const site = firstOutsideFrame(t, stack, own);
  return site ? { ...site } : null;
};

describe('firstOutsideFrame', () => {
  it('V8: skips the header and the hook, takes the page frame with its function', () => {
    const stack = [
      'Error',
      `    at Object.apply (${HOOK}:1:2345)`,
      `    at emit (${HOOK}:1:999)`,
      '    at longPoll (http://127.0.0.1:5178/seed:9:7)',
      '    at http://127.0.0.1:5178/seed:12:1',
    ].join('\n');
    expect(parse(stack)).toEqual({ fn: 'longPoll', url: 'http://127.0.0.1:5178/seed', line: 9, column: 7 });
  });

  it("Firefox: skips the hook's frames as Firefox prints a page-world add-on script", () => {
    const stack = [
      'rn/<@<anonymous code>:8:12883',
      'apply@<anonymous code>:5:669',
      'poll@https://app.test/a.js:4:2',
    ].join('\n');
    expect(parse(stack, '<anonymous code>')).toEqual({
      fn: 'poll',
      url: 'https://app.test/a.js',
      line: 4,
      column: 2,
    });
  });

  it('V8: anonymous, async, constructor and [as] frames', () => {
    expect(parse(`Error\n    at ${HOOK}:1:2\n    at https://app.test/a.js:3:4`)).toEqual({
      url: 'https://app.test/a.js',
      line: 3,
      column: 4,
    });
    expect(parse(`Error\n    at async poll (https://app.test/a.js:30:5)`)?.fn).toBe('poll');
    expect(parse(`Error\n    at new Poller (https://app.test/a.js:1:1)`)?.fn).toBe('new Poller');
    expect(parse(`Error\n    at Obj.tick [as run] (https://app.test/a.js:2:2)`)?.fn).toBe(
      'Obj.tick [as run]',
    );
  });

  it('V8: passes over native and eval frames to the next page frame', () => {
    const stack = [
      'Error',
      `    at f (${HOOK}:1:2)`,
      '    at Array.map (<anonymous>)',
      '    at eval (eval at run (https://app.test/a.js:5:3), <anonymous>:1:1)',
      '    at run (https://app.test/a.js:5:3)',
    ].join('\n');
    expect(parse(stack)).toEqual({ fn: 'run', url: 'https://app.test/a.js', line: 5, column: 3 });
  });

  it('V8: a page-made header line that looks like a frame is not one', () => {
    const stack = `fake@https://evil.test/x.js:1:1\n    at ${HOOK}:1:1\n    at go (https://app.test/a.js:7:8)`;
    expect(parse(stack)?.url).toBe('https://app.test/a.js');
  });

  it('Firefox: fn@url:line:col, anonymous and async frames, eval refused', () => {
    const hook = 'moz-extension://0f1e2d3c-aaaa-bbbb-cccc-111122223333/content-scripts/hook.js';
    const stack = [
      `apply@${hook}:1:2345`,
      `emit@${hook}:1:99`,
      '@https://app.test/a.js line 2 > eval:1:1',
      'longPoll/xhr.onreadystatechange@http://127.0.0.1:5178/seed:9:7',
      '@http://127.0.0.1:5178/seed:12:1',
      '',
    ].join('\n');
    expect(parse(stack, hook)).toEqual({
      fn: 'longPoll/xhr.onreadystatechange',
      url: 'http://127.0.0.1:5178/seed',
      line: 9,
      column: 7,
    });
    expect(parse(`${'x'}@${hook}:1:1\nasync*tick@https://app.test/b.js:4:2`, hook)).toEqual({
      fn: 'tick',
      url: 'https://app.test/b.js',
      line: 4,
      column: 2,
    });
    expect(parse('@https://app.test/b.js:10:20', hook)).toEqual({
      url: 'https://app.test/b.js',
      line: 10,
      column: 20,
    });
  });

  it('Firefox, the hook hidden: its "<anonymous code>" frames are passed over', () => {
    // As Firefox ESR printed a page's XHR send through the hook (a MAIN-world content script).
    const stack = [
      'Nt@<anonymous code>:5:9702',
      'nn/<@<anonymous code>:8:12317',
      'apply@<anonymous code>:5:669',
      'longPoll@http://127.0.0.1:5178/storm:13:7',
      '@http://127.0.0.1:5178/storm:17:1',
      '',
    ].join('\n');
    expect(ownScriptUrl(stack)).toBe(FIREFOX_PAGE_WORLD_SCRIPT);
    expect(parse(stack, FIREFOX_PAGE_WORLD_SCRIPT)).toEqual({
      fn: 'longPoll',
      url: 'http://127.0.0.1:5178/storm',
      line: 13,
      column: 7,
    });
  });

  it('ownScriptUrl: the extension URL when stacks print it, else only a hidden first frame', () => {
    const hook = 'moz-extension://0f1e2d3c-aaaa-bbbb-cccc-111122223333/content-scripts/hook.js';
    expect(ownScriptUrl(`callSiteReader@${hook}:1:2345\n@${hook}:1:99\n`)).toBe(hook);
    expect(ownScriptUrl(`Error\n    at callSiteReader (${HOOK}:2:86)\n`)).toBe(HOOK);
    // A page's stack, or a hidden script further down, does not make the first frame the hook's.
    expect(ownScriptUrl('longPoll@http://127.0.0.1/a.js:1:2\nx@<anonymous code>:1:1')).toBeNull();
    expect(ownScriptUrl(undefined)).toBeNull();
  });

  it('odd and hostile stacks give nothing rather than a wrong place', () => {
    for (const stack of [
      '',
      'Error',
      `Error\n    at ${HOOK}:1:1`,
      'Error\n    at f (https://app.test/a.js:0:1)',
      'Error\n    at f (https://app.test/a.js:x:1)',
      'Error\n    at f (https://app.test/a.js:1)',
      'Error\n    at f (https://app.test/a.js:1:99999999999)',
      'Error\n    at f (no-colon-url)',
      'Error\n    at f (:1:1)',
      'line@with no url',
      '\n\n\n',
    ])
      expect(parse(stack), JSON.stringify(stack)).toBeNull();
    // A name far too long is cut; a URL far too long is refused.
    expect(parse(`${'n'.repeat(5000)}@https://app.test/a.js:1:1`)?.fn).toHaveLength(200);
    expect(parse(`f@https://app.test/${'u'.repeat(5000)}.js:1:1`)).toBeNull();
  });

  it('makes prototype-less call sites', () => {
    const site = firstOutsideFrame(t, 'f@https://app.test/a.js:1:1', HOOK);
    expect(site && Object.getPrototypeOf(site)).toBeNull();
  });
});

/** A fresh V8 context as the page: its Error, its scripts named by URL, the reader built from its built-ins. */
function page() {
  const context = createContext({});
  const win = runInContext('globalThis', context) as typeof globalThis;
  const pp = {
    ...p,
    win,
    getOwnPropertyDescriptor: win.Object.getOwnPropertyDescriptor,
    getPrototypeOf: win.Object.getPrototypeOf,
    isOwn: (obj: object, name: PropertyKey) => win.Object.prototype.hasOwnProperty.call(obj, name),
  } as Pristine;
  // The hook's frames are this checkout's modules (the reader's and this test's).
  const read = callSiteReader(pp, process.cwd());
  if (!read) throw new Error('no reader');
  const run = (code: string) =>
    runInContext(code, context, { filename: 'https://app.test/page.js' }) as unknown;
  (win as unknown as Record<string, unknown>).takeSite = () => {
    const site = read();
    return site ? { ...site } : null;
  };
  return { win, run };
}

describe('callSiteReader (a V8 page)', () => {
  it('names the page line that made the request', () => {
    const { run } = page();
    const site = run('function longPoll() {\n  return takeSite();\n}\nlongPoll();');
    expect(site).toEqual({ fn: 'longPoll', url: 'https://app.test/page.js', line: 2, column: 10 });
  });

  it('runs no page code: skips when the page formats stacks or cut them to nothing', () => {
    const { run } = page();
    run('globalThis.calls = 0;');
    expect(run('Error.prepareStackTrace = () => { calls++; return "x"; }; takeSite()')).toBeNull();
    expect(
      run(
        'delete Error.prepareStackTrace; Object.defineProperty(Function.prototype, "prepareStackTrace", { get() { calls++; }, configurable: true }); takeSite()',
      ),
    ).toBeNull();
    expect(
      run('delete Function.prototype.prepareStackTrace; Error.stackTraceLimit = 0; takeSite()'),
    ).toBeNull();
    expect(
      run(
        'Object.defineProperty(Error, "stackTraceLimit", { get() { calls++; return 10; }, configurable: true }); takeSite()',
      ),
    ).toBeNull();
    expect(
      run(
        'Object.defineProperty(Error, "stackTraceLimit", { value: 10, writable: true, configurable: true }); Object.defineProperty(Error.prototype, "name", { get() { calls++; return "E"; }, configurable: true }); takeSite()',
      ),
    ).toBeNull();
    expect(
      run(
        'Object.defineProperty(Error.prototype, "name", { value: { toString() { calls++; return "E"; } }, configurable: true, writable: true }); takeSite()',
      ),
    ).toBeNull();
    expect(
      run(
        'Error.prototype.name = "Error"; Object.setPrototypeOf(Error, new Proxy(Function.prototype, { getOwnPropertyDescriptor() { calls++; } })); takeSite()',
      ),
    ).toBeNull();
    expect(run('calls')).toBe(0);
  });

  it('reads the page frame once the page is back to normal', () => {
    const { run } = page();
    run('Error.prepareStackTrace = () => "x";');
    expect(run('takeSite()')).toBeNull();
    run('delete Error.prepareStackTrace;');
    expect(run('function poll() { return takeSite(); }\npoll();')).toEqual({
      fn: 'poll',
      url: 'https://app.test/page.js',
      line: 1,
      column: 26,
    });
  });
});

/** A relay port that keeps what is emitted. */
function recorder(): { port: HookRelayPort; records: HookRecord[] } {
  const records: HookRecord[] = [];
  let now = 0;
  const port: HookRelayPort = {
    emit: (r) => void records.push(r),
    emitLate() {},
    payloadCap: () => 1024,
    time: () => now++,
    watchBacklog() {},
  };
  return { port, records };
}

const conn = (id: number, time: number, url: string, method = 'GET') =>
  ({ __proto__: null, r: 'conn', id, time, transport: 'xhr', url, method }) as HookConnection & {
    __proto__: null;
  };
const end = (id: number, time: number) =>
  ({ __proto__: null, r: 'ev', conn: id, time, type: 'close' }) as const;

describe('withInitiators', () => {
  const site = { url: 'https://app.test/page.js', line: 3, column: 5 };

  it('takes a stack only for a request that looks like a loop’s', () => {
    const { port, records } = recorder();
    let reads = 0;
    const ch = withInitiators(p, port, () => {
      reads++;
      return { __proto__: null, ...site };
    });
    ch.emit(conn(1, 1000, 'https://app.test/poll?t=1'));
    expect(reads).toBe(0);
    // Same method and path (another cache-buster) while the first is in flight.
    ch.emit(conn(2, 1001, 'https://app.test/poll?t=2'));
    expect(reads).toBe(1);
    ch.emit(end(1, 1500));
    ch.emit(end(2, 1600));
    // Started again soon after the last ended: a loop's next cycle.
    ch.emit(conn(3, 2000, 'https://app.test/poll?t=3'));
    ch.emit(end(3, 2100));
    // Long after: nothing suspicious. Another method or path is another key.
    ch.emit(conn(4, 20_000, 'https://app.test/poll?t=4'));
    ch.emit(conn(5, 20_001, 'https://app.test/poll', 'POST'));
    ch.emit(conn(6, 20_002, 'https://app.test/other'));
    expect(reads).toBe(2);
    const initiators = records.map((r) =>
      !Array.isArray(r) && r.r === 'conn' ? (r.initiator ?? null) : 'ev',
    );
    expect(initiators.map((x) => (x && x !== 'ev' ? { ...x } : x))).toEqual([
      null,
      site,
      'ev',
      'ev',
      site,
      'ev',
      null,
      null,
      null,
    ]);
  });

  it('leaves WebSockets and EventSources alone, and passes every record on', () => {
    const { port, records } = recorder();
    let reads = 0;
    const ch = withInitiators(p, port, () => {
      reads++;
      return null;
    });
    for (let i = 0; i < 3; i++)
      ch.emit({ __proto__: null, r: 'conn', id: i, time: i, transport: 'websocket', url: 'ws://x/' });
    ch.emit(conn(10, 5, 'https://app.test/a'));
    ch.emit(conn(11, 6, 'https://app.test/a'));
    expect(reads).toBe(1);
    expect(records).toHaveLength(5);
    expect((records[4] as HookConnection).initiator).toBeUndefined();
  });
});
