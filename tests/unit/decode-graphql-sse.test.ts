import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createClient } from 'graphql-sse';
import { createHandler } from 'graphql-sse/lib/use/http';
import { afterEach, describe, expect, it } from 'vitest';
import { DECODERS, detectProtocol, safeSession } from '../../lib/decode';
import { graphqlSseDecoder } from '../../lib/decode/graphql-sse';
import type { DecodedMessage, DetectSample, Direction, Frame } from '../../lib/decode/types';
import { schema } from './graphql-test-schema';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const require = createRequire(import.meta.url);
// graphql-sse's own stream parser (what its client reads a stream with); the package does not export it.
const { createParser } = require(
  new URL('../../node_modules/graphql-sse/lib/parser.js', import.meta.url).pathname,
) as {
  createParser: () => (chunk: Uint8Array) => Array<{ event: string; data: unknown }> | undefined;
};

/** One HTTP exchange as Wirescope sees a fetch: the request body, then each response chunk as it was written. */
interface Exchange {
  method: string;
  url: string;
  frames: Array<{ direction: Direction; frame: Frame }>;
}

/** The real graphql-sse handler on a loopback server, every body and chunk recorded. */
async function startServer(): Promise<{ url: string; exchanges: Exchange[] }> {
  const handler = createHandler({ schema });
  const exchanges: Exchange[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const exchange: Exchange = { method: req.method ?? '', url: req.url ?? '', frames: [] };
    exchanges.push(exchange);
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string' && chunk !== '')
        exchange.frames.push({ direction: 'receive', frame: { text: chunk } });
      else if (chunk instanceof Uint8Array && chunk.length > 0)
        exchange.frames.push({ direction: 'receive', frame: { text: Buffer.from(chunk).toString('utf8') } });
    };
    (res as unknown as { write: (...args: unknown[]) => boolean }).write = (...args) => {
      keep(args[0]);
      return write(...args);
    };
    (res as unknown as { end: (...args: unknown[]) => ServerResponse }).end = (...args) => {
      keep(args[0]);
      return end(...args);
    };
    // The handler reads the body itself, late: its chunks are recorded as they reach it.
    const body: Buffer[] = [];
    const on = req.on.bind(req) as (event: string, listener: (...args: unknown[]) => void) => IncomingMessage;
    (req as unknown as { on: typeof on }).on = (event, listener) => {
      if (event === 'data')
        return on(event, (chunk) => {
          body.push(Buffer.from(chunk as Buffer));
          listener.call(req, chunk);
        });
      if (event === 'end') {
        return on(event, (...args) => {
          if (body.length)
            exchange.frames.unshift({
              direction: 'send',
              frame: { text: Buffer.concat(body).toString('utf8') },
            });
          listener.apply(req, args);
        });
      }
      return on(event, listener);
    };
    handler(req, res).catch(() => res.writeHead(500).end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, exchanges };
}

function run(
  client: ReturnType<typeof createClient>,
  query: string,
  variables?: Record<string, unknown>,
): Promise<unknown[]> {
  const results: unknown[] = [];
  return new Promise((resolve, reject) =>
    client.subscribe(
      { query, variables },
      { next: (value) => results.push(value), error: reject, complete: () => resolve(results) },
    ),
  );
}

const HELLO = 'query Hello($name: String!) { hello(name: $name) }';
const GREETINGS = 'subscription Greetings($count: Int) { greetings(count: $count) }';

/** The graphql-sse client's two modes against the real handler. */
async function recordGraphqlSse(singleConnection: boolean): Promise<Exchange[]> {
  const { url, exchanges } = await startServer();
  // Single connection mode kept open (not lazy), so both operations share one stream.
  const client = singleConnection
    ? createClient({ url, fetchFn: fetch, singleConnection: true, lazy: false, retryAttempts: 0 })
    : createClient({ url, fetchFn: fetch, retryAttempts: 0 });
  expect(await run(client, HELLO, { name: 'ann' })).toEqual([{ data: { hello: 'Hello ann' } }]);
  expect(await run(client, GREETINGS, { count: 2 })).toHaveLength(2);
  client.dispose();
  await new Promise((resolve) => setTimeout(resolve, 20));
  return exchanges;
}

type Decoded = DecodedMessage & { direction: Direction };

function decodeExchange(exchange: Exchange): Decoded[] {
  const session = graphqlSseDecoder.session();
  return exchange.frames.flatMap(({ direction, frame }) =>
    session.decode(frame, direction).map((m) => ({ ...m, direction })),
  );
}

const lines = (messages: Decoded[]) => messages.map((m) => `${m.direction} ${m.summary}`);

