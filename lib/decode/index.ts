// Every protocol decoder the panel knows, in the order detection breaks ties
// (the more specific first: Socket.IO before the Engine.IO it rides on,
// SockJS and STOMP before plain JSON-RPC, the binary formats last).

import { cborDecoder, msgpackDecoder } from './binary-formats';
import { engineIoDecoder } from './engine-io';
import { graphqlWsDecoder, subscriptionsTransportWsDecoder } from './graphql-ws';
import { jsonRpcDecoder } from './json-rpc';
import { mqttDecoder } from './mqtt';
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
  jsonRpcDecoder,
  msgpackDecoder,
  cborDecoder,
];

export { DETECT_THRESHOLD, detectProtocol, safeSession } from './registry';
export type * from './types';
