import { describe, expect, it } from 'vitest';
import type { TimelineExport } from '../../lib/export/timeline';
import { formatSummary, isTimelineExport, summarize } from '../../scripts/demo/summary';
import { hasFlag, optionValue, parsePort } from '../../scripts/lib/args';

function timeline(overrides: Partial<TimelineExport> = {}): TimelineExport {
  const conn = (id: string, transport: 'websocket' | 'xhr' | 'fetch' | 'eventsource', url: string) => ({
    id,
    transport,
    url,
    frameUrl: 'http://127.0.0.1:5178/',
    startedAt: 1,
    endedAt: null,
    status: null,
    protocol: null,
  });
  return {
    format: 'wirescope-timeline',
    version: 1,
    exportedAt: '2026-11-24T12:00:00.000Z',
    source: { tool: 'wirescope', toolVersion: '0.1.0', userAgent: 'test' },
    page: { url: 'http://127.0.0.1:5178/', title: '' },
    connections: [
      conn('c1', 'websocket', 'ws://127.0.0.1:5178/chat'),
      conn('c2', 'xhr', 'http://127.0.0.1:5178/socket.io/?EIO=4&transport=polling&t=a'),
      conn('c3', 'xhr', 'http://127.0.0.1:5178/socket.io/?EIO=4&transport=polling&t=b&sid=x'),
      conn('c4', 'websocket', 'ws://127.0.0.1:5178/socket.io/?EIO=4&transport=websocket&sid=x'),
      conn('c5', 'eventsource', 'http://127.0.0.1:5178/events'),
    ],
    events: [
      { seq: 1, time: 1, connectionId: 'c1', type: 'open' },
      { seq: 2, time: 2, connectionId: 'c1', type: 'send', data: { text: 'hi' }, size: 2, truncated: false },
      {
        seq: 3,
        time: 3,
        connectionId: 'c1',
        type: 'receive',
        data: { base64: 'AAEC' },
        size: 3,
        truncated: false,
      },
      { seq: 4, time: 4, connectionId: 'c5', type: 'error', reason: 'reconnecting' },
    ],
    patterns: [],
    ...overrides,
  };
}

describe('demo summary', () => {
  it('counts connections per transport, messages, binary messages and the Socket.IO upgrade', () => {
    const s = summarize(timeline());
    expect(s.connectionsByTransport).toEqual({ websocket: 2, xhr: 2, eventsource: 1 });
    expect(s.connections).toBe(5);
    expect(s.events).toBe(4);
    expect(s.messages).toBe(2);
    expect(s.binaryMessages).toBe(1);
    expect(s.socketIo).toEqual({ pollingRequests: 2, websockets: 1 });
    const lines = formatSummary(s);
    expect(lines[0]).toBe('Connections: 5 (eventsource 1, websocket 2, xhr 2)');
    expect(lines).toContain('Socket.IO: 2 polling requests, 1 WebSocket (upgraded)');
    expect(lines).toContain('Patterns found: none');
  });

  it('lists patterns, flagging storms', () => {
    const s = summarize(
      timeline({
        patterns: [
          {
            id: 'p1',
            kind: 'long-poll',
            method: 'GET',
            url: 'http://localhost:5178/api/storm',
            connectionIds: ['c2'],
            cycles: 40,
            medianHoldMs: 500,
            medianGapMs: 0,
            storm: { startedAt: 5, peakConcurrency: 27 },
          },
        ],
      }),
    );
    expect(formatSummary(s)).toContain(
      '  - long-poll (STORM): GET http://localhost:5178/api/storm, 40 cycles',
    );
  });

  it('recognises only wirescope-timeline v1 exports', () => {
    expect(isTimelineExport(timeline())).toBe(true);
    expect(isTimelineExport(null)).toBe(false);
    expect(isTimelineExport('wirescope-timeline')).toBe(false);
    expect(isTimelineExport({ ...timeline(), version: 2 })).toBe(false);
    expect(isTimelineExport({ ...timeline(), format: 'har' })).toBe(false);
    expect(isTimelineExport({ ...timeline(), events: {} })).toBe(false);
  });
});

describe('script options', () => {
  it('reads --name value and --name=value', () => {
    expect(optionValue(['--port', '80'], 'port')).toBe('80');
    expect(optionValue(['--port=81'], 'port')).toBe('81');
    expect(optionValue(['--portx', '1'], 'port')).toBeUndefined();
    expect(hasFlag(['--storm'], 'storm')).toBe(true);
    expect(hasFlag(['--stormy'], 'storm')).toBe(false);
  });

  it('accepts ports 0–65535 only', () => {
    expect(parsePort(undefined, 5178)).toBe(5178);
    expect(parsePort('', 5178)).toBe(5178);
    expect(parsePort('0', 5178)).toBe(0);
    expect(parsePort('8080', 5178)).toBe(8080);
    expect(() => parsePort('65536', 5178)).toThrow('not a port number');
    expect(() => parsePort('-1', 5178)).toThrow('not a port number');
    expect(() => parsePort('80abc', 5178)).toThrow('not a port number');
  });
});
