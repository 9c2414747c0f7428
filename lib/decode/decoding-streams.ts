// Which messages are decoded as one conversation. A WebSocket or an
// EventSource is one; but a polling transport spreads one conversation over
// many HTTP exchanges (Engine.IO's `?EIO=4&transport=polling&sid=…`, SockJS's
// `/server/session/xhr` and `/xhr_send`), and a request sent in one exchange
// is answered in another. Those exchanges share a stream key, so their
// messages are decoded in order by one session and paired across exchanges.

import type { Connection } from '../timeline/store';

/** SockJS's per-session HTTP transports: /{prefix}/{server}/{session}/{transport}. */
const SOCKJS_SESSION_PATH =
  /^(.*\/\d{1,3}\/[^/.]+)\/(xhr|xhr_send|xhr_streaming|eventsource|htmlfile|jsonp|jsonp_send)\/?$/;

/** The stream a connection's messages belong to: its own key unless it is one exchange of a polling session. */
export function decodingStreamKey(c: Pick<Connection, 'key' | 'transport' | 'url'>): string {
  if (c.transport !== 'xhr' && c.transport !== 'fetch') return c.key;
  let url: URL;
  try {
    url = new URL(c.url);
  } catch {
    return c.key;
  }
  const sid = url.searchParams.get('sid');
  if (sid && url.searchParams.has('EIO')) return `engine.io ${url.origin}${url.pathname} ${sid}`;
  const sockjs = SOCKJS_SESSION_PATH.exec(url.pathname);
  if (sockjs) return `sockjs ${url.origin}${sockjs[1]}`;
  return c.key;
}

/**
 * Where a connection's decoding choice is remembered: its origin and path
 * (query left out, so a session id or a cache-buster does not make a new one).
 */
export function decodingEndpoint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.split(/[?#]/, 1)[0] ?? url;
  }
}
