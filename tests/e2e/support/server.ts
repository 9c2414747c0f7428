// A loopback HTTP + WebSocket server for one test file: serves the test pages
// and lets each test add routes. Started and stopped inside the test run.

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type WebSocket, WebSocketServer } from 'ws';

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;
export type SocketRoute = (ws: WebSocket, req: IncomingMessage, url: URL) => void;

export interface TestServer {
  origin: string;
  port: number;
  route(path: string, handler: Route): void;
  socket(path: string, handler: SocketRoute): void;
  /** Serves an HTML string at path (with optional extra headers, e.g. CSP). */
  page(path: string, html: string, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

/** The whole request body, as bytes. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

const PAGES_DIR = join(import.meta.dirname, '..', 'pages');

export interface ServerOptions {
  /** Largest request head accepted, in bytes (Node's default is 16 KiB): raise it for very long URLs. */
  maxHeaderSize?: number;
}

export async function startServer(host = '127.0.0.1', options: ServerOptions = {}): Promise<TestServer> {
  const routes = new Map<string, Route>();
  const sockets = new Map<string, SocketRoute>();
  const serverOptions = options.maxHeaderSize !== undefined ? { maxHeaderSize: options.maxHeaderSize } : {};
  const server: Server = createServer(serverOptions, async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const handler = routes.get(url.pathname);
    try {
      if (handler) return await handler(req, res, url);
      if (url.pathname.startsWith('/pages/')) {
        const name = url.pathname.slice('/pages/'.length).replace(/[^\w.-]/g, '');
        const body = await readFile(join(PAGES_DIR, name));
        const type = name.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8';
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
        return res.end(body);
      }
      res.writeHead(404).end('not found');
    } catch (err) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    }
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const handler = sockets.get(url.pathname);
    if (!handler) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => handler(ws, req, url));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    port,
    route: (path, handler) => routes.set(path, handler),
    socket: (path, handler) => sockets.set(path, handler),
    page(path, html, headers = {}) {
      routes.set(path, (_req, res) => {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          ...headers,
        });
        res.end(html);
      });
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
