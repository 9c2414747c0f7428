import { describe, expect, it } from 'vitest';
import { parseUrl, parseUrlWithUrlApi, Route } from '../../lib/patterns/params';
import { looksLikeRandomId, looksLikeTimestamp, shapeOf } from '../../lib/patterns/shapes';

function routeFor(urls: string[]) {
  const first = parseUrl(urls[0] as string);
  const route = new Route('d|GET x', 'd', 'GET', first.origin, first.path, first.params);
  for (const u of urls) route.observe(parseUrl(u).params);
  const byName = new Map(route.decisions().map((d) => [d.name, d]));
  return { route, byName, keyOf: (u: string) => route.keyOf(parseUrl(u).params) };
}

describe('value shapes', () => {
  it.each([
    ['1764000000', true],
    ['1764000000123', true],
    ['1764000000123456', true],
    ['1764000000.5', true],
    ['2026-11-24T12:00:00Z', true],
    ['123', false],
    ['9999999999', false],
    ['shoes', false],
  ])('timestamp %s -> %s', (v, expected) => {
    expect(looksLikeTimestamp(v)).toBe(expected);
  });

  it.each([
    ['PZq0Kx8', true],
    ['OzDyAbQ', true],
    ['3f2a9c0b1d', true],
    ['550e8400-e29b-41d4-a716-446655440000', true],
    ['polling', false],
    ['websocket', false],
    ['news', false],
    ['a1', false],
  ])('random id %s -> %s', (v, expected) => {
    expect(looksLikeRandomId(v)).toBe(expected);
  });

  it('classifies Math.random() output and small integers', () => {
    expect(shapeOf('0.8412392611')).toBe('random-number');
    expect(shapeOf('42')).toBe('integer');
    expect(shapeOf('')).toBe('other');
  });
});

describe('endpoint key: volatile parameters', () => {
  const base = 'http://127.0.0.1:8000/poll';

  it('drops a cache-buster timestamp and says why', () => {
    const { byName, keyOf } = routeFor([`${base}?_=1764000000100`, `${base}?_=1764000001200`]);
    const d = byName.get('_');
    expect(d?.kept).toBe(false);
    expect(d?.reason).toMatch(/changes between requests.*timestamp/);
    expect(keyOf(`${base}?_=1764000009999`).url).toBe(base);
  });

  it('keeps Engine.IO sid (one session = one channel) and drops t', () => {
    const urls = ['Nq1aX7c', 'Nq1aYb2', 'Nq1aZZq'].map(
      (t) => `${base}?EIO=4&transport=polling&t=${t}&sid=AbCdEf0123456789xyz`,
    );
    const { byName, keyOf } = routeFor(urls);
    expect(byName.get('sid')).toMatchObject({ kept: true, reason: expect.stringMatching(/session/) });
    expect(byName.get('t')).toMatchObject({ kept: false, reason: expect.stringMatching(/changes on every/) });
    expect(byName.get('EIO')?.kept).toBe(true);
    expect(byName.get('transport')?.reason).toMatch(/constant/);
    const a = keyOf(`${base}?EIO=4&transport=polling&t=zzz1234&sid=AbCdEf0123456789xyz`);
    const b = keyOf(`${base}?EIO=4&transport=polling&t=qqq9876&sid=OTHERsession00000xyz`);
    expect(a.key).not.toBe(b.key);
    expect(a.url).toBe(`${base}?EIO=4&transport=polling&sid=AbCdEf0123456789xyz`);
  });

  it('keeps a stable parameter that tells two loops apart', () => {
    const { byName, keyOf } = routeFor([
      `${base}?channel=news`,
      `${base}?channel=sports`,
      `${base}?channel=news`,
    ]);
    expect(byName.get('channel')?.kept).toBe(true);
    expect(keyOf(`${base}?channel=news`).key).not.toBe(keyOf(`${base}?channel=sports`).key);
  });

  it('keeps changing values that look meaningful (search terms)', () => {
    const { byName } = routeFor([`${base}?q=shoes`, `${base}?q=hats`, `${base}?q=coats`]);
    expect(byName.get('q')).toMatchObject({ kept: true, reason: expect.stringMatching(/meaningful/) });
  });

  it('drops a counter and a random nonce, keeps repeating numeric ids', () => {
    const counter = routeFor([1, 2, 3, 4].map((n) => `${base}?seq=${n}`));
    expect(counter.byName.get('seq')).toMatchObject({
      kept: false,
      reason: expect.stringMatching(/counts up/),
    });
    const nonce = routeFor(['k3J9xQ2m', 'P0o9Lm2Z', 'zz81KqPa'].map((n) => `${base}?nonce=${n}`));
    expect(nonce.byName.get('nonce')).toMatchObject({
      kept: false,
      reason: expect.stringMatching(/random id/),
    });
    const ids = routeFor([`${base}?room=123`, `${base}?room=456`, `${base}?room=123`, `${base}?room=456`]);
    expect(ids.byName.get('room')).toMatchObject({ kept: true, reason: expect.stringMatching(/repeat/) });
  });

  it('a known cache-buster name alone does not drop a constant value', () => {
    const { byName } = routeFor([`${base}?t=1`, `${base}?t=1`, `${base}?t=1`]);
    expect(byName.get('t')?.kept).toBe(true);
  });

  it('a per-second timestamp that repeats at first is dropped once it changes, even late', () => {
    const urls = Array.from({ length: 12 }, () => `${base}?ts=1764000000`);
    urls.push(`${base}?ts=1764000001`);
    const { byName } = routeFor(urls);
    expect(byName.get('ts')?.kept).toBe(false);
  });

  it('provisional decisions from one sighting explain themselves', () => {
    const { byName } = routeFor([`${base}?cb=abc&rnd=0.123456789&v=2`]);
    expect(byName.get('cb')?.reason).toMatch(/seen once/);
    expect(byName.get('rnd')?.kept).toBe(false);
    expect(byName.get('v')?.kept).toBe(true);
  });

  it('survives URLs it cannot parse and repeated names', () => {
    expect(parseUrl('not a url?x=1')).toEqual({ origin: '', path: 'not a url', params: [] });
    expect(parseUrl('http://h/p?a=1&a=2&b').params).toEqual([
      ['a', '1,2'],
      ['b', ''],
    ]);
  });
});

