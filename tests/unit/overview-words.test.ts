import { describe, expect, it } from 'vitest';
import {
  counted,
  describeEvents,
  describeRequests,
  formatClockRange,
} from '../../lib/timeline/overview-words';

const at = (h: number, m: number, s: number, ms = 0) => new Date(2026, 11, 5, h, m, s, ms).getTime();

describe('overview words', () => {
  it('counts in words', () => {
    expect(counted(0, 'message')).toBe('0 messages');
    expect(counted(1, 'message')).toBe('1 message');
    expect(counted(12345, 'event')).toBe('12,345 events');
    expect(counted(2, 'request', 'requests')).toBe('2 requests');
  });

  it('writes a span of clock times, cutting what the ends share within a second', () => {
    expect(formatClockRange(at(14, 3, 5, 120), at(14, 3, 5, 366))).toBe('14:03:05.120–.366');
    expect(formatClockRange(at(14, 3, 5, 120), at(14, 3, 7, 5))).toBe('14:03:05.120–14:03:07.005');
    expect(formatClockRange(at(14, 3, 5, 120), at(14, 3, 5, 120))).toBe('14:03:05.120');
  });

  it('tells the events under the pointer as messages where they are', () => {
    const first = at(14, 3, 5, 120);
    const last = at(14, 3, 5, 366);
    expect(describeEvents({ events: 2, messages: 2, first, last })).toBe('2 messages, 14:03:05.120–.366');
    expect(describeEvents({ events: 1, messages: 1, first, last: first })).toBe('1 message, 14:03:05.120');
    expect(describeEvents({ events: 3, messages: 2, first, last })).toBe(
      '2 messages and 1 other event, 14:03:05.120–.366',
    );
    expect(describeEvents({ events: 2, messages: 0, first, last })).toBe('2 events, 14:03:05.120–.366');
    expect(describeEvents({ events: 0, messages: 0, first: Number.NaN, last: Number.NaN })).toBeNull();
  });

  it('tells one request in full, several counted', () => {
    const start = at(14, 3, 5, 120);
    const poll = { url: 'http://127.0.0.1:5178/poll?since=4', method: 'GET', startedAt: start };
    expect(describeRequests([])).toBeNull();
    expect(describeRequests([{ ...poll, endedAt: start + 246 }])).toBe(
      '1 request to /poll, 14:03:05.120–.366 (246 ms)',
    );
    expect(describeRequests([{ ...poll, endedAt: null }])).toBe(
      '1 request to /poll, held since 14:03:05.120',
    );
    expect(describeRequests([{ ...poll, method: 'POST', endedAt: start + 2400 }])).toBe(
      '1 POST request to /poll, 14:03:05.120–14:03:07.520 (2.40 s)',
    );
    expect(
      describeRequests([
        { ...poll, endedAt: start + 10 },
        { ...poll, endedAt: null },
        { ...poll, endedAt: null },
      ]),
    ).toBe('3 requests to /poll, 2 still open');
    expect(
      describeRequests([
        { ...poll, endedAt: start + 10 },
        { ...poll, url: 'http://127.0.0.1:5178/api/items', endedAt: start + 20 },
      ]),
    ).toBe('2 requests to 2 URLs');
  });
});
