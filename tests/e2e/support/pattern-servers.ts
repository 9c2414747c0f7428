// Loopback servers for the pattern-detection e2e corpus: one HTTP server with
// test routes (long-poll holds, polling, REST), a Socket.IO server and a SockJS
// echo server attached to it, and the real client bundles from node_modules.
// Started and stopped inside the test run.

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Server as SocketIoServer } from 'socket.io';
import sockjs from 'sockjs';

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface PatternServer {
  origin: string;
  /** Adds (or replaces) a route on an exact path. */
  route(path: string, handler: Route): void;
  /** Serves an HTML page at path. */
  page(path: string, html: string): void;
  /** Requests seen per path (any method). */
  hits(path: string): number;
  /** Waits `ms`, unless the server is closing or the client went away: then resolves false. */
  hold(res: ServerResponse, ms: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Engine.IO ping interval: a polling GET is answered at least this often (its "hold"). */
export const SOCKET_IO_PING_MS = 1000;
/** SockJS heartbeat: an idle xhr-polling POST is answered with `h` after this long. */
export const SOCKJS_HEARTBEAT_MS = 1000;
export const SOCKJS_PREFIX = '/sockjs';

const require = createRequire(import.meta.url);

/** Browser bundles served to the pages, resolved from the installed packages. */
const CLIENT_BUNDLES: Record<string, string> = {
  '/lib/socket.io.min.js': join(
    dirname(require.resolve('socket.io-client/package.json')),
    'dist',
    'socket.io.min.js',
  ),
  '/lib/sockjs.min.js': join(dirname(require.resolve('sockjs-client/package.json')), 'dist', 'sockjs.min.js'),
};

export async function startPatternServer(host = '127.0.0.1'): Promise<PatternServer> {
  const routes = new Map<string, Route>();
  const hitCounts = new Map<string, number>();
  const pending = new Set<() => void>();
  let closing = false;

  const hold = (res: ServerResponse, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (closing) return resolve(false);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        pending.delete(cancel);
        res.off('close', gone);
        resolve(ok);
      };
      const cancel = () => done(false);
      const gone = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      pending.add(cancel);
      res.on('close', gone);
    });

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    // Socket.IO and SockJS answer their own paths (they wrap this listener).
    if (url.pathname.startsWith('/socket.io/') || url.pathname.startsWith(`${SOCKJS_PREFIX}/`)) return;
    hitCounts.set(url.pathname, (hitCounts.get(url.pathname) ?? 0) + 1);
    try {
      const bundle = CLIENT_BUNDLES[url.pathname];
      if (bundle) {
        res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
        return res.end(await readFile(bundle));
      }
      const handler = routes.get(url.pathname);
      if (handler) return await handler(req, res, url);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } catch (err) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    }
  });

  // Socket.IO: pings every second so a polling GET cycles about once a second
  // (the default 25 s would make a test wait minutes for three cycles).
  const io = new SocketIoServer(server, { pingInterval: SOCKET_IO_PING_MS, pingTimeout: 5000 });
  io.on('connection', (socket) => {
    socket.on('chat', (text: unknown) => socket.emit('echo', text));
  });

  // SockJS echo, heartbeat every second for the same reason.
  const echo = sockjs.createServer({
    prefix: SOCKJS_PREFIX,
    heartbeat_delay: SOCKJS_HEARTBEAT_MS,
    log: () => {},
  });
  echo.on('connection', (conn) => {
    if (!conn) return;
    conn.on('data', (message: string) => conn.write(message));
  });
  echo.installHandlers(server);

  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://${host}:${port}`,
    route: (path, handler) => void routes.set(path, handler),
    page(path, html) {
      routes.set(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(html);
      });
    },
    hits: (path) => hitCounts.get(path) ?? 0,
    hold,
    async close() {
      closing = true;
      for (const cancel of [...pending]) cancel();
      await io.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
