// What state a connection is in, as one word or two for the views (the event
// list's status column, the connections list, the detail), with a tone for
// its colour. A live capture shows live states (pending, connecting, open); an
// imported file is a record of the past, so what was still open when it was
// exported is "pending at export": neither failed nor still running.

import { type Connection, isHttp } from './store';

export const PENDING_AT_EXPORT = 'pending at export';

/**
 * - `ok`, `redirect`, `client-error`, `server-error`: an HTTP status by its class
 * - `failed`: a request that failed, a socket that errored
 * - `live`: still running in a live capture (pending, connecting, open, reconnecting)
 * - `at-export`: still open when the imported file was exported
 * - `ended`: a socket closed, a request that ended without a status
 */
export type StatusTone =
  | 'ok'
  | 'redirect'
  | 'client-error'
  | 'server-error'
  | 'failed'
  | 'live'
  | 'at-export'
  | 'ended';

export interface ExchangeStatus {
  label: string;
  tone: StatusTone;
  /** Why it failed, in the browser's or the hook's words, when known. */
  title?: string;
}

export type StatusInput = Pick<Connection, 'transport' | 'state' | 'status' | 'endedAt'> &
  Partial<Pick<Connection, 'errorReason'>>;

/** Whether an error reason means the page or the browser cancelled the request. */
function cancelled(reason: string): boolean {
  return /abort|cancel/i.test(reason);
}

function statusTone(status: number): StatusTone {
  if (status >= 500) return 'server-error';
  if (status >= 400) return 'client-error';
  if (status >= 300) return 'redirect';
  return 'ok';
}

/**
 * Whether the connection had ended. An EventSource error with no end is the
 * browser reconnecting, not an end.
 */
export function hasEnded(conn: StatusInput): boolean {
  if (conn.endedAt !== null || conn.state === 'closed') return true;
  return conn.state === 'error' && conn.transport !== 'eventsource';
}

export function exchangeStatus(conn: StatusInput, opts: { imported: boolean }): ExchangeStatus {
  const http = isHttp(conn);
  const status = conn.status !== null && conn.status > 0 ? conn.status : null;
  if (!hasEnded(conn)) {
    if (opts.imported)
      return {
        label: status !== null && http ? `${status}, ${PENDING_AT_EXPORT}` : PENDING_AT_EXPORT,
        tone: 'at-export',
      };
    if (http) return { label: status !== null ? `${status}, pending` : 'pending', tone: 'live' };
    if (conn.state === 'error') return { label: 'reconnecting', tone: 'live' };
    return { label: conn.state, tone: 'live' };
  }
  if (conn.state === 'error') {
    const reason = conn.errorReason ?? null;
    const label = !http ? 'error' : reason !== null && cancelled(reason) ? 'canceled' : 'failed';
    return reason !== null ? { label, tone: 'failed', title: reason } : { label, tone: 'failed' };
  }
  if (http)
    return status !== null
      ? { label: String(status), tone: statusTone(status) }
      : { label: 'no status', tone: 'ended' };
  return { label: 'closed', tone: 'ended' };
}
