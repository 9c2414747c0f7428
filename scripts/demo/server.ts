// The demo server behind `npm start` and `npm run demo`: one loopback origin
// that makes realtime traffic of every kind Wirescope handles (WebSocket chat
// with text and binary frames, SSE, XHR and fetch long-polls, short polling,
// Socket.IO polling→WebSocket, STOMP, MQTT and GraphQL over WebSocket, plain
// REST, and an opt-in poll storm).

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Server as SocketIoServer } from 'socket.io';
import { type WebSocket, WebSocketServer } from 'ws';
import { createProtocolServers } from './protocol-servers';

export const DEFAULT_DEMO_PORT = 5178;
export const DEFAULT_DEMO_HOST = '127.0.0.1';

export interface DemoServerOptions {
  /** 0 picks a free port. When the port is busy and `fallback` is on, a free port is used instead. */
  port?: number;
  host?: string;
  fallback?: boolean;
}

export interface DemoServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

const PUBLIC_DIR = join(import.meta.dirname, 'public');

// Only these files are served: no path from the request ever reaches the file system.
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/demo.css': { file: 'demo.css', type: 'text/css; charset=utf-8' },
  '/demo.js': { file: 'demo.js', type: 'text/javascript; charset=utf-8' },
  '/demo-worker.js': { file: 'demo-worker.js', type: 'text/javascript; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

const BOT_LINES = [
  'Anyone tried the new release yet?',
  'The build is green again.',
  'Deploying to staging in five minutes.',
  'Coffee break, back soon.',
  'Found the flaky test: it was a race on reconnect.',
  'Who owns the billing service these days?',
  'Latency dashboards look healthy.',
  'Reminder: retro at 4 pm.',
];
const BOTS = ['ada', 'linus', 'grace', 'ken'];
const TICKERS = ['WSX', 'SSE', 'XHR', 'IO'];

function pick<T>(list: readonly T[], n: number): T {
  return list[n % list.length] as T;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Holds a response for `ms`; false when the client went away meanwhile (the response's close, not the request's, says so). */
function hold(res: ServerResponse, ms: number, timers: Set<NodeJS.Timeout>): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve(!res.destroyed);
    }, ms);
    timers.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
      resolve(false);
    });
  });
}