describe('GraphQL over SSE decoder on traffic of the real graphql-sse client and handler', () => {
  it('decodes distinct-connection streams: the request, keep-alive, next results and complete, as one pair', async () => {
    const exchanges = (await recordGraphqlSse(false)).filter((e) => e.method === 'POST');
    expect(exchanges).toHaveLength(2);
    const hello = decodeExchange(exchanges[0] as Exchange);
    expect(lines(hello)).toEqual([
      'send query Hello {"name":"ann"}',
      'receive : (keep-alive)',
      'receive next (Hello) {"data":{"hello":"Hello ann"}}',
      'receive complete (Hello)',
    ]);
    expect(hello.map((m) => m.pair?.role ?? '-')).toEqual(['request', '-', 'stream', 'end']);
    expect(hello.every((m) => m.note === undefined)).toBe(true);
    expect(hello.filter((m) => m.fields?.op === 'Hello')).toHaveLength(3);
    const greetings = decodeExchange(exchanges[1] as Exchange);
    expect(lines(greetings)).toEqual([
      'send subscription Greetings {"count":2}',
      'receive : (keep-alive)',
      'receive next (Greetings) {"data":{"greetings":"hi 0"}}',
      'receive next (Greetings) {"data":{"greetings":"hi 1"}}',
      'receive complete (Greetings)',
    ]);
  });

  it('decodes single-connection mode: operations keyed by their id on the shared stream', async () => {
    const exchanges = await recordGraphqlSse(true);
    const streams = exchanges.filter((e) => e.method === 'GET');
    expect(streams).toHaveLength(1);
    const stream = streams[0];
    const posts = exchanges.filter((e) => e.method === 'POST');
    const requests = posts.flatMap(decodeExchange);
    expect(requests.map((m) => m.kind)).toEqual(['request', 'request']);
    const ids = requests.map((m) => m.pair?.key.replace('op:', ''));
    expect(requests[0]?.summary).toBe(`query Hello #${ids[0]} {"name":"ann"}`);
    const events = decodeExchange(stream as Exchange).filter((m) => m.kind !== 'keep-alive');
    expect(lines(events)).toEqual([
      `receive next #${ids[0]} {"data":{"hello":"Hello ann"}}`,
      `receive complete #${ids[0]}`,
      `receive next #${ids[1]} {"data":{"greetings":"hi 0"}}`,
      `receive next #${ids[1]} {"data":{"greetings":"hi 1"}}`,
      `receive complete #${ids[1]}`,
    ]);
    expect(events.map((m) => `${m.pair?.key} ${m.pair?.role}`)).toEqual([
      `op:${ids[0]} stream`,
      `op:${ids[0]} end`,
      `op:${ids[1]} stream`,
      `op:${ids[1]} stream`,
      `op:${ids[1]} end`,
    ]);
  });

  it('decodes a stream however it is cut into chunks, and EventSource messages by their event name', async () => {
    const [exchange] = (await recordGraphqlSse(false)).filter((e) => e.method === 'POST').slice(1);
    const text = (exchange as Exchange).frames
      .filter((f) => f.direction === 'receive')
      .map((f) => ('text' in f.frame ? f.frame.text : ''))
      .join('');
    const whole = graphqlSseDecoder
      .session()
      .decode({ text }, 'receive')
      .map((m) => m.summary);
    for (const size of [1, 2, 3, 7, 16, 50]) {
      const session = graphqlSseDecoder.session();
      const out: DecodedMessage[] = [];
      for (let at = 0; at < text.length; at += size)
        out.push(...session.decode({ text: text.slice(at, at + size) }, 'receive'));
      expect(out.filter((m) => m.kind !== 'partial').map((m) => m.summary)).toEqual(whole);
      expect(
        out
          .filter((m) => m.kind === 'partial')
          .every((m) => m.note === 'The event continues in the next chunk'),
      ).toBe(true);
    }
    // What an EventSource hands the page: each event's name and data, as graphql-sse's own parser reads them.
    const parse = createParser();
    const parsed = parse(new TextEncoder().encode(text)) ?? [];
    const session = graphqlSseDecoder.session();
    const viaEventSource = parsed.map(
      (m) => session.decode({ text: m.data ? JSON.stringify(m.data) : '' }, 'receive', m.event)[0]?.summary,
    );
    expect(viaEventSource).toEqual([
      'next {"data":{"greetings":"hi 0"}}',
      'next {"data":{"greetings":"hi 1"}}',
      'complete',
    ]);
    // The registry's never-throwing session passes the event name through.
    const safe = safeSession(graphqlSseDecoder);
    expect(safe.decode({ text: '' }, 'receive', 'complete')[0]?.kind).toBe('complete');
  });

  it('is detected from the stream (fetch or EventSource), and not from plain GraphQL over HTTP or other SSE', async () => {
    const exchanges = (await recordGraphqlSse(false)).filter((e) => e.method === 'POST');
    const fetchSample = (frames: Exchange['frames']): DetectSample => ({
      transport: 'fetch',
      url: 'http://x/graphql',
      subprotocol: null,
      frames,
    });
    const frames = (exchanges[1] as Exchange).frames;
    expect(detectProtocol(fetchSample(frames), DECODERS)?.decoder.id).toBe('graphql-sse');
    // The request alone (the stream not started yet) is not enough: plain GraphQL over HTTP posts the same.
    expect(graphqlSseDecoder.detect(fetchSample(frames.slice(0, 1)))).toBe(0);
    expect(
      graphqlSseDecoder.detect(
        fetchSample([
          ...frames.slice(0, 1),
          { direction: 'receive', frame: { text: '{"data":{"hello":"Hello ann"}}' } },
        ]),
      ),
    ).toBe(0);
    const eventSource: DetectSample = {
      transport: 'eventsource',
      url: 'http://x/graphql/stream',
      subprotocol: null,
      frames: [{ direction: 'receive', frame: { text: '{"data":{"greetings":"hi 0"}}' }, event: 'next' }],
    };
    expect(detectProtocol(eventSource, DECODERS)?.decoder.id).toBe('graphql-sse');
    const otherSse: DetectSample = {
      ...eventSource,
      frames: [{ direction: 'receive', frame: { text: '{"price":12}' }, event: 'message' }],
    };
    expect(detectProtocol(otherSse, DECODERS)).toBeNull();
    expect(
      graphqlSseDecoder.detect(
        fetchSample([{ direction: 'receive', frame: { text: 'event: tick\ndata: 1\n\n' } }]),
      ),
    ).toBe(0);
  });

  it('never throws on cut, fuzzed, garbage or huge input, and says why', async () => {
    const exchanges = (await recordGraphqlSse(false)).filter((e) => e.method === 'POST');
    for (const { direction, frame } of exchanges.flatMap((e) => e.frames)) {
      const text = 'text' in frame ? frame.text : '';
      for (let i = 0; i < 30; i++) {
        const chars = [...text];
        const at = (i * 7919) % chars.length;
        chars[at] = String.fromCharCode((chars[at]?.charCodeAt(0) ?? 0) ^ (1 + (i % 31)));
        for (const m of graphqlSseDecoder.session().decode({ text: chars.join('') }, direction)) {
          expect(m.summary.length).toBeLessThanOrEqual(200);
          if (m.kind === 'raw') expect(m.note).toBeDefined();
        }
      }
    }
    const request = '{"query":"query Hello { hello }","variables":{"a":1}}';
    for (let cut = 1; cut < request.length; cut++) {
      expect(graphqlSseDecoder.session().decode({ text: request.slice(0, cut) }, 'send')[0]?.note).toBe(
        'Not JSON',
      );
    }
    const session = graphqlSseDecoder.session();
    expect(session.decode({ text: 'event: next\ndata: {"data":\n\n' }, 'receive')[0]?.note).toBe(
      'data is not JSON',
    );
    expect(session.decode({ text: 'event: ping\ndata: 1\n\n' }, 'receive')[0]?.note).toMatch(
      /expected next or complete/,
    );
    expect(session.decode({ text: 'event: next\ndata: 5\n\n' }, 'receive')[0]?.note).toBe(
      'next without an ExecutionResult object',
    );
    expect(graphqlSseDecoder.session().decode({ text: 'hello\n\n' }, 'receive')[0]?.note).toMatch(
      /^Not a GraphQL over SSE event/,
    );
    expect(graphqlSseDecoder.session().decode({ text: '[1]' }, 'receive')[0]?.note).toBe(
      'next without an ExecutionResult object',
    );
    const deep = `event: next\ndata: {"data":${'['.repeat(5000)}${']'.repeat(5000)}}\n\n`;
    expect(graphqlSseDecoder.session().decode({ text: deep }, 'receive')[0]?.note).toBe(
      'Large or deeply nested: the tree is cut',
    );
    const endless = graphqlSseDecoder.session();
    const piece = `event: next\ndata: {"data":"${'x'.repeat(1_000_000)}`;
    const out: DecodedMessage[] = [];
    for (let i = 0; i < 10; i++) out.push(...endless.decode({ text: piece }, 'receive'));
    expect(out.filter((m) => m.note?.includes('longer than'))).toHaveLength(1);
    expect(out.every((m) => m.summary.length <= 200)).toBe(true);
  });
});
