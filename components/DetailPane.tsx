// Detail of the selected event: payload as a JSON tree, raw text, hex for
// binary, and for HTTP the request/response headers, status and timings.
// Everything is rendered as text nodes; big payloads are shown in slices.
// The tab last chosen is remembered per kind of event (text message, binary
// message, HTTP exchange): each kind has its own most useful view.

import { useMemo, useState } from 'preact/hooks';
import type { MessagePair } from '../lib/decode/connection-decoding';
import { firstAnswer, pairLatency, pairLifetime } from '../lib/decode/pair-latency';
import type { DecodedMessage } from '../lib/decode/types';
import { formatBytes, formatClock, formatDuration, formatSinceLoad, TRANSPORT_LABEL } from '../lib/format';
import type { CallSite, HeaderList } from '../lib/model';
import { exchangeStatus, PENDING_AT_EXPORT } from '../lib/timeline/exchange-status';
import { exchangeRequest, exchangeResponse } from '../lib/timeline/list-rows';
import { type Connection, isHttp, type TimelineEvent } from '../lib/timeline/store';
import { DecodingBar, type DecodingControl } from './DecodingBar';
import { HexView } from './HexView';
import { Initiator } from './Initiator';
import { JsonTree } from './JsonTree';
import { copyText, parsePayloadJson } from './payload';
import type { DetailKind, DetailTab } from './settings';

export const RAW_PAGE = 256 * 1024;

export interface DetailPaneProps {
  event: TimelineEvent;
  /** Events of the same connection (for HTTP headers and timings). */
  related: readonly TimelineEvent[];
  /** The whole HTTP exchange is selected (its row), not one of its steps: show its response and request. */
  exchange?: boolean;
  connectionNumber: number;
  /** When the event's page loaded (for "Since load"); undefined when unknown. */
  loadTime?: number;
  /** The event comes from an imported file: no live states, and what a file may lack is said so. */
  imported?: boolean;
  /** The tab last chosen for each kind of event. */
  rememberedTabs: Readonly<Record<DetailKind, DetailTab>>;
  /** The user chose a tab for events of this kind. */
  onTabChosen(kind: DetailKind, tab: DetailTab): void;
  onClose(): void;
  /** Opens a request's initiator in DevTools' Sources panel; absent where that cannot be done. */
  onOpenSource?: ((site: CallSite) => void) | undefined;
  /** What an event's payload decoded to, and its protocol's name; absent or [] when none. */
  decodedOf?(e: TimelineEvent): readonly DecodedMessage[];
  protocolLabel?: string | null;
  /** The request ↔ answer pair an event belongs to, and a way to select its partner. */
  pairOf?(e: TimelineEvent): MessagePair | null;
  onSelectEvent?(e: TimelineEvent): void;
  /** The connection's protocol, "Decode as…" and latency, for a message with a payload; absent when decoding is off. */
  decoding?: DecodingControl | undefined;
}

/** Which remembered tab applies: HTTP exchanges are one kind whatever their bodies. */
export function detailKindOf(event: TimelineEvent, decoded = false): DetailKind {
  if (decoded) return 'decoded';
  if (isHttp(event.connection)) return 'http';
  const d = event.record.data;
  return d && 'base64' in d ? 'binary' : 'text';
}

function CopyButton({ label, text }: { label: string; text: () => string }) {
  const [done, setDone] = useState<'' | 'ok' | 'fail'>('');
  return (
    <button
      type="button"
      onClick={async () => {
        setDone((await copyText(text())) ? 'ok' : 'fail');
        setTimeout(() => setDone(''), 1200);
      }}
    >
      {done === 'ok' ? 'Copied' : done === 'fail' ? 'Copy failed' : label}
    </button>
  );
}

/** Most characters ever put on screen at once; beyond it, Copy payload gives the rest. */
export const RAW_MAX = 4 * 1024 * 1024;

function RawText({ text }: { text: string }) {
  const [limit, setLimit] = useState(RAW_PAGE);
  return (
    <div>
      <pre class="raw" data-testid="raw-payload">
        {text.length > limit ? text.slice(0, limit) : text}
      </pre>
      {text.length > limit &&
        (limit < RAW_MAX ? (
          <button type="button" class="link" onClick={() => setLimit(Math.min(RAW_MAX, limit * 4))}>
            Showing {limit.toLocaleString()} of {text.length.toLocaleString()} characters: show more
          </button>
        ) : (
          <p class="muted">
            Showing the first {limit.toLocaleString()} of {text.length.toLocaleString()} characters; use Copy
            payload for all of it.
          </p>
        ))}
    </div>
  );
}

