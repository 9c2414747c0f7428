// The part of the phoenix client the decoder tests use (the package ships no types).
declare module 'phoenix' {
  type Callback = (response: unknown) => void;
  interface Push {
    receive(status: string, callback: Callback): Push;
  }
  interface Channel {
    join(): Push;
    leave(): Push;
    push(event: string, payload: object | ArrayBuffer): Push;
    on(event: string, callback: Callback): number;
  }
  interface SocketOptions {
    transport?: unknown;
    vsn?: string;
    heartbeatIntervalMs?: number;
    encode?: (message: object, callback: (encoded: string) => void) => void;
    decode?: (raw: string, callback: (message: object) => void) => void;
    reconnectAfterMs?: (tries: number) => number;
  }
  export class Socket {
    constructor(endPoint: string, options?: SocketOptions);
    connect(): void;
    disconnect(callback?: () => void): void;
    channel(topic: string, params?: object): Channel;
    sendHeartbeat(): void;
    onOpen(callback: () => void): void;
  }
}
