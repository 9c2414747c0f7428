// A loopback WebSocket server that records every frame as it crosses the
// wire, from the page's side: what the client sends is 'send', what the
// server sends is 'receive'. Real protocol servers attach to its sockets.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Direction, Frame } from '../../lib/decode/types';

export interface RecordedFrame {
  direction: Direction;
  frame: Frame;
}

export interface FrameRecorder {
  url: string;
  wss: WebSocketServer;
  frames: RecordedFrame[];
  close(): Promise<void>;
}

function toFrame(data: unknown, isBinary: boolean): Frame {
  const bytes =
    data instanceof Uint8Array
      ? new Uint8Array(data)
      : Array.isArray(data)
        ? new Uint8Array(Buffer.concat(data as Buffer[]))
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : new TextEncoder().encode(String(data));
  return isBinary ? { bytes } : { text: new TextDecoder().decode(bytes) };
}

/** Starts the server; `attach` runs for each connection after recording is in place. */
export async function startFrameRecorder(
  attach: (socket: WebSocket) => void,
  options: { handleProtocols?: (protocols: Set<string>) => string | false } = {},
): Promise<FrameRecorder> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  await once(wss, 'listening');
  const frames: RecordedFrame[] = [];
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) =>
      frames.push({ direction: 'send', frame: toFrame(data, isBinary) }),
    );
    const send = socket.send.bind(socket);
    socket.send = ((data: unknown, ...rest: unknown[]) => {
      const options = rest[0];
      const binary =
        typeof options === 'object' && options !== null && 'binary' in options
          ? Boolean(options.binary)
          : typeof data !== 'string';
      frames.push({ direction: 'receive', frame: toFrame(data, binary) });
      return (send as (...args: unknown[]) => void)(data, ...rest);
    }) as typeof socket.send;
    attach(socket);
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    wss,
    frames,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
