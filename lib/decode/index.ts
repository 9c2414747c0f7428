// Every protocol decoder the panel knows, in the order detection breaks ties
// (the more specific first: Socket.IO before the Engine.IO it rides on,
// SockJS and STOMP before plain JSON-RPC, the binary formats last, and
// schemaless protobuf, the least certain of them, after all the others).

import { actionCableDecoder } from './actioncable';
import { cborDecoder, msgpackDecoder } from './binary-formats';
import { engineIoDecoder } from './engine-io';
import { graphqlSseDecoder } from './graphql-sse';
import { graphqlWsDecoder, subscriptionsTransportWsDecoder } from './graphql-ws';
import { jsonRpcDecoder } from './json-rpc';
import { mqttDecoder } from './mqtt';
import { phoenixDecoder } from './phoenix';
import { protobufDecoder } from './protobuf';
import { signalRDecoder } from './signalr';
import { socketIoDecoder } from './socket-io';
import { sockJsDecoder } from './sockjs';
import { stompDecoder } from './stomp';
import type { Decoder } from './types';

export const DECODERS: readonly Decoder[] = [
  socketIoDecoder,
  engineIoDecoder,
  sockJsDecoder,
  stompDecoder,
  graphqlWsDecoder,
  subscriptionsTransportWsDecoder,
  mqttDecoder,
  signalRDecoder,
  phoenixDecoder,
  actionCableDecoder,
  graphqlSseDecoder,
  jsonRpcDecoder,
  msgpackDecoder,
  cborDecoder,
  protobufDecoder,
];

export { DETECT_THRESHOLD, detectProtocol, safeSession } from './registry';
export type * from './types';
