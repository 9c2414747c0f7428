// The part of sockjs-client the decoder tests use (the package ships no types):
// a WebSocket-like object over SockJS transports.
declare module 'sockjs-client' {
  interface SockJSOptions {
    transports?: string | string[];
  }
  const SockJS: new (url: string, reserved?: null, options?: SockJSOptions) => WebSocket;
  export default SockJS;
}
