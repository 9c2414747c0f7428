// Requests the page hook cannot see, from DevTools' own network log: fetch,
// XHR, WebSocket and EventSource made inside Web Workers, SharedWorkers and
// Service Workers. Chrome's log names what started each request
// (`_initiator`, with the script stack): everything the page's own windows
// start passes through the hook, so its stack holds a frame of this
// extension's scripts. A realtime request whose stack has frames but none of
// ours came from somewhere the hook does not run. Entries come from a
// DevTools API, so each is checked as untrusted.

import { isRecord } from './validate';

export type OutsideKind = 'fetch' | 'xhr' | 'websocket' | 'eventsource';

export interface OutsideRequest {
  /** Tells one request from another across getHAR and onRequestFinished. */
  key: string;
  kind: OutsideKind;
  method: string;
  url: string;
  /** HTTP status; 0 when none (failed, or a socket still open). */
  status: number;
  /** Epoch ms. */
  startedAt: number;
  durationMs: number;
  /** The script that started it: the worker's, for a worker. */
  startedBy: string;
  /** WebSocket messages DevTools logged, when it says. */
  messages?: number;
}

/** Chrome's resource types of realtime traffic (a Map: no inherited keys such as "constructor"). */
const KINDS: ReadonlyMap<string, OutsideKind> = new Map([
  ['fetch', 'fetch'],
  ['xhr', 'xhr'],
  ['websocket', 'websocket'],
  ['eventsource', 'eventsource'],
]);

/** Nested async stacks DevTools may chain; deeper ones are not followed. */
const MAX_STACK_DEPTH = 32;
const MAX_TEXT = 8192;

/** The script URLs of an initiator's stack, innermost first; null when it has no stack. */
function stackUrls(initiator: unknown): string[] | null {
  if (!isRecord(initiator)) return null;
  const urls: string[] = [];
  let stack: unknown = initiator.stack;
  for (let depth = 0; isRecord(stack) && depth < MAX_STACK_DEPTH; depth++) {
    const frames = stack.callFrames;
    if (Array.isArray(frames))
      for (const frame of frames)
        if (isRecord(frame) && typeof frame.url === 'string' && frame.url !== '') urls.push(frame.url);
    stack = stack.parent;
  }
  return urls.length > 0 ? urls : null;
}

const short = (s: string): string => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) : s);

/**
 * The request an entry of DevTools' network log describes, when it is
 * realtime traffic the hook did not see; null for anything else (a page
 * resource, a request the hook captured, an entry that cannot be read).
 * `ownOrigin` is this extension's URL prefix (e.g. chrome-extension://id/).
 */
export function outsideRequestOf(entry: unknown, ownOrigin: string): OutsideRequest | null {
  if (!isRecord(entry) || typeof entry._resourceType !== 'string') return null;
  const kind = KINDS.get(entry._resourceType);
  if (!kind) return null;
  const urls = stackUrls(entry._initiator);
  // No stack: nothing tells who started it, so it is not claimed for a worker.
  if (!urls || urls.some((u) => u.startsWith(ownOrigin))) return null;
  const { request, response } = entry;
  if (!isRecord(request) || typeof request.url !== 'string' || typeof request.method !== 'string')
    return null;
  const started = typeof entry.startedDateTime === 'string' ? Date.parse(entry.startedDateTime) : Number.NaN;
  if (!Number.isFinite(started)) return null;
  const status = isRecord(response) && typeof response.status === 'number' ? response.status : 0;
  const time = typeof entry.time === 'number' && Number.isFinite(entry.time) ? Math.max(0, entry.time) : 0;
  const out: OutsideRequest = {
    key: `${entry.startedDateTime} ${request.method} ${short(request.url)}`,
    kind,
    method: short(request.method),
    url: short(request.url),
    status: Number.isInteger(status) && status >= 0 && status < 1000 ? status : 0,
    startedAt: started,
    durationMs: time,
    startedBy: short(urls[0] as string),
  };
  if (Array.isArray(entry._webSocketMessages)) out.messages = entry._webSocketMessages.length;
  return out;
}

