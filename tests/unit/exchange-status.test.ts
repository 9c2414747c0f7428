import { describe, expect, it } from 'vitest';
import { exchangeStatus, hasEnded, type StatusInput } from '../../lib/timeline/exchange-status';

const http = (over: Partial<StatusInput>): StatusInput => ({
  transport: 'fetch',
  state: 'open',
  status: null,
  endedAt: null,
  ...over,
});
const socket = (over: Partial<StatusInput>): StatusInput => http({ transport: 'websocket', ...over });
const live = { imported: false };
const imported = { imported: true };

describe('exchangeStatus', () => {
  it('gives a finished exchange its status, toned by class', () => {
    const done = (status: number) => exchangeStatus(http({ state: 'closed', status, endedAt: 5 }), live);
    expect(done(200)).toEqual({ label: '200', tone: 'ok' });
    expect(done(304)).toEqual({ label: '304', tone: 'redirect' });
    expect(done(404)).toEqual({ label: '404', tone: 'client-error' });
    expect(done(503)).toEqual({ label: '503', tone: 'server-error' });
    expect(exchangeStatus(http({ state: 'closed', endedAt: 5 }), live)).toEqual({
      label: 'no status',
      tone: 'ended',
    });
  });

  it('calls a failed exchange failed, live or imported', () => {
    for (const opts of [live, imported])
      expect(exchangeStatus(http({ transport: 'xhr', state: 'error', endedAt: 5 }), opts)).toEqual({
        label: 'failed',
        tone: 'failed',
      });
  });

  it('shows an exchange still in flight as pending live, and as pending at export when imported', () => {
    expect(exchangeStatus(http({}), live)).toEqual({ label: 'pending', tone: 'live' });
    expect(exchangeStatus(http({ status: 200 }), live)).toEqual({ label: '200, pending', tone: 'live' });
    expect(exchangeStatus(http({ state: 'connecting' }), imported)).toEqual({
      label: 'pending at export',
      tone: 'at-export',
    });
    expect(exchangeStatus(http({ status: 200 }), imported)).toEqual({
      label: '200, pending at export',
      tone: 'at-export',
    });
  });

  it('shows a socket open at export as pending at export, never a live word', () => {
    for (const state of ['connecting', 'open'] as const) {
      expect(exchangeStatus(socket({ state }), live)).toEqual({ label: state, tone: 'live' });
      expect(exchangeStatus(socket({ state }), imported)).toEqual({
        label: 'pending at export',
        tone: 'at-export',
      });
    }
    expect(exchangeStatus(socket({ state: 'closed', endedAt: 9 }), imported)).toEqual({
      label: 'closed',
      tone: 'ended',
    });
    expect(exchangeStatus(socket({ state: 'error', endedAt: 9 }), imported)).toEqual({
      label: 'error',
      tone: 'failed',
    });
  });

  it('treats an EventSource error with no end as a reconnect', () => {
    const es = socket({ transport: 'eventsource', state: 'error' });
    expect(hasEnded(es)).toBe(false);
    expect(exchangeStatus(es, live)).toEqual({ label: 'reconnecting', tone: 'live' });
    expect(exchangeStatus(es, imported)).toEqual({ label: 'pending at export', tone: 'at-export' });
    expect(hasEnded(socket({ transport: 'eventsource', state: 'closed' }))).toBe(true);
  });

  it('takes an end time as the end even when no close event was kept', () => {
    expect(exchangeStatus(http({ state: 'open', status: 200, endedAt: 7 }), imported)).toEqual({
      label: '200',
      tone: 'ok',
    });
  });
});
