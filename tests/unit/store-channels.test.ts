import { describe, expect, it } from 'vitest';
import { buildEntries, type ChannelPattern, OTHER_ENTRY_ID } from '../../lib/timeline/channels';
import { storeWith } from './filter-fixtures';

describe('buildEntries', () => {
  const store = storeWith(
    [
      { transport: 'websocket', url: 'wss://chat.test/socket' },
      { transport: 'xhr', url: 'http://app.test/poll?t=1', method: 'GET' },
      { transport: 'xhr', url: 'http://app.test/poll?t=2', method: 'GET' },
      { transport: 'eventsource', url: 'http://app.test/feed' },
      { transport: 'fetch', url: 'http://app.test/api/users', method: 'POST' },
    ],
    [
      { conn: 1, type: 'send', text: 'hi' },
      { conn: 1, type: 'receive', text: 'hello' },
      { conn: 2, type: 'receive', text: '[]' },
      { conn: 2, type: 'close' },
      { conn: 3, type: 'open' },
      { conn: 5, type: 'receive', text: '{}' },
      { conn: 5, type: 'close' },
    ],
  );
  const numberOf = (c: (typeof store.connections)[0]) => store.numberOf(c);

  it('lists sockets and streams, then other requests, with counts', () => {
    const entries = buildEntries(store.connections, [], numberOf);
    expect(entries.map((e) => [e.kind, e.title])).toEqual([
      ['connection', '/socket'],
      ['connection', '/feed'],
      ['other', 'Other requests'],
    ]);
    expect(entries[0]).toMatchObject({ messages: 2, bytes: 7, state: 'connecting', number: 1 });
    const other = entries[2];
    expect(other?.id).toBe(OTHER_ENTRY_ID);
    expect(other?.connectionKeys).toHaveLength(3);
    expect(other?.state).toBe('3 requests, 1 pending');
  });

  it('groups a pattern’s requests into a channel listed first', () => {
    const pattern: ChannelPattern = {
      id: 'p1',
      kind: 'long-poll',
      method: 'GET',
      url: 'http://app.test/poll',
      connectionKeys: ['d1:2', 'd1:3'],
      cycles: 2,
      medianHoldMs: 1500,
      medianGapMs: 3,
      storm: { peakConcurrency: 4, startedAt: 2000 },
      transport: 'engine.io',
    };
    const entries = buildEntries(store.connections, [pattern], numberOf);
    expect(entries[0]).toMatchObject({ kind: 'channel', state: 'storm', messages: 1, transport: 'xhr' });
    expect(entries[0]?.title).toBe('Engine.IO polling GET /poll');
    expect(entries[0]?.connectionKeys).toEqual(['d1:2', 'd1:3']);
    expect(entries.find((e) => e.kind === 'other')?.connectionKeys).toEqual(['d1:5']);
  });

  it('shows no live state for an imported view: what was open at export is pending at export', () => {
    const held: ChannelPattern = {
      id: 'p2',
      kind: 'long-poll',
      method: 'GET',
      url: 'http://app.test/poll',
      connectionKeys: ['d1:2', 'd1:3'],
      cycles: 2,
      medianHoldMs: 1500,
      medianGapMs: 3,
      state: 'held',
      inFlight: 1,
    };
    const live = buildEntries(store.connections, [held], numberOf);
    expect(live.map((e) => [e.state, e.tone])).toEqual([
      ['held', 'live'],
      ['connecting', 'live'],
      ['connecting', 'live'],
      ['1 request', 'ended'],
    ]);
    const imported = buildEntries(store.connections, [held], numberOf, { imported: true });
    expect(imported.map((e) => [e.state, e.tone])).toEqual([
      ['pending at export', 'at-export'],
      ['pending at export', 'at-export'],
      ['pending at export', 'at-export'],
      ['1 request', 'ended'],
    ]);
    const idle = buildEntries(store.connections, [{ ...held, state: 'waiting', inFlight: 0 }], numberOf, {
      imported: true,
    });
    expect(idle[0]).toMatchObject({ state: '', tone: 'ended' });
    const noChannel = buildEntries(store.connections, [], numberOf, { imported: true });
    expect(noChannel.at(-1)).toMatchObject({ state: '3 requests, 1 pending at export', tone: 'at-export' });
  });
});