describe('parseUrl', () => {
  // Each is parsed twice: the second time its origin and path come from the cache.
  const urls = [
    'http://127.0.0.1:8080/ping?i=1',
    'http://127.0.0.1:8080/ping?i=2&i=3&t=1700000000000',
    'https://Example.COM:443/a/./b/../c?x=1#frag',
    'https://example.com/a?x=1#frag?y=2',
    'https://example.com/a#frag?y=2',
    'https://example.com/a?',
    'https://example.com/a?&&x&=y&z=',
    'https://example.com/a?==&x==1',
    'https://example.com/socket.io/?EIO=4&transport=polling&t=PZq0Kx8&sid=abc%3D%3D',
    'https://example.com/q?text=hello+world&p=%E2%9C%93&bad=%zz&pct=%',
    'https://example.com/q?name=caf\u00e9&sp=a b',
    'https://example.com/pa th?x=1',
    ' https://example.com/lead?x=1',
    'https://example.com/tail ?x=1',
    'https://example.com/tab\t?x=\n1',
    'HTTPS://EXAMPLE.com\\back\\slash?x=1',
    'https://user:pw@example.com/p?x=1',
    'https://user:p?w@example.com/p?x=1',
    'wss://example.com/ws?token=abc',
    'blob:https://example.com/uuid?x=1',
    'data:text/plain,hello?x=1',
    'about:blank?x=1',
    '/relative?x=1',
    'not a url?x=1',
    'http://[::1]:80/p?x=1',
    'http://exa mple.com/p?x=1',
    'https://example.com/%7Euser?a=%7E&b=~',
    'https://example.com/p?lone=\ud800',
  ];

  it('gives what the URL API gives, for plain, encoded, odd and invalid URLs', () => {
    for (let round = 0; round < 2; round++)
      for (const u of urls) expect(parseUrl(u), JSON.stringify(u)).toEqual(parseUrlWithUrlApi(u));
  });

  it('keeps query parameters in first-seen order with repeated names joined', () => {
    expect(parseUrl('http://h/p?b=2&a=1&b=3&c').params).toEqual([
      ['b', '2,3'],
      ['a', '1'],
      ['c', ''],
    ]);
  });

  it('tells URLs apart that share a prefix with different queries', () => {
    expect(parseUrl('http://h/p?x=1').params).toEqual([['x', '1']]);
    expect(parseUrl('http://h/p?x=2').params).toEqual([['x', '2']]);
    expect(parseUrl('http://h/p').params).toEqual([]);
  });
});
