// A selected reconnect loop: its summary (attempts, how long connections
// lived, the delay before each retry, close codes, back-off, storm) and its
// finding, over a table of its newest attempts, one row each.

import { formatClock, formatDuration } from '../lib/format';
import { findingSentence, type Pattern, type ReconnectAttempt } from '../lib/patterns';
import { channelBadge, channelTitle, reconnectStormText } from '../lib/timeline/channels';

export interface ReconnectAttemptsProps {
  pattern: Pattern;
  /** An imported, finished timeline: no live state. */
  imported: boolean;
  /** The page clock now, for how long a live connection has lived so far (null: imported). */
  now: number | null;
}

/** A storm reconnects thousands of times; the newest attempts are what matter. */
export const MAX_ATTEMPT_ROWS = 200;

function lifetimeText(a: ReconnectAttempt, now: number | null): string {
  if (a.lifetimeMs !== null) return a.openedAt === null ? 'never opened' : formatDuration(a.lifetimeMs);
  if (a.openedAt === null) return 'connecting';
  return now === null ? 'open' : `${formatDuration(Math.max(0, now - a.openedAt))}…`;
}

export function ReconnectAttempts({ pattern, imported, now }: ReconnectAttemptsProps) {
  const info = pattern.reconnect;
  const attempts = info?.attempts ?? [];
  const first = Math.max(0, attempts.length - MAX_ATTEMPT_ROWS);
  const shown = attempts.slice(first);
  const finding = findingSentence(pattern);
  const storm = pattern.storm;
  return (
    <section class="cycles attempts" aria-label="Reconnect attempts" data-testid="attempts">
      {/* The summary scrolls with the rows: in a docked panel the finding would leave no room for them. */}
      <div class="cycles-scroll">
        <header class="cycles-summary">
          <div class="conn-line">
            <span class="badge channel">{channelBadge(pattern)}</span>
            <span class="conn-title" title={`Reconnect loop to ${pattern.url}`}>
              {channelTitle(pattern)}
            </span>
          </div>
          <div class="cycles-url muted" title={pattern.url}>
            {pattern.url}
          </div>
          <div class="cycles-facts" data-testid="attempts-facts">
            <span>
              {pattern.cycles.toLocaleString()} attempt{pattern.cycles === 1 ? '' : 's'}
            </span>
            <span title="Median time each connection stayed open (open → close or error)">
              lived {formatDuration(pattern.medianHoldMs)}
            </span>
            <span title="Median delay from one connection's end to the next attempt">
              retry after {formatDuration(pattern.medianGapMs)}
            </span>
            <span class={pattern.failures ? 'warn' : ''}>{pattern.failures} never opened</span>
            {info && info.closeCodes.length > 0 && <span>close codes {info.closeCodes.join(', ')}</span>}
            <span>{info?.backoff ? 'backs off' : 'no back-off'}</span>
            {!imported && info && <span>{info.state}</span>}
          </div>
          {storm && (
            <div class={`storm${storm.endedAt ? ' ended' : ''}`} data-testid="attempts-storm">
              {reconnectStormText(pattern)}
            </div>
          )}
          {finding && (
            <div class="channel-finding" data-testid="channel-finding">
              {finding}
            </div>
          )}
        </header>
        {/* Start last: in a narrow pane the clock is what may be cut, not the lifetime, delay or code. */}
        <table class="cycles-table attempts-table">
          <colgroup>
            <col class="w-num" />
            <col class="w-hold" />
            <col class="w-gap" />
            <col class="w-code" />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th class="c-num">#</th>
              <th class="c-n" title="Open → close or error">
                Lived
              </th>
              <th class="c-n" title="The previous attempt's end → this start">
                Delay
              </th>
              <th title="WebSocket close code">Code</th>
              <th>Start</th>
            </tr>
          </thead>
          <tbody>
            {first > 0 && (
              <tr class="spacer">
                <td colSpan={5} class="muted">
                  {first.toLocaleString()} earlier attempts not listed
                </td>
              </tr>
            )}
            {shown.map((a, i) => (
              <tr key={first + i} class={(first + i) % 2 ? 'odd' : ''}>
                <td class="c-num">{first + i + 1}</td>
                <td class="c-n">{lifetimeText(a, now)}</td>
                <td class="c-n">{a.delayMs === null ? '' : formatDuration(a.delayMs)}</td>
                <td>{a.code ?? (a.endedAt === null ? '' : '—')}</td>
                <td>{formatClock(a.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
