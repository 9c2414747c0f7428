// Chrome DevTools' Network-panel filter keys, url: plain paths and the
// key-shape rule that tells an unknown key from free text.

import { describe, expect, it } from 'vitest';
import { compileClauses, parseFilter, tokenize } from '../../lib/filter';
import type { TimelineStore } from '../../lib/timeline/store';
import { storeWith } from './filter-fixtures';

function sample(): TimelineStore {
  return storeWith(
    [
      { transport: 'websocket', url: 'wss://chat.example.com/socket' },
      { transport: 'xhr', url: 'http://api.example.com/api/items?x=1', method: 'get' },
      { transport: 'eventsource', url: 'http://example.com/feed' },
      { transport: 'fetch', url: 'https://other.test:8443/a.b/c', method: 'POST' },
    ],
    [
      { conn: 1, type: 'open' },
      { conn: 1, type: 'receive', text: 'hi' },
      { conn: 1, type: 'close' },
      {
        conn: 2,
        type: 'receive',
        text: 'x'.repeat(2048),
        status: 200,
        responseHeaders: [['Content-Type', 'Application/JSON; charset=utf-8']],
      },
      { conn: 2, type: 'close', status: 200 },
      { conn: 3, type: 'receive', text: 'tick', responseHeaders: [['content-type', 'text/event-stream']] },
      {
        conn: 4,
        type: 'receive',
        text: 'nope',
        status: 404,
        responseHeaders: [['content-type', 'text/html']],
      },
    ],
  );
}

function run(query: string): { conns: number[]; errors: string[] } {
  const store = sample();
  const parsed = parseFilter(query);
  const pred = compileClauses(parsed.clauses, (c) => store.numberOf(c));
  const events = pred ? store.events.filter(pred) : store.events;
  return {
    conns: [...new Set(events.map((e) => e.connection.localId))],
    errors: parsed.errors.map((e) => e.message),
  };
}

describe('DevTools filter keys', () => {
  it('status-code: is status:, and checks its value', () => {
    expect(run('status-code:404')).toEqual({ conns: [4], errors: [] });
    expect(run('status-code:2xx').conns).toEqual([2]);
    expect(run('-status-code:404').conns).toEqual([1, 2, 3]);
    expect(run('status-code:99x').errors[0]).toMatch(/^status-code expects a number like 404/);
    expect(run('status-code:').errors[0]).toMatch(/status-code: needs a value/);
  });

  it('larger-than: compares sizes with the size units', () => {
    expect(run('larger-than:1k')).toEqual({ conns: [2], errors: [] });
    expect(run('larger-than:2048').conns).toEqual([]);
    expect(run('larger-than:2047').conns).toEqual([2]);
    expect(run('-larger-than:1k').conns).toEqual([1, 2, 3, 4]);
    expect(run('larger-than:abc').errors[0]).toMatch(/larger-than expects a number/);
    expect(run('larger-than>1k').errors[0]).toMatch(/does not compare/);
  });

  it('method: is the connection method, case-insensitive, GET when none was recorded', () => {
    expect(run('method:post')).toEqual({ conns: [4], errors: [] });
    expect(run('method:GET').conns).toEqual([1, 2, 3]);
    expect(run('method:put,post').conns).toEqual([4]);
    expect(run('-method:get').conns).toEqual([4]);
    expect(run('method:G3T').errors[0]).toMatch(/method expects an HTTP method/);
    expect(run('method:,').errors[0]).toMatch(/method expects/);
  });

  it('domain: matches the whole host, with * wildcards, without the port', () => {
    expect(run('domain:example.com').conns).toEqual([3]);
    expect(run('domain:*.example.com').conns).toEqual([1, 2]);
    expect(run('domain:EXAMPLE.com,other.test').conns).toEqual([3, 4]);
    expect(run('domain:other.test:8443').conns).toEqual([]);
    expect(run('-domain:*.example.com').conns).toEqual([3, 4]);
    // The whole host, not a part of it.
    expect(run('domain:example.co').conns).toEqual([]);
    expect(run('domain:xample.com').conns).toEqual([]);
    expect(run('domain:').errors[0]).toMatch(/domain: needs a value/);
    expect(run('domain:a/b').errors[0]).toMatch(/domain expects a host/);
    expect(run('domain:*').errors[0]).toMatch(/domain expects a host/);
  });

  it('mime-type: is the response content type without parameters', () => {
    expect(run('mime-type:application/json')).toEqual({ conns: [2], errors: [] });
    expect(run('mime-type:text/*').conns).toEqual([3, 4]);
    expect(run('-mime-type:text/html').conns).toEqual([1, 2, 3]);
    expect(run('mime-type:json').errors[0]).toMatch(/mime-type expects a type/);
  });

  it('is:running keeps connections not ended', () => {
    expect(run('is:running')).toEqual({ conns: [3, 4], errors: [] });
    expect(run('-is:running').conns).toEqual([1, 2]);
    expect(run('is:done').errors[0]).toMatch(/takes running or unanswered/);
  });
});

describe('url: plain paths', () => {
  it('takes a path with regex metacharacters as plain text', () => {
    expect(run('url:/api/items?x=1')).toEqual({ conns: [2], errors: [] });
    expect(run('url:/a.b/c').conns).toEqual([4]);
    expect(run('url:a.b/c').conns).toEqual([4]);
    // "." must not act as "any character".
    expect(run('url:/aXb/').conns).toEqual([]);
    expect(run('url:(x').errors).toEqual([]);
    expect(run('-url:/api/items?x=1').conns).toEqual([1, 3, 4]);
  });
  it('keeps /regex/ when the value is written whole as /…/', () => {
    expect(run('url:/it.ms/').conns).toEqual([2]);
    expect(run('url:/FEED$/i').conns).toEqual([3]);
    expect(run('url:/po(/').errors[0]).toMatch(/invalid regular expression/);
  });
  it('a path does not swallow the rest of the query', () => {
    expect(tokenize('url:/api more').map((t) => t.text)).toEqual(['url:/api', 'more']);
    expect(run('url:/api transport:ws').conns).toEqual([]);
    expect(run('url:/socket transport:ws').conns).toEqual([1]);
  });
});

describe('what is a key', () => {
  it('letters with inner hyphens followed by an operator', () => {
    expect(run('bogus-key:1').errors[0]).toMatch(/^unknown filter key 'bogus-key:'; known: transport, /);
    expect(run('Foo:bar').errors[0]).toMatch(/unknown filter key 'foo:'/);
    expect(run('-foo:bar').errors[0]).toMatch(/unknown filter key/);
    // A half-typed key is flagged as soon as its colon is.
    expect(run('x:').errors[0]).toMatch(/unknown filter key 'x:'/);
    // Other clauses still apply next to an unknown key.
    expect(run('foo:bar method:post').conns).toEqual([4]);
  });
  it('leaves URLs, times, quoted text and non-key shapes as text', () => {
    for (const q of [
      'http://example.com/feed',
      'wss://chat',
      '12:30',
      'a1:b',
      '"foo:bar"',
      'x-:y',
      'a>b',
      ':x',
    ])
      expect(run(q).errors, q).toEqual([]);
    expect(run('http://example.com/feed').conns).toEqual([3]);
  });
});
