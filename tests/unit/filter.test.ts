import { describe, expect, it } from 'vitest';
import { buildViewPredicate, compileClauses, parseFilter, parseSize, tokenize } from '../../lib/filter';
import type { TimelineEvent, TimelineStore } from '../../lib/timeline/store';
import { storeWith } from './filter-fixtures';

function sample(): TimelineStore {
  return storeWith(
    [
      { transport: 'websocket', url: 'wss://chat.test/socket' },
      { transport: 'xhr', url: 'http://app.test/poll?t=1', method: 'GET' },
      { transport: 'eventsource', url: 'http://app.test/feed' },
      { transport: 'fetch', url: 'http://app.test/api/users', method: 'POST' },
    ],
    [
      { conn: 1, type: 'open' },
      { conn: 1, type: 'send', text: '{"op":"ping"}' },
      { conn: 1, type: 'receive', text: '{"op":"PONG","n":1}' },
      { conn: 1, type: 'receive', base64: 'AAEC', size: 3 },
      { conn: 2, type: 'open' },
      { conn: 2, type: 'receive', text: 'x'.repeat(2048), status: 200 },
      { conn: 2, type: 'close', status: 200 },
      { conn: 3, type: 'receive', text: 'tick 1', eventName: 'tick' },
      { conn: 4, type: 'send', text: '{"name":"Ann"}' },
      { conn: 4, type: 'receive', text: 'not found', status: 404 },
      { conn: 4, type: 'error', reason: 'aborted by timeout' },
      { conn: 1, type: 'close', reason: 'bye' },
    ],
  );
}

function run(
  query: string,
  store = sample(),
): { texts: string[]; errors: string[]; events: TimelineEvent[] } {
  const parsed = parseFilter(query);
  const pred = compileClauses(parsed.clauses, (c) => store.numberOf(c));
  const events = pred ? store.events.filter(pred) : store.events;
  return {
    events,
    texts: events.map((e) => `${e.connection.localId}:${e.record.type}`),
    errors: parsed.errors.map((e) => e.message),
  };
}

describe('tokenize', () => {
  it('keeps quoted text and regexes with spaces together', () => {
    expect(tokenize('a "b c" /d e/i -f url:/g h/').map((t) => t.text)).toEqual([
      'a',
      '\u0000b c',
      '/d e/i',
      '-f',
      'url:/g h/',
    ]);
  });
  it('reports token offsets', () => {
    expect(tokenize('  ab  cd')).toEqual([
      { text: 'ab', start: 2, end: 4 },
      { text: 'cd', start: 6, end: 8 },
    ]);
  });
  it('handles escapes and unterminated quotes', () => {
    expect(tokenize('"a\\"b" "open').map((t) => t.text)).toEqual(['\u0000a"b', '\u0000open']);
    expect(tokenize('/a\\/b/').map((t) => t.text)).toEqual(['/a\\/b/']);
  });
  it('does not treat a URL as a regex', () => {
    expect(tokenize('http://a/b c').map((t) => t.text)).toEqual(['http://a/b', 'c']);
  });
});

describe('parseSize', () => {
  it.each([
    ['0', 0],
    ['512', 512],
    ['1k', 1024],
    ['1KB', 1024],
    ['1.5k', 1536],
    ['2mb', 2 * 1024 * 1024],
    ['1g', 1024 ** 3],
    ['.5k', 512],
  ])('%s = %d', (raw, bytes) => expect(parseSize(raw)).toBe(bytes));
  it.each(['', 'k', '1x', '-1', '1 k b', 'NaN', '1e3'])('rejects %j', (raw) =>
    expect(parseSize(raw)).toBeNull(),
  );
});