/** A 12-byte sensor reading: uint32 sequence, float32 temperature, float32 humidity (big-endian). */
export function sensorFrame(seq: number): Buffer {
  const buf = Buffer.alloc(12);
  buf.writeUInt32BE(seq >>> 0, 0);
  buf.writeFloatBE(20 + 3 * Math.sin(seq / 4), 4);
  buf.writeFloatBE(45 + 10 * Math.cos(seq / 6), 8);
  return buf;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const host = options.host ?? DEFAULT_DEMO_HOST;
  const wantedPort = options.port ?? DEFAULT_DEMO_PORT;
  const fallback = options.fallback ?? true;
  const timers = new Set<NodeJS.Timeout>();
  const every = (ms: number, fn: () => void) => {
    const timer = setInterval(fn, ms);
    timers.add(timer);
    return () => {
      clearInterval(timer);
      timers.delete(timer);
    };
  };
  let inboxSeq = 0;
  let updateCursor = 0;
  let noteId = 0;
  let stormHits = 0;
  // STOMP on /stomp, MQTT on /mqtt, GraphQL on /graphql, and their browser clients under /vendor/.
  const protocols = await createProtocolServers();

  const routes: Record<
    string,
    (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void
  > = {
    // XHR long-poll: held 1–2 s, then either news (200) or "nothing new" (204).
    '/api/inbox': async (_req, res, url) => {
      const since = Number(url.searchParams.get('since') ?? 0) || 0;
      if (!(await hold(res, 1000 + Math.random() * 1000, timers))) return;
      if (Math.random() < 0.35) {
        res.writeHead(204, { 'cache-control': 'no-store' }).end();
        return;
      }
      inboxSeq = Math.max(inboxSeq, since) + 1;
      sendJson(res, 200, {
        since: inboxSeq,
        messages: [{ id: inboxSeq, from: pick(BOTS, inboxSeq), subject: pick(BOT_LINES, inboxSeq + 3) }],
      });
    },
    // fetch long-poll: held ~1.5 s, always answers with the next cursor.
    '/api/updates': async (_req, res, url) => {
      const cursor = Number(url.searchParams.get('cursor') ?? 0) || 0;
      if (!(await hold(res, 1200 + Math.random() * 600, timers))) return;
      updateCursor = Math.max(updateCursor, cursor) + 1;
      sendJson(res, 200, {
        cursor: updateCursor,
        changes: [{ doc: `doc-${updateCursor % 5}`, op: pick(['insert', 'update', 'delete'], updateCursor) }],
      });
    },
    // Short polling: answered at once.
    '/api/status': (_req, res) => {
      sendJson(res, 200, {
        online: 3 + Math.floor(Math.random() * 5),
        load: Math.round(Math.random() * 100) / 100,
        time: new Date().toISOString(),
      });
    },
    // Polled by the page's Web Worker, where no page hook reaches.
    '/api/worker-heartbeat': (_req, res, url) => {
      sendJson(res, 200, { beat: Number(url.searchParams.get('beat')) || 0, time: new Date().toISOString() });
    },
    '/api/profile': (_req, res) => {
      sendJson(res, 200, { id: 42, name: 'Demo User', plan: 'team', features: ['timeline', 'export'] });
    },
    '/api/notes': async (req, res) => {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' }, { allow: 'POST' });
      const text = await readBody(req);
      let note: unknown;
      try {
        note = JSON.parse(text);
      } catch {
        return sendJson(res, 400, { error: 'body must be JSON' });
      }
      noteId += 1;
      sendJson(res, 201, { id: noteId, note, savedAt: new Date().toISOString() });
    },
    // The poll storm's endpoint (called from the other loopback host name, hence CORS).
    '/api/storm': async (_req, res) => {
      stormHits += 1;
      if (!(await hold(res, 500, timers))) return;
      res.writeHead(200, {
        'content-type': 'text/plain',
        'cache-control': 'no-store',
        'access-control-allow-origin': '*',
        'timing-allow-origin': '*',
      });
      res.end(`poll ${stormHits}`);
    },
    // Server-Sent Events: default and named events with ids; the stream ends
    // after 20 messages so the browser's reconnect (with Last-Event-ID) shows too.
    '/events': (req, res) => {
      const lastId = Number(req.headers['last-event-id'] ?? 0) || 0;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write('retry: 2000\n\n');
      let id = lastId;
      let sent = 0;
      const tick = () => {
        id += 1;
        sent += 1;
        if (id % 3 === 0) {
          const price = (100 + 5 * Math.sin(id / 3)).toFixed(2);
          res.write(
            `event: price\nid: ${id}\ndata: ${JSON.stringify({ symbol: pick(TICKERS, id), price })}\n\n`,
          );
        } else if (id % 5 === 0) {
          res.write(`event: notice\nid: ${id}\ndata: Build #${id} passed\n\n`);
        } else {
          res.write(`id: ${id}\ndata: ${JSON.stringify({ headline: pick(BOT_LINES, id), n: id })}\n\n`);
        }
        if (sent >= 20) {
          stop();
          res.end();
        }
      };
      const stop = every(1200, tick);
      const first = setTimeout(tick, 100);
      timers.add(first);
      res.on('close', () => {
        stop();
        clearTimeout(first);
        timers.delete(first);
      });
    },
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    try {
      const route = routes[url.pathname];
      if (route) return await route(req, res, url);
      if (await protocols.handleRequest(req, res)) return;
      const file = STATIC_FILES[url.pathname];
      if (file && (req.method === 'GET' || req.method === 'HEAD')) {
        const body = await readFile(join(PUBLIC_DIR, file.file));
        res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
        return res.end(req.method === 'HEAD' ? undefined : body);
      }
      // socket.io answers its own paths (/socket.io/...) from its request listener.
      if (url.pathname.startsWith('/socket.io/')) return;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    }
  });

  // WebSocket chat on /chat, the protocol servers on theirs. Other upgrade paths are left to socket.io.
  const chat = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://demo.invalid').pathname;
    if (path === '/chat') chat.handleUpgrade(req, socket, head, (ws) => chat.emit('connection', ws, req));
    else if (!protocols.handleUpgrade(req, socket, head) && !path.startsWith('/socket.io/')) socket.destroy();
  });
  const broadcast = (data: string | Buffer, binary: boolean) => {
    for (const client of chat.clients) if (client.readyState === client.OPEN) client.send(data, { binary });
  };
  let botLine = 0;
  let sensorSeq = 0;
  chat.on('connection', (ws: WebSocket) => {
    ws.send(JSON.stringify({ type: 'system', text: `Welcome! ${chat.clients.size} people here.` }));
    ws.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data)
        ? data
        : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      if (isBinary) {
        // Acknowledge binary uploads with a binary frame: "ACK" + the length as uint16.
        const ack = Buffer.alloc(5);
        ack.write('ACK', 0, 'ascii');
        ack.writeUInt16BE(Math.min(bytes.length, 0xffff), 3);
        ws.send(ack, { binary: true });
        return;
      }
      const text = bytes.toString('utf8').slice(0, 500);
      broadcast(JSON.stringify({ type: 'chat', from: 'you', text, at: Date.now() }), false);
    });
  });
  every(2500, () => {
    botLine += 1;
    broadcast(
      JSON.stringify({
        type: 'chat',
        from: pick(BOTS, botLine),
        text: pick(BOT_LINES, botLine),
        at: Date.now(),
      }),
      false,
    );
  });
  every(2000, () => {
    sensorSeq += 1;
    broadcast(sensorFrame(sensorSeq), true);
  });

  // Socket.IO on the same origin: starts on HTTP long-polling, then upgrades to WebSocket.
  const io = new SocketIoServer(server, { serveClient: true, destroyUpgrade: false });
  let ioTick = 0;
  io.on('connection', (socket) => {
    socket.emit('welcome', { id: socket.id, transport: socket.conn.transport.name });
    socket.on('ping-server', (payload: unknown, ack?: (reply: unknown) => void) => {
      if (typeof ack === 'function') ack({ pong: payload, at: Date.now() });
    });
  });
  every(2500, () => {
    ioTick += 1;
    io.emit('tick', { n: ioTick, at: Date.now() });
    if (ioTick % 2 === 0) io.emit('snapshot', { n: ioTick, bytes: sensorFrame(ioTick) });
  });

  // The STOMP broker's own news: a price on /topic/prices every 4 s, to whoever subscribed.
  let stompPrice = 0;
  every(4000, () => {
    stompPrice += 1;
    const price = (100 + 5 * Math.sin(stompPrice / 3)).toFixed(2);
    protocols.publishStomp(
      '/topic/prices',
      JSON.stringify({ symbol: pick(TICKERS, stompPrice), price }),
      'application/json',
    );
  });

  try {
    try {
      await listen(server, wantedPort, host);
    } catch (err) {
      if (!fallback || wantedPort === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      await listen(server, 0, host);
    }
  } catch (err) {
    for (const timer of timers) clearInterval(timer);
    await protocols.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/`,
    host,
    port,
    async close() {
      for (const timer of timers) {
        clearTimeout(timer);
        clearInterval(timer);
      }
      timers.clear();
      for (const client of chat.clients) client.terminate();
      chat.close();
      await protocols.close();
      const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
      // io.close() disconnects Socket.IO clients and closes the HTTP server, which
      // waits for open connections: end the held ones (SSE, long-polls) now.
      io.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
