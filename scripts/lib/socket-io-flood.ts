// A real socket.io server on loopback that floods one connected client:
// mostly server events (`42["tick",{...}]`), and the client's acknowledged
// `ping` emits answered by the server (`42N["ping",…]` / `43N[…]`), so the
// conversation holds thousands of request ↔ answer pairs. Used by the
// decoding benchmark, for a page in Chromium and for a client in Node.

import { createServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server } from 'socket.io';
import { type WebSocket, WebSocketServer } from 'ws';

/** The client emits a `ping` with an ack after every this many ticks. */
export const PING_EVERY = 8;

/** Frames on the wire in one flood: ticks, and a ping and its ack for every PING_EVERY ticks. */
export interface FloodPlan {
  frames: number;
  ticks: number;
  pings: number;
}

/** The plan for about `frames` frames (rounded down to a multiple of 10, so ticks divide evenly into pings). */
export function floodPlan(frames: number): FloodPlan {
  const ticks = Math.floor(frames / 10) * 8;
  const pings = ticks / PING_EVERY;
  return { frames: ticks + 2 * pings, ticks, pings };
}

/** Ticks emitted before the server yields to its event loop (answers pings, writes out). */
const BURST = 500;

/** Milliseconds since the epoch, with sub-millisecond precision (comparable with a page's timeOrigin + now on this machine). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A WebSocket frame as the page saw it, recorded at the server. */
export interface RecordedFrame {
  /** 'receive' the page received it (the server sent it); 'send' the page sent it. */
  direction: 'send' | 'receive';
  text: string;
  time: number;
}

export interface FloodResult {
  /** When the server sent the first tick (epoch ms). */
  firstFrameAt: number;
  /** When the server sent the last ack (epoch ms). */
  lastFrameAt: number;
}

export interface SocketIoFloodServer {
  /** http://127.0.0.1:port */
  origin: string;
  /** Resolves once a client has connected (the one a flood goes to). */
  connected(): Promise<void>;
  /** Floods the connected client; resolves once the last ping was answered. */
  flood(plan: FloodPlan): Promise<FloodResult>;
  close(): Promise<void>;
}

export interface FloodServerOptions {
  /** Pages served at their path (the socket.io client is served at /socket.io/socket.io.min.js). */
  pages?: Record<string, string>;
  /** Records every WebSocket frame here. */
  record?: RecordedFrame[];
}

/** A `ws` server class for socket.io's wsEngine that records every connection's frames. */
function recordingWsServer(log: RecordedFrame[]) {
  return class RecordingWebSocketServer extends WebSocketServer {
    override handleUpgrade(
      request: IncomingMessage,
      socket: Duplex,
      head: Buffer,
      callback: (client: WebSocket, request: IncomingMessage) => void,
    ): void {
      super.handleUpgrade(request, socket, head, (client, req) => {
        client.on('message', (data) => {
          log.push({ direction: 'send', text: String(data), time: epochNow() });
        });
        const send = client.send.bind(client) as (...args: unknown[]) => void;
        (client as unknown as { send: (...args: unknown[]) => void }).send = (...args: unknown[]) => {
          log.push({ direction: 'receive', text: String(args[0]), time: epochNow() });
          send(...args);
        };
        callback(client, req);
      });
    }
  };
}

export async function startSocketIoFlood(options: FloodServerOptions = {}): Promise<SocketIoFloodServer> {
  const pages = options.pages ?? {};
  const http: HttpServer = createServer((req, res) => {
    const page = pages[new URL(req.url ?? '/', 'http://bench').pathname];
    // socket.io takes its own paths (the client script, the socket) before this handler.
    if (page === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page);
  });
  const io = new Server(http, {
    transports: ['websocket'],
    // No heartbeat inside a flood: every frame on the wire is one the plan counts.
    pingInterval: 600_000,
    pingTimeout: 600_000,
    ...(options.record ? { wsEngine: recordingWsServer(options.record) } : {}),
  });
  let onConnect: (() => void) | null = null;
  let client: import('socket.io').Socket | null = null;
  let answered = 0;
  let onAnswered: (() => void) | null = null;
  io.on('connection', (socket) => {
    client = socket;
    socket.on('ping', (data: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      ack({ ok: true, seq: (data as { seq?: number } | null)?.seq ?? null });
      answered++;
      onAnswered?.();
    });
    onConnect?.();
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    origin: `http://127.0.0.1:${port}`,
    connected: () =>
      client
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            onConnect = resolve;
          }),
    async flood(plan) {
      const socket = client;
      if (!socket) throw new Error('no client connected');
      answered = 0;
      const allAnswered = new Promise<number>((resolve) => {
        onAnswered = () => {
          if (answered === plan.pings) resolve(epochNow());
        };
      });
      const firstFrameAt = epochNow();
      for (let seq = 0; seq < plan.ticks; seq++) {
        socket.emit('tick', { seq, price: Math.round(seq * 1.01 * 100) / 100, sym: 'WSC' });
        if ((seq + 1) % BURST === 0) await new Promise((r) => setImmediate(r));
      }
      const lastFrameAt = await allAnswered;
      onAnswered = null;
      return { firstFrameAt, lastFrameAt };
    },
    async close() {
      io.disconnectSockets(true);
      await io.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/**
 * The page: connects with the served socket.io client (WebSocket only),
 * counts every frame of the flood (ticks received, pings sent, acks
 * received), emits an acknowledged ping every PING_EVERY ticks, and keeps in
 * `window.flood` when it had seen each tenth of the plan's frames (epoch ms).
 */
export function floodPage(plan: FloodPlan): string {
  return `<!doctype html><title>Socket.IO flood</title>
<script src="/socket.io/socket.io.min.js"></script>
<script>
const plan = ${JSON.stringify(plan)};
const step = plan.frames / 10;
const flood = { connected: false, ticks: 0, pings: 0, acks: 0, frames: 0, marks: [] };
window.flood = flood;
const now = () => performance.timeOrigin + performance.now();
const counted = () => {
  flood.frames++;
  if (flood.frames % step === 0) flood.marks.push(now());
};
const socket = io({ transports: ['websocket'] });
socket.on('connect', () => { flood.connected = true; });
socket.on('tick', (tick) => {
  flood.ticks++;
  counted();
  if (flood.ticks % ${PING_EVERY} === 0) {
    flood.pings++;
    counted();
    socket.emit('ping', { seq: tick.seq }, () => { flood.acks++; counted(); });
  }
});
</script>`;
}
