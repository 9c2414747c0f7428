// Known realtime transports built on HTTP polling, recognised from their URLs:
// - Engine.IO / Socket.IO polling: `?EIO=4&transport=polling&t=...&sid=...`;
//   GETs are the long-poll, POSTs on the same sid are the client's sends, and
//   a WebSocket with `transport=websocket&sid=<same>` is the upgrade.
// - SockJS: `<base>/<server>/<session>/xhr` (xhr-polling: POST long-polls),
//   `.../xhr_streaming` (one POST held open and streamed), `.../xhr_send`
//   (the client's sends). sockjs-client first GETs `<base>/info`.

import type { ParsedUrl } from './params';

export type TransportLabel = 'engine.io' | 'sockjs-xhr-polling' | 'sockjs-xhr-streaming';

export interface KnownTransport {
  label: TransportLabel | null;
  /** 'poll': requests that wait for server data; 'send': the client's messages. */
  role: 'poll' | 'send';
  /** Identity of the session (same for its polls, sends and upgrade), or null. */
  session: string | null;
}

const SOCKJS_PATH = /^(.*)\/([^/.]+)\/([^/.]+)\/(xhr|xhr_send|xhr_streaming)$/;

function param(u: ParsedUrl, name: string): string | null {
  for (const [n, v] of u.params) if (n === name) return v;
  return null;
}

/** Maps ws:/wss: origins to the http:/https: origin the polling transport used. */
export function httpOrigin(origin: string): string {
  if (origin.startsWith('ws:')) return `http:${origin.slice(3)}`;
  if (origin.startsWith('wss:')) return `https:${origin.slice(4)}`;
  return origin;
}

export function engineIoSession(docId: string, u: ParsedUrl): string | null {
  const sid = param(u, 'sid');
  if (param(u, 'EIO') === null || sid === null || sid === '') return null;
  return `eio|${docId}|${httpOrigin(u.origin)}|${u.path}|${sid}`;
}

/** The Engine.IO session a WebSocket upgrades, or null if it is no Engine.IO upgrade. */
export function engineIoUpgradeSession(docId: string, u: ParsedUrl): string | null {
  return param(u, 'transport') === 'websocket' ? engineIoSession(docId, u) : null;
}

/** Base path of a SockJS `/info` request, or null. */
export function sockjsInfoBase(docId: string, method: string, u: ParsedUrl): string | null {
  if (method !== 'GET' || !u.path.endsWith('/info')) return null;
  return `${docId}|${u.origin}|${u.path.slice(0, -'/info'.length)}`;
}

export interface SockjsPath {
  base: string;
  session: string;
  kind: 'xhr' | 'xhr_send' | 'xhr_streaming';
}

export function sockjsPath(docId: string, method: string, u: ParsedUrl): SockjsPath | null {
  if (method !== 'POST') return null;
  const m = SOCKJS_PATH.exec(u.path);
  if (!m) return null;
  const [, base = '', server = '', session = '', kind = 'xhr'] = m;
  return {
    base: `${docId}|${u.origin}|${base}`,
    session: `sockjs|${docId}|${u.origin}|${base}/${server}/${session}`,
    kind: kind as SockjsPath['kind'],
  };
}

/** What a request is for, judged from its URL alone. */
export function classifyRequest(docId: string, method: string, u: ParsedUrl): KnownTransport {
  if (param(u, 'EIO') !== null && param(u, 'transport') === 'polling') {
    const session = engineIoSession(docId, u);
    if (method === 'POST') return { label: 'engine.io', role: 'send', session };
    return { label: 'engine.io', role: 'poll', session };
  }
  const sj = sockjsPath(docId, method, u);
  if (sj) {
    if (sj.kind === 'xhr_send') return { label: null, role: 'send', session: sj.session };
    const label = sj.kind === 'xhr' ? 'sockjs-xhr-polling' : 'sockjs-xhr-streaming';
    return { label, role: 'poll', session: sj.session };
  }
  return { label: null, role: 'poll', session: null };
}
