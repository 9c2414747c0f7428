// Records what crosses the wire between real client and server libraries on
// loopback, from the page's side: WebSocket messages (via a `ws` server the
// protocol server is given) and HTTP request / response bodies (via a
// listener ahead of the server's own), in the order they happened.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Direction, Frame } from '../../lib/decode/types';

export interface WireRecord {
  channel: 'websocket' | 'http';
  /** Request path and query. */
  url: string;
  /** Which WebSocket connection (numbered in opening order); HTTP records have none. */
  connection?: number;
  method?: string;
  direction: Direction;
  frame: Frame;
}

function toFrame(data: unknown, binary: boolean): Frame {
  const bytes =
    typeof data === 'string'
      ? null
      : Array.isArray(data)
        ? new Uint8Array(Buffer.concat((data as Array<Buffer | string>).map((c) => Buffer.from(c))))
        : new Uint8Array(data as ArrayBuffer | Buffer);
  if (bytes === null) return { text: data as string };
  return binary ? { bytes } : { text: Buffer.from(bytes).toString('utf8') };
}

/** Starts recording a ws socket: what it receives was sent by the page; what it sends, the page received. */
let connections = 0;

export function recordSocket(socket: WebSocket, url: string, log: WireRecord[]): void {
  const connection = ++connections;
  socket.on('message', (data, isBinary) => {
    log.push({ channel: 'websocket', url, connection, direction: 'send', frame: toFrame(data, isBinary) });
  });
  const send = socket.send.bind(socket) as (...args: unknown[]) => void;
  (socket as unknown as { send: (...args: unknown[]) => void }).send = (...args: unknown[]) => {
    const [data, options] = args;
    const binary =
      typeof data !== 'string' &&
      !(options && typeof options === 'object' && (options as { binary?: boolean }).binary === false);
    log.push({ channel: 'websocket', url, connection, direction: 'receive', frame: toFrame(data, binary) });
    send(...args);
  };
}

/** A `ws` server class (for socket.io's `wsEngine`) that records every connection's messages. */
export function recordingWsServer(log: WireRecord[]) {
  return class RecordingWebSocketServer extends WebSocketServer {
    override handleUpgrade(
      request: IncomingMessage,
      socket: Duplex,
      head: Buffer,
      callback: (client: WebSocket, request: IncomingMessage) => void,
    ): void {
      super.handleUpgrade(request, socket, head, (client, req) => {
        recordSocket(client, request.url ?? '', log);
        callback(client, req);
      });
    }
  };
}

/** Records HTTP request and response bodies; call after the protocol server attached its listener. */
export function recordHttp(server: Server, log: WireRecord[]): void {
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    const method = req.method;
    // Reading a GET would end it early (and close a long-poll): only POST bodies are read.
    if (method === 'POST') {
      const requestChunks: Array<Buffer | string> = [];
      req.on('data', (chunk: Buffer | string) => requestChunks.push(chunk));
      req.on('end', () => {
        if (requestChunks.length === 0) return;
        log.push({ channel: 'http', url, method, direction: 'send', frame: toFrame(requestChunks, false) });
      });
    }
    const responseChunks: Buffer[] = [];
    const keep = (chunk: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      responseChunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    (res as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => {
      keep(args[0]);
      return write(...args);
    };
    let logged = false;
    const logResponse = () => {
      if (logged || responseChunks.length === 0) return;
      logged = true;
      log.push({ channel: 'http', url, method, direction: 'receive', frame: toFrame(responseChunks, false) });
    };
    (res as unknown as { end: (...args: unknown[]) => ServerResponse }).end = (...args: unknown[]) => {
      keep(args[0]);
      logResponse();
      return end(...args);
    };
    // A streamed response the client aborted is recorded as far as it went.
    res.on('close', logResponse);
  });
}

/** Waits until `check` holds (polling every few ms), or fails after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting for the recording');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
