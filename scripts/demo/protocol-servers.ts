// Loopback servers for the application protocols Wirescope decodes, each on a
// WebSocket path of one HTTP server: a STOMP broker on /stomp, an MQTT broker
// (aedes) on /mqtt, a GraphQL server (graphql-ws) on /graphql. The owner of the
// HTTP server routes upgrades and requests here; the real browser clients'
// bundles are served from node_modules under /vendor/. Used by the demo and by
// the decoders' end-to-end test.

import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Aedes } from 'aedes';
import { GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { type StompBrokerConnection, stompBrokerConnection } from './stomp-broker';

export const PROTOCOL_PATHS = { stomp: '/stomp', mqtt: '/mqtt', graphql: '/graphql' } as const;

const NODE_MODULES = join(import.meta.dirname, '..', '..', 'node_modules');

/** The browser clients, by the path they are served at. Only these files are served. */
export const CLIENT_BUNDLES: Record<string, string> = {
  '/vendor/stomp.umd.min.js': join(NODE_MODULES, '@stomp', 'stompjs', 'bundles', 'stomp.umd.min.js'),
  '/vendor/mqtt.min.js': join(NODE_MODULES, 'mqtt', 'dist', 'mqtt.min.js'),
  '/vendor/graphql-ws.min.js': join(NODE_MODULES, 'graphql-ws', 'umd', 'graphql-ws.min.js'),
};

export interface ProtocolServers {
  /** Takes an upgrade on one of PROTOCOL_PATHS; false (socket untouched) for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Answers a request for one of CLIENT_BUNDLES; false (response untouched) for any other path. */
  handleRequest(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Sends a MESSAGE to every STOMP client subscribed to `destination`. */
  publishStomp(destination: string, body: string, contentType?: string): void;
  close(): Promise<void>;
}

/**
 * The broker's side of a WebSocket as a stream, one WebSocket message per
 * packet, as MQTT brokers send them: mqtt-packet writes a packet in pieces
 * inside one cork, which arrive here together in `writev` (ws's own
 * createWebSocketStream would send each piece as a message of its own).
 */
function mqttPacketStream(socket: WebSocket): Duplex {
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      socket.send(chunk, { binary: true }, (err) => done(err ?? null));
    },
    writev(chunks, done) {
      const packet = Buffer.concat(chunks.map((c) => c.chunk as Buffer));
      socket.send(packet, { binary: true }, (err) => done(err ?? null));
    },
    final(done) {
      socket.close();
      done();
    },
    destroy(err, done) {
      socket.terminate();
      done(err);
    },
  });
  socket.on('message', (data: Buffer) => stream.push(data));
  socket.on('close', () => stream.push(null));
  socket.on('error', (err) => stream.destroy(err));
  return stream;
}

/** The GraphQL schema: a `hello` query, an `echo` mutation and a `ticks` subscription. */
function graphqlSchema(stopped: AbortSignal): GraphQLSchema {
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        hello: {
          type: GraphQLString,
          args: { name: { type: new GraphQLNonNull(GraphQLString) } },
          resolve: (_root, args: { name: string }) => `Hello ${args.name}`,
        },
      },
    }),
    mutation: new GraphQLObjectType({
      name: 'Mutation',
      fields: {
        echo: {
          type: GraphQLString,
          args: { text: { type: new GraphQLNonNull(GraphQLString) } },
          resolve: (_root, args: { text: string }) => args.text,
        },
      },
    }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        ticks: {
          type: GraphQLInt,
          description:
            'Counts 1, 2, 3… every `everyMs`, `count` times (without a count, until unsubscribed).',
          args: { everyMs: { type: GraphQLInt }, count: { type: GraphQLInt } },
          subscribe: async function* (_root, args: { everyMs?: number | null; count?: number | null }) {
            const everyMs = Math.max(10, args.everyMs ?? 1000);
            for (let n = 1; args.count == null || n <= args.count; n++) {
              // Aborted when the servers close, so no timer outlives them.
              await sleep(everyMs, undefined, { signal: stopped });
              yield { ticks: n };
            }
          },
        },
      },
    }),
  });
}

export async function createProtocolServers(): Promise<ProtocolServers> {
  const stopped = new AbortController();

  const stompServer = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => [...offered].find((p) => /^v1[0-2]\.stomp$/.test(p)) ?? false,
  });
  const stompClients = new Set<StompBrokerConnection>();
  stompServer.on('connection', (socket: WebSocket) => {
    const broker = stompBrokerConnection((text) => socket.send(text));
    stompClients.add(broker);
    socket.on('message', (data, isBinary) => {
      broker.receive(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data));
    });
    socket.on('close', () => stompClients.delete(broker));
  });

  const mqttServer = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const mqttBroker = await Aedes.createBroker();
  mqttServer.on('connection', (socket: WebSocket) => {
    mqttBroker.handle(mqttPacketStream(socket) as unknown as Parameters<typeof mqttBroker.handle>[0]);
  });

  const graphqlServer = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const graphql = useServer({ schema: graphqlSchema(stopped.signal) }, graphqlServer);

  const byPath = new Map<string, WebSocketServer>([
    [PROTOCOL_PATHS.stomp, stompServer],
    [PROTOCOL_PATHS.mqtt, mqttServer],
    [PROTOCOL_PATHS.graphql, graphqlServer],
  ]);

  return {
    handleUpgrade(req, socket, head) {
      const wss = byPath.get(new URL(req.url ?? '/', 'http://upgrade.invalid').pathname);
      if (!wss) return false;
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      return true;
    },
    async handleRequest(req, res) {
      const file = CLIENT_BUNDLES[new URL(req.url ?? '/', 'http://request.invalid').pathname];
      if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
    publishStomp(destination, body, contentType) {
      for (const client of stompClients) client.deliver(destination, body, contentType);
    },
    async close() {
      stopped.abort();
      for (const wss of byPath.values()) for (const client of wss.clients) client.terminate();
      await graphql.dispose();
      await Promise.all(
        [...byPath.values()].map((wss) => new Promise<void>((resolve) => wss.close(() => resolve()))),
      );
      await new Promise<void>((resolve) => mqttBroker.close(() => resolve()));
    },
  };
}
