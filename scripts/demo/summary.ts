// The short report `npm start` prints after a headless demo run, computed
// from the exported timeline (wirescope-timeline v1).

import type { TimelineExport } from '../../lib/export/timeline';

export interface DemoSummary {
  connectionsByTransport: Record<string, number>;
  connections: number;
  events: number;
  /** Events that carry a message: send and receive. */
  messages: number;
  binaryMessages: number;
  socketIo: { pollingRequests: number; websockets: number };
  patterns: Array<{ kind: string; method: string; url: string; cycles: number; storm: boolean }>;
}

/** Whether a parsed JSON value looks like a Wirescope timeline export (v1). */
export function isTimelineExport(value: unknown): value is TimelineExport {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  return (
    t.format === 'wirescope-timeline' &&
    t.version === 1 &&
    Array.isArray(t.connections) &&
    Array.isArray(t.events) &&
    Array.isArray(t.patterns)
  );
}

export function summarize(timeline: TimelineExport): DemoSummary {
  const connectionsByTransport: Record<string, number> = {};
  let pollingRequests = 0;
  let websockets = 0;
  for (const c of timeline.connections) {
    connectionsByTransport[c.transport] = (connectionsByTransport[c.transport] ?? 0) + 1;
    if (!c.url.includes('/socket.io/')) continue;
    if (c.transport === 'websocket') websockets += 1;
    else if (/[?&]transport=polling\b/.test(c.url)) pollingRequests += 1;
  }
  let messages = 0;
  let binaryMessages = 0;
  for (const e of timeline.events) {
    if (e.type !== 'send' && e.type !== 'receive') continue;
    messages += 1;
    if (e.data && 'base64' in e.data) binaryMessages += 1;
  }
  return {
    connectionsByTransport,
    connections: timeline.connections.length,
    events: timeline.events.length,
    messages,
    binaryMessages,
    socketIo: { pollingRequests, websockets },
    patterns: timeline.patterns.map((p) => ({
      kind: p.kind,
      method: p.method,
      url: p.url,
      cycles: p.cycles,
      // The storm flag is an optional v1 addition; any truthy "storm" field counts.
      storm: Boolean(p.storm),
    })),
  };
}

export function formatSummary(s: DemoSummary): string[] {
  const transports = Object.entries(s.connectionsByTransport)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([transport, n]) => `${transport} ${n}`)
    .join(', ');
  const lines = [
    `Connections: ${s.connections}${transports ? ` (${transports})` : ''}`,
    `Events: ${s.events}, of which ${s.messages} messages (${s.binaryMessages} binary)`,
    `Socket.IO: ${s.socketIo.pollingRequests} polling requests, ${s.socketIo.websockets} WebSocket${
      s.socketIo.websockets === 1 ? '' : 's'
    }${s.socketIo.pollingRequests > 0 && s.socketIo.websockets > 0 ? ' (upgraded)' : ''}`,
  ];
  if (s.patterns.length === 0) lines.push('Patterns found: none');
  else {
    lines.push(`Patterns found: ${s.patterns.length}`);
    for (const p of s.patterns)
      lines.push(`  - ${p.kind}${p.storm ? ' (STORM)' : ''}: ${p.method} ${p.url}, ${p.cycles} cycles`);
  }
  return lines;
}