/** The outside requests of one inspected tab, each once, oldest first, bounded. */
export class OutsideRequestLog {
  private readonly byKey = new Map<string, OutsideRequest>();
  /**
   * Requests not kept because the log was full, by key: DevTools' log is read
   * again every few seconds, and a request must be counted once, not per read.
   * It holds no more than DevTools' own log does.
   */
  private readonly unlistedKeys = new Set<string>();
  /** Epoch ms of the last clear: DevTools' log still holds what started before, and is read again. */
  private since = Number.NEGATIVE_INFINITY;
  /** Bumped whenever the list changed. */
  version = 0;
  /** The sorted list as of `sortedVersion`: the panel asks on every redraw. */
  private sorted: OutsideRequest[] = [];
  private sortedVersion = 0;

  constructor(private readonly max = 1000) {}

  /** Adds what an entry describes, if it is an outside request; says whether the list changed. */
  add(entry: unknown, ownOrigin: string): boolean {
    const req = outsideRequestOf(entry, ownOrigin);
    if (!req || req.startedAt < this.since) return false;
    const known = this.byKey.get(req.key);
    // A socket logged again (getHAR while it was open, then when it finished) keeps the later figures.
    if (known) {
      if (
        known.status === req.status &&
        known.messages === req.messages &&
        known.durationMs === req.durationMs
      )
        return false;
      this.byKey.set(req.key, req);
    } else if (this.byKey.size >= this.max) {
      if (this.unlistedKeys.has(req.key)) return false;
      this.unlistedKeys.add(req.key);
      this.version++;
      return true;
    } else {
      this.byKey.set(req.key, req);
    }
    this.version++;
    return true;
  }

  /**
   * Forgets everything (the page navigated without Preserve log, or the user
   * cleared), and from then on what started before `now`.
   */
  clear(now = Date.now()): void {
    this.since = now;
    if (this.byKey.size === 0 && this.unlistedKeys.size === 0) return;
    this.byKey.clear();
    this.unlistedKeys.clear();
    this.version++;
  }

  /** Requests not kept because the log was full. */
  get unlisted(): number {
    return this.unlistedKeys.size;
  }

  list(): readonly OutsideRequest[] {
    if (this.sortedVersion !== this.version) {
      this.sorted = [...this.byKey.values()].sort((a, b) => a.startedAt - b.startedAt);
      this.sortedVersion = this.version;
    }
    return this.sorted;
  }
}

/** Outside requests to one endpoint: one kind, method, origin and path (the query told apart only inside). */
export interface OutsideGroup {
  /** `kind method origin+path`: tells groups apart. */
  key: string;
  kind: OutsideKind;
  method: string;
  /** Origin and path, without query or fragment (the whole URL when it does not parse). */
  endpoint: string;
  /** The path alone, for a narrow list (the whole URL when it does not parse). */
  path: string;
  /** The group's requests, oldest first. */
  requests: OutsideRequest[];
  /** The request that started last: its status and time stand for the group. */
  latest: OutsideRequest;
  /** WebSocket messages of all its requests, when DevTools said for any. */
  messages?: number;
}

function endpointOf(url: string): { endpoint: string; path: string } {
  try {
    const u = new URL(url);
    // An opaque origin ("null", e.g. data: or blob: URLs) says nothing: the URL without its query does.
    const origin = u.origin === 'null' ? `${u.protocol}` : u.origin;
    return { endpoint: `${origin}${u.pathname}`, path: u.pathname };
  } catch {
    return { endpoint: url, path: url };
  }
}

/**
 * Groups requests by endpoint (a worker's poll makes the same request again
 * and again), in the order each endpoint was first seen, so a group keeps its
 * place as more of its requests arrive. `requests` is oldest first.
 */
export function groupOutsideRequests(requests: readonly OutsideRequest[]): OutsideGroup[] {
  const groups = new Map<string, OutsideGroup>();
  for (const r of requests) {
    const { endpoint, path } = endpointOf(r.url);
    const key = `${r.kind} ${r.method} ${endpoint}`;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, {
        key,
        kind: r.kind,
        method: r.method,
        endpoint,
        path,
        requests: [r],
        latest: r,
        ...(r.messages !== undefined ? { messages: r.messages } : {}),
      });
      continue;
    }
    group.requests.push(r);
    if (r.startedAt >= group.latest.startedAt) group.latest = r;
    if (r.messages !== undefined) group.messages = (group.messages ?? 0) + r.messages;
  }
  return [...groups.values()];
}
