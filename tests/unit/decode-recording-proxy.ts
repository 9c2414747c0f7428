// A loopback proxy that records what a real client and server exchange when
// the server's WebSocket side is not `ws` (sockjs uses faye-websocket): HTTP
// requests are forwarded as they are (bodies recorded by recordHttp), and
// WebSocket upgrades are relayed message by message through `ws`, recorded.

import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { recordHttp, type WireRecord } from './decode-wire-recorder';

/** Starts a proxy in front of `target` (http://127.0.0.1:port); returns its base URL and a stop function. */
export async function startRecordingProxy(
  target: string,
  log: WireRecord[],
): Promise<{ url: string; stop: () => Promise<void> }> {
  const targetUrl = new URL(target);
  let connections = 0;
  const server = createServer((req, res) => {
    const upstream = httpRequest(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  recordHttp(server, log);
  const relay = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    relay.handleUpgrade(req, socket, head, (page) => {
      const connection = ++connections;
      const url = req.url ?? '';
      const upstream = new WebSocket(`ws://${targetUrl.host}${url}`);
      sockets.add(page).add(upstream);
      const pending: Array<{ data: Buffer; isBinary: boolean }> = [];
      page.on('message', (data, isBinary) => {
        const bytes = Buffer.from(data as Buffer);
        log.push({
          channel: 'websocket',
          url,
          connection,
          direction: 'send',
          frame: isBinary ? { bytes: new Uint8Array(bytes) } : { text: bytes.toString('utf8') },
        });
        if (upstream.readyState === WebSocket.OPEN) upstream.send(bytes, { binary: isBinary });
        else pending.push({ data: bytes, isBinary });
      });
      upstream.on('open', () => {
        for (const { data, isBinary } of pending.splice(0)) upstream.send(data, { binary: isBinary });
      });
      upstream.on('message', (data, isBinary) => {
        const bytes = Buffer.from(data as Buffer);
        log.push({
          channel: 'websocket',
          url,
          connection,
          direction: 'receive',
          frame: isBinary ? { bytes: new Uint8Array(bytes) } : { text: bytes.toString('utf8') },
        });
        page.send(bytes, { binary: isBinary });
      });
      upstream.on('close', () => page.close());
      upstream.on('error', () => page.close());
      page.on('close', () => upstream.close());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