describe('filter language', () => {
  it('no query lets everything through', () => {
    expect(compileClauses(parseFilter('   ').clauses, () => 0)).toBeNull();
  });
  it('plain text is case-insensitive over payload, URL, event name and reason', () => {
    expect(run('pong').texts).toEqual(['1:receive']);
    expect(run('PING').texts).toEqual(['1:send']);
    expect(run('api/users').texts).toEqual(['4:send', '4:receive', '4:error']);
    expect(run('timeout').texts).toEqual(['4:error']);
    expect(run('bye').texts).toEqual(['1:close']);
  });
  it('quoted text matches with spaces', () => {
    expect(run('"not found"').texts).toEqual(['4:receive']);
    expect(run('"/poll"').texts).toHaveLength(3);
  });
  it('terms are ANDed', () => {
    expect(run('op ping').texts).toEqual(['1:send']);
    expect(run('op nothing-like-this').texts).toEqual([]);
  });
  it('regex, smart case and flags', () => {
    expect(run('/"op":"p(i|o)ng"/').texts).toEqual(['1:send', '1:receive']);
    expect(run('/PONG/').texts).toEqual(['1:receive']);
    expect(run('/Pong/').texts).toEqual([]);
    expect(run('/Pong/i').texts).toEqual(['1:receive']);
    expect(run('/^tick \\d$/').texts).toEqual(['3:receive']);
  });
  it('invalid regex is an error with position, not a throw, and other clauses still apply', () => {
    const r = run('transport:ws /a(b/');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/invalid regular expression/);
    expect(r.texts.every((t) => t.startsWith('1:'))).toBe(true);
    const parsed = parseFilter('transport:ws /a(b/');
    expect(parsed.errors[0]).toMatchObject({ start: 13, end: 18 });
    expect(run('/unterminated').errors[0]).toMatch(/unterminated/);
    expect(run('/x/g').errors[0]).toMatch(/flags/);
    expect(run('//').errors[0]).toMatch(/./);
  });
  it('transport', () => {
    expect(run('transport:ws').events.every((e) => e.connection.transport === 'websocket')).toBe(true);
    expect(run('transport:sse').texts).toEqual(['3:receive']);
    expect(run('t:xhr,fetch').texts).toHaveLength(6);
    expect(run('transport:http').texts).toHaveLength(6);
    expect(run('transport:ftp').errors[0]).toMatch(/unknown transport "ftp"/);
  });
  it('direction and type', () => {
    expect(run('dir:out').texts).toEqual(['1:send', '4:send']);
    expect(run('dir:in transport:ws').texts).toEqual(['1:receive', '1:receive']);
    expect(run('dir:↑').texts).toEqual(['1:send', '4:send']);
    expect(run('type:close').texts).toEqual(['2:close', '1:close']);
    expect(run('type:open,error').texts).toEqual(['1:open', '2:open', '4:error']);
    expect(run('dir:up').errors[0]).toMatch(/unknown direction/);
    expect(run('type:foo').errors[0]).toMatch(/unknown event type/);
  });
  it('conn by number or URL text', () => {
    expect(run('conn:3').texts).toEqual(['3:receive']);
    expect(run('conn:#2').texts).toEqual(['2:open', '2:receive', '2:close']);
    expect(run('conn:chat').texts.every((t) => t.startsWith('1:'))).toBe(true);
    expect(run('conn:99').texts).toEqual([]);
    // A number never matches digits in a URL (ports, ids).
    const ported = storeWith(
      [
        { transport: 'websocket', url: 'ws://h:3333/a' },
        { transport: 'websocket', url: 'ws://h:3333/b' },
        { transport: 'websocket', url: 'ws://h:3333/c' },
      ],
      [
        { conn: 1, type: 'open' },
        { conn: 3, type: 'open' },
      ],
    );
    expect(run('conn:3', ported).texts).toEqual(['3:open']);
  });
  it('url and event name, with regex values', () => {
    expect(run('url:feed').texts).toEqual(['3:receive']);
    expect(run('url:/poll\\?t=\\d/').texts).toHaveLength(3);
    expect(run('event:tick').texts).toEqual(['3:receive']);
    expect(run('url:').errors[0]).toMatch(/needs a value/);
  });
  it('size comparisons with units', () => {
    expect(run('size>1k').texts).toEqual(['2:receive']);
    expect(run('size<=3').texts).toEqual(['1:receive']);
    expect(run('size:3').texts).toEqual(['1:receive']);
    expect(run('size>=2kb size<2mb').texts).toEqual(['2:receive']);
    expect(run('size>lots').errors[0]).toMatch(/size expects/);
  });
  it('status exact, class and comparison', () => {
    // An event without its own status takes its request's (all of a 404 exchange is shown).
    expect(run('status:404').texts).toEqual(['4:send', '4:receive', '4:error']);
    expect(run('status:200').texts).toEqual(['2:open', '2:receive', '2:close']);
    expect(run('status:4xx type:receive').texts).toEqual(['4:receive']);
    expect(run('status>=400 type:receive').texts).toEqual(['4:receive']);
    expect(run('status:abc').errors[0]).toMatch(/status expects/);
    expect(run('url>3').errors[0]).toMatch(/does not compare/);
  });
  it('negation of text, fields and regex', () => {
    expect(run('-transport:ws -transport:http').texts).toEqual(['3:receive']);
    expect(run('transport:ws -/ping|pong/').texts).toEqual(['1:open', '1:receive', '1:close']);
    expect(run('transport:ws -type:open -type:close -dir:out').texts).toEqual(['1:receive', '1:receive']);
    expect(run('-').texts).toHaveLength(12);
  });
  it('unknown keys are errors, not text; URLs stay text', () => {
    expect(run('foo:bar').errors).toEqual([
      "unknown filter key 'foo:'; known: transport, dir, type, conn, url, event, size, status, status-code, larger-than, method, domain, mime-type, is, proto, topic, op, latency",
    ]);
    // The bad clause is dropped; the rest still filter.
    expect(run('foo:bar transport:sse').texts).toEqual(['3:receive']);
    expect(run('http://app.test/feed').texts).toEqual(['3:receive']);
  });
  it('survives hostile input', () => {
    const nasty = [
      '"',
      '\\',
      '/',
      '-/',
      '((((',
      '/(a+)+$/',
      'size>',
      ':::',
      '\u0000',
      '-"',
      'status>',
      '/[/',
    ];
    for (const q of nasty) expect(() => run(q)).not.toThrow();
    const long = parseFilter('a '.repeat(5000));
    expect(long.errors[0]?.message).toMatch(/cut/);
    expect(long.clauses.length).toBeLessThanOrEqual(1000);
  });
  it('searches huge payloads without lower-casing copies', () => {
    const store = storeWith(
      [{ transport: 'websocket', url: 'ws://x/' }],
      [{ conn: 1, type: 'receive', text: `${'a'.repeat(100_000)}NeedLE` }],
    );
    expect(run('needle', store).texts).toEqual(['1:receive']);
    expect(run('"a.a"', store).texts).toEqual([]);
  });
});

describe('view predicate', () => {
  it('combines toggles, connection selection, time range and query', () => {
    const store = sample();
    const numberOf = (c: Parameters<typeof store.numberOf>[0]) => store.numberOf(c);
    const all = new Set(['websocket', 'xhr', 'fetch', 'eventsource'] as const);
    const dirs = new Set(['in', 'out', 'lifecycle'] as const);
    expect(
      buildViewPredicate(
        { query: null, transports: all, directions: dirs, connectionKeys: null, timeRange: null },
        numberOf,
      ),
    ).toBeNull();
    const p = buildViewPredicate(
      {
        query: parseFilter('-pong'),
        transports: new Set(['websocket']),
        directions: new Set(['in']),
        connectionKeys: new Set(['d1:1']),
        timeRange: [2000, 2005],
      },
      numberOf,
    );
    expect(store.events.filter((e) => p?.(e)).map((e) => e.record.data)).toEqual([{ base64: 'AAEC' }]);
  });
});
