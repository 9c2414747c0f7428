// @vitest-environment jsdom
// Worker requests only DevTools saw, grouped by endpoint and opened to their requests.
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { OutsideRequests } from '../../../components/OutsideRequests';
import type { OutsideRequest } from '../../../lib/outside-requests';

afterEach(cleanup);

const T = Date.parse('2026-11-27T10:00:00.000Z');
const request = (n: number, over: Partial<OutsideRequest> = {}): OutsideRequest => ({
  key: `r${n}`,
  kind: 'fetch',
  method: 'GET',
  url: `http://127.0.0.1/w-data?n=${n}`,
  status: 200,
  startedAt: T + n * 1000,
  durationMs: 10 + n,
  startedBy: 'http://127.0.0.1/worker.js',
  ...over,
});

const groupButtons = () =>
  [...document.querySelectorAll<HTMLButtonElement>('.outside-group > button')].map((b) => b.textContent);

describe('OutsideRequests', () => {
  it('lists one entry per endpoint with its count and the latest status and time', () => {
    render(
      <OutsideRequests
        requests={[
          request(1),
          request(2, { status: 503 }),
          request(3, { kind: 'websocket', url: 'ws://127.0.0.1/echo?n=1', status: 101, messages: 2 }),
        ]}
        unlisted={0}
      />,
    );
    expect(screen.getByText('Seen only by DevTools (3)')).toBeTruthy();
    expect(groupButtons()).toEqual([
      expect.stringMatching(/^▸FETCHGET \/w-data×2503.*12 ms.*from worker\.js$/),
      expect.stringMatching(/^▸WS\/echo×11012 msg13 msfrom worker\.js$/),
    ]);
    expect(document.querySelectorAll('.outside-request')).toHaveLength(0);
  });

  it('opens a group to its requests, newest first, and closes it again', () => {
    render(<OutsideRequests requests={[request(1), request(2, { status: 404 })]} unlisted={0} />);
    const group = screen.getByRole('button', { expanded: false });
    fireEvent.click(group);
    expect(group.getAttribute('aria-expanded')).toBe('true');
    const rows = [...document.querySelectorAll('.outside-request')].map((li) => li.textContent ?? '');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^\/w-data\?n=2404/);
    expect(rows[1]).toMatch(/^\/w-data\?n=1200/);
    fireEvent.click(group);
    expect(document.querySelectorAll('.outside-request')).toHaveLength(0);
  });

  it('says how many were not listed, and shows nothing when there is nothing', () => {
    const { rerender } = render(<OutsideRequests requests={[request(1)]} unlisted={4} />);
    expect(screen.getByText('Seen only by DevTools (5)')).toBeTruthy();
    expect(screen.getByText('4 more not listed (list full).')).toBeTruthy();
    rerender(<OutsideRequests requests={[]} unlisted={0} />);
    expect(document.querySelector('.outside')).toBeNull();
  });
});