/** Name / value rows (headers may repeat a name, so rows are keyed by position too). */
function KeyValueTable({
  rows,
  extraClass,
}: {
  rows: ReadonlyArray<readonly [string, string]>;
  extraClass?: string;
}) {
  return (
    <table class={extraClass ? `kv ${extraClass}` : 'kv'}>
      <tbody>
        {rows.map(([k, v], i) => (
          <tr key={`${k}-${i}`}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Headers({
  title,
  headers,
  note,
}: {
  title: string;
  headers: HeaderList | undefined;
  note?: string;
}) {
  return (
    <section>
      <h4>{title}</h4>
      {headers && headers.length > 0 && <KeyValueTable rows={headers} />}
      {note ? (
        <p class="muted" data-testid="headers-note">
          {note}
        </p>
      ) : (
        (!headers || headers.length === 0) && <p class="muted">None captured.</p>
      )}
    </section>
  );
}

/**
 * What the request headers shown are, and why some or all are missing. The
 * page hook sees only the headers the page set (setRequestHeader, fetch's
 * headers or Request); the browser adds its own on the way out (Cookie,
 * User-Agent, Accept-Encoding...) where no page script can see them.
 */
export function requestHeadersNote(conn: Connection, imported: boolean): string {
  const headers = conn.record.requestHeaders;
  const some = headers !== undefined && headers.length > 0;
  const browserOwn =
    'the browser adds its own (cookies, User-Agent, Accept-Encoding and the like), which a page script cannot see';
  const cut = conn.record.truncatedFields?.includes('requestHeaders')
    ? ' Cut to fit: headers past the first 1,000, or past 1 Mi characters in all, were left out.'
    : '';
  if (imported && !some)
    return `None in the imported file: a Wirescope recording holds only the headers the page set, and ${browserOwn}.`;
  if (!some) return `None set by the page; ${browserOwn}, so they are not recorded.${cut}`;
  return `Set by the page; ${browserOwn}.${cut}`;
}

function HttpInfo({
  event,
  related,
  imported,
  onOpenSource,
}: {
  event: TimelineEvent;
  related: readonly TimelineEvent[];
  imported: boolean;
  onOpenSource: ((site: CallSite) => void) | undefined;
}) {
  const c = event.connection;
  const response = related.find((e) => e.record.type === 'receive' && e.record.status !== undefined);
  const end = related.find((e) => e.record.type === 'close' || e.record.type === 'error');
  const headersAt = response?.record.headersAt;
  const statusText = response?.record.statusText;
  const status = exchangeStatus(c, { imported });
  const rows: Array<[string, string]> = [
    ['Request URL', c.url],
    ['Method', c.method ?? 'GET'],
    ['Status', statusText ? status.label.replace(/^(\d+)/, `$1 ${statusText}`) : status.label],
    ['Started', formatClock(c.startedAt)],
  ];
  if (headersAt !== undefined)
    rows.push(['Waiting (headers after)', formatDuration(headersAt - c.startedAt)]);
  if (response) rows.push(['Response after', formatDuration(response.time - c.startedAt)]);
  if (end)
    rows.push([
      end.record.type === 'error' ? 'Failed after' : 'Total',
      formatDuration(end.time - c.startedAt),
    ]);
  else if (imported) rows.push(['Total', PENDING_AT_EXPORT]);
  else rows.push(['Held so far', formatDuration(Date.now() - c.startedAt)]);
  if (end?.record.reason) rows.push(['Reason', end.record.reason]);
  return (
    <div class="http">
      <KeyValueTable rows={rows} />
      {c.record.initiator && (
        <p class="initiator-row">
          <span class="muted">Initiator </span>
          <Initiator site={c.record.initiator} onOpen={onOpenSource} />
        </p>
      )}
      <Headers
        title="Request headers"
        headers={c.record.requestHeaders}
        note={requestHeadersNote(c, imported)}
      />
      <Headers title="Response headers" headers={response?.record.responseHeaders} />
    </div>
  );
}

/** A request body: a JSON tree when it parses, else its text (bytes as hex). */
function RequestBody({ event }: { event: TimelineEvent }) {
  const d = event.record.data;
  const text = d && 'text' in d ? d.text : undefined;
  const parsed = useMemo(() => (text !== undefined ? parsePayloadJson(text) : null), [text]);
  if (d && 'base64' in d) return <HexView key={event.seq} base64={d.base64} />;
  if (text === undefined) return <p class="muted">No request body.</p>;
  return parsed?.ok ? (
    <JsonTree key={event.seq} value={parsed.value} />
  ) : (
    <RawText key={event.seq} text={text} />
  );
}

/** Where a message stands in its request ↔ answer pair: the latency, and a way to its partner. */
function PairLine({
  event,
  pair,
  imported,
  onGo,
}: {
  event: TimelineEvent;
  pair: MessagePair | null;
  imported: boolean;
  onGo: ((e: TimelineEvent) => void) | undefined;
}) {
  if (!pair) return null;
  const go = (e: TimelineEvent, label: string) =>
    onGo ? (
      <button type="button" class="link" onClick={() => onGo(e)}>
        {label}
      </button>
    ) : null;
  const { request, response, stream } = pair;
  let text: string;
  let partner: ReturnType<typeof go> = null;
  let end: ReturnType<typeof go> = null;
  if (request === event) {
    const first = firstAnswer(pair);
    const latency = formatDuration(pairLatency(pair) ?? Number.NaN);
    if (!first) text = imported ? 'No answer in the file' : 'No answer yet';
    else if (stream.length === 0) {
      text = `Answered in ${latency}`;
      partner = go(first, 'Go to the answer');
    } else {
      const results = `${stream.length} result${stream.length === 1 ? '' : 's'}`;
      const lifetime = pairLifetime(pair);
      text =
        lifetime !== null
          ? `Answered in ${latency}; ended after ${formatDuration(lifetime)} (${results})`
          : `Answered in ${latency}; ${results} so far, not ended`;
      partner = go(first, 'Go to the answer');
      const last = response ?? (stream[stream.length - 1] as TimelineEvent);
      if (last !== first) end = go(last, response ? 'Go to the end' : 'Go to the latest');
    }
  } else if (request) {
    const role = firstAnswer(pair) === event ? 'Answers' : response === event ? 'Ends' : 'A result of';
    text = `${role} the request sent ${formatDuration(event.time - request.time)} earlier`;
    partner = go(request, 'Go to the request');
  } else text = 'Answers a request that was not captured';
  return (
    <p class="pair-line" data-testid="pair">
      {text} <span class="muted">({pair.key})</span> {partner} {end}
    </p>
  );
}

/** A payload's decoded messages: each one's summary, a note where decoding fell short, and its tree. */
function DecodedView({ messages, label }: { messages: readonly DecodedMessage[]; label: string | null }) {
  return (
    <div class="decoded-view" data-testid="decoded">
      {messages.map((m, i) => (
        <section key={i}>
          <h4>
            {label ?? m.protocol} {m.kind}
            {m.pair && (
              <span class="muted">
                {' '}
                · {m.pair.role} {m.pair.key}
              </span>
            )}
          </h4>
          {m.summary && <p class="decoded-summary">{m.summary}</p>}
          {m.note && <p class="warn">{m.note}</p>}
          {m.value !== undefined && <JsonTree value={m.value} />}
          {m.inner && m.inner.length > 0 && <DecodedView messages={m.inner} label={null} />}
        </section>
      ))}
    </div>
  );
}

const TAB_LABEL: Record<DetailTab, (exchange: boolean) => string> = {
  decoded: () => 'Decoded',
  payload: (exchange) => (exchange ? 'Response' : 'Payload'),
  raw: () => 'Raw',
  hex: () => 'Hex',
  request: () => 'Request',
  http: () => 'Headers & timing',
};

export function DetailPane({
  event: chosen,
  related,
  exchange = false,
  connectionNumber,
  loadTime,
  imported = false,
  rememberedTabs,
  onTabChosen,
  onClose,
  onOpenSource,
  decodedOf,
  protocolLabel = null,
  pairOf,
  onSelectEvent,
  decoding,
}: DetailPaneProps) {
  // A whole exchange shows its response body first (as the Network panel's Response tab does).
  const event = exchange ? (exchangeResponse(related) ?? chosen) : chosen;
  const request = exchange ? exchangeRequest(related) : undefined;
  const r = event.record;
  const c = event.connection;
  const text = r.data && 'text' in r.data ? r.data.text : undefined;
  const base64 = r.data && 'base64' in r.data ? r.data.base64 : undefined;
  const http = isHttp(c);
  const parsed = useMemo(() => (text !== undefined ? parsePayloadJson(text) : null), [text]);
  const decoded = decodedOf?.(event) ?? [];
  const kind = detailKindOf(event, decoded.length > 0);
  const tabs: DetailTab[] = [];
  if (decoded.length > 0) tabs.push('decoded');
  if (text !== undefined) tabs.push('payload', 'raw');
  if (base64 !== undefined) tabs.push('hex', 'raw');
  else if (text !== undefined) tabs.push('hex');
  if (request) tabs.push('request');
  if (http) tabs.push('http');
  const wanted = rememberedTabs[kind];
  // A tab this event lacks (an HTTP open has no body): bytes open as hex, else the first tab.
  const current = tabs.includes(wanted) ? wanted : base64 !== undefined ? 'hex' : (tabs[0] ?? null);

  const facts: Array<[string, string]> = [
    exchange
      ? ['Method', c.method ?? 'GET']
      : ['Event', `${r.type}${r.eventName ? ` (${r.eventName})` : ''}`],
    ['Time', formatClock(exchange ? c.startedAt : event.time)],
    ...(loadTime !== undefined
      ? [
          ['Since load', formatSinceLoad((exchange ? c.startedAt : event.time) - loadTime)] as [
            string,
            string,
          ],
        ]
      : []),
    ['Connection', `#${connectionNumber} ${TRANSPORT_LABEL[c.transport]} ${c.url}`],
  ];
  if (r.size !== undefined)
    facts.push(['Size', `${formatBytes(r.size)}${r.truncated ? ' (truncated to the payload cap)' : ''}`]);
  // Headers & timing has the exchange's own Status row: shown once.
  if (r.status !== undefined && current !== 'http')
    facts.push(['Status', `${r.status} ${r.statusText ?? ''}`.trim()]);
  if (r.code !== undefined) facts.push(['Close code', String(r.code)]);
  if (r.reason) facts.push(['Reason', r.reason]);
  if (r.wasClean !== undefined) facts.push(['Clean', String(r.wasClean)]);
  if (r.closedBy) facts.push(['Closed by', r.closedBy]);
  if (r.protocol) facts.push(['Protocol', r.protocol]);
  if (r.lastEventId) facts.push(['Last event id', r.lastEventId]);
  if (r.truncatedFields) facts.push(['Cut to fit', r.truncatedFields.join(', ')]);
  if (c.record.truncatedFields) facts.push(['Connection cut to fit', c.record.truncatedFields.join(', ')]);

  return (
    <section class="detail" aria-label="Event detail" data-testid="detail">
      <div class="detail-bar">
        <div role="tablist" aria-label="Detail views">
          {tabs.map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              aria-selected={current === t}
              class={current === t ? 'active' : ''}
              onClick={() => onTabChosen(kind, t)}
            >
              {TAB_LABEL[t](exchange)}
            </button>
          ))}
        </div>
        <span class="spacer" />
        {text !== undefined && <CopyButton label="Copy payload" text={() => text} />}
        {base64 !== undefined && <CopyButton label="Copy base64" text={() => base64} />}
        <CopyButton label="Copy URL" text={() => c.url} />
        <button type="button" aria-label="Close detail" title="Close (Esc)" onClick={onClose}>
          ✕
        </button>
      </div>
      <div class="detail-body">
        <KeyValueTable rows={facts} extraClass="facts" />
        {decoding && r.data && <DecodingBar control={decoding} />}
        {r.truncated && (
          <p class="warn">
            Only the first part of this payload was captured. Raise the payload cap in Settings to capture
            more.
          </p>
        )}
        {current === 'payload' &&
          text !== undefined &&
          parsed &&
          (parsed.ok ? (
            <JsonTree key={event.seq} value={parsed.value} />
          ) : (
            <>
              {parsed.reason !== 'not-json' && <p class="muted">Not shown as a tree: {parsed.message}</p>}
              <RawText key={event.seq} text={text} />
            </>
          ))}
        {current === 'raw' && text !== undefined && <RawText key={event.seq} text={text} />}
        {current === 'raw' && base64 !== undefined && (
          <>
            <p class="muted">The captured bytes as base64.</p>
            <RawText key={event.seq} text={base64} />
          </>
        )}
        {current === 'hex' && (
          <HexView key={event.seq} base64={base64} text={base64 === undefined ? text : undefined} />
        )}
        {current === 'decoded' && (
          <>
            <PairLine event={event} pair={pairOf?.(event) ?? null} imported={imported} onGo={onSelectEvent} />
            <DecodedView key={event.seq} messages={decoded} label={protocolLabel} />
          </>
        )}
        {current === 'request' && request && <RequestBody event={request} />}
        {current === 'http' && (
          <HttpInfo event={event} related={related} imported={imported} onOpenSource={onOpenSource} />
        )}
        {current === null && <p class="muted">This event carries no payload.</p>}
      </div>
    </section>
  );
}
