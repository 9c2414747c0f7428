// One cell of an event list row: what lib/timeline/row-cells says about it,
// laid out (the exchange's disclosure, the waterfall bar, the status colour).

import { decodedLine } from '../lib/decode/connection-decoding';
import type { DecodedMessage } from '../lib/decode/types';
import { formatClock, formatSinceLoad, TRANSPORT_LABEL } from '../lib/format';
import { type ExchangeStatus, exchangeStatus } from '../lib/timeline/exchange-status';
import {
  type ExchangeRow,
  eventOfRow,
  exchangeResponse,
  isExchangeRow,
  isStepRow,
  type ListRow,
} from '../lib/timeline/list-rows';
import {
  dataCell,
  durationCell,
  eventStatus,
  methodCell,
  sizeCell,
  typeCell,
  waterfallOf,
} from '../lib/timeline/row-cells';
import type { Connection, TimelineEvent } from '../lib/timeline/store';
import type { ListColumn } from './list-columns';

/** What a cell needs from the list. */
export interface CellContext {
  /** What the row's event decoded to, and the protocol's name ([] / null when none). */
  decodedOf(e: TimelineEvent): readonly DecodedMessage[];
  protocolLabelOf(c: Connection): string | null;
  isExpanded(c: Connection): boolean;
  onToggleExpanded(c: Connection): void;
  timeOrigin(e: TimelineEvent): number;
  numberOf(c: Connection): number;
  imported: boolean;
  now: number;
  /** The waterfall's scale, ms. */
  scaleMs: number;
}

const STATUS_CLASS: Record<ExchangeStatus['tone'], string> = {
  ok: '',
  redirect: ' s-redirect',
  'client-error': ' s-error',
  'server-error': ' s-error',
  failed: ' s-error',
  live: ' s-pending',
  'at-export': ' s-pending',
  ended: '',
};

/** One cell of a row. */
export function Cell({ column, row, ctx }: { column: ListColumn; row: ListRow; ctx: CellContext }) {
  const e = eventOfRow(row);
  const exchange = isExchangeRow(row) ? row : null;
  const c = e.connection;
  switch (column) {
    case 'time':
      return <td class="c-time">{formatClock(exchange ? exchange.time : e.time)}</td>;
    case 'since':
      return (
        <td class="c-since">{formatSinceLoad((exchange ? exchange.time : e.time) - ctx.timeOrigin(e))}</td>
      );
    case 'name':
      return <NameCell row={row} ctx={ctx} />;
    case 'transport':
      return <td class={`c-transport tr-${c.transport}`}>{TRANSPORT_LABEL[c.transport]}</td>;
    case 'method':
      return <td class="c-method">{methodCell(row)}</td>;
    case 'status': {
      const s = exchange ? exchangeStatus(c, { imported: ctx.imported }) : eventStatus(e);
      return (
        <td
          class={`c-status${STATUS_CLASS[s.tone]}`}
          title={s.title ?? (s.label.length > 8 ? s.label : undefined)}
        >
          {s.label}
        </td>
      );
    }
    case 'type': {
      const label = decodedOfRow(row, ctx).length > 0 ? ctx.protocolLabelOf(c) : null;
      return <td class={`c-type${label ? ' decoded' : ''}`}>{label ?? typeCell(row)}</td>;
    }
    case 'size':
      return <td class="c-size">{sizeCell(row)}</td>;
    case 'duration':
      return <td class="c-duration">{durationCell(row, ctx.imported)}</td>;
    case 'waterfall':
      return <td class="c-waterfall">{exchange && <Waterfall row={exchange} ctx={ctx} />}</td>;
    case 'data': {
      // Decoded, the row reads as the protocol's message; the raw payload is on hover and in the detail.
      const decoded = decodedOfRow(row, ctx);
      if (decoded.length === 0) return <td class="c-data">{dataCell(row)}</td>;
      return (
        <td class="c-data decoded" title={dataCell(row, 500)}>
          {decodedLine(decoded)}
        </td>
      );
    }
  }
}

/** What a row's payload decoded to: its event's, or an exchange's response's. */
function decodedOfRow(row: ListRow, ctx: CellContext): readonly DecodedMessage[] {
  if (!isExchangeRow(row)) return ctx.decodedOf(eventOfRow(row));
  const response = exchangeResponse(row.events);
  return response ? ctx.decodedOf(response) : [];
}

function NameCell({ row, ctx }: { row: ListRow; ctx: CellContext }) {
  const c = eventOfRow(row).connection;
  const name = `#${ctx.numberOf(c)} ${hostPath(c.url)}`;
  if (isStepRow(row))
    return (
      <td class="c-name step" title={c.url}>
        <span class="step-indent" aria-hidden="true" />
        {name}
      </td>
    );
  if (!isExchangeRow(row))
    return (
      <td class="c-name" title={c.url}>
        {name}
      </td>
    );
  const expanded = ctx.isExpanded(c);
  return (
    <td class="c-name" title={c.url}>
      <button
        type="button"
        class="disclosure"
        aria-label={expanded ? 'Hide steps' : 'Show steps'}
        aria-expanded={expanded}
        title={
          expanded
            ? 'Hide this exchange’s steps'
            : 'Show this exchange’s steps (start, request, response, end)'
        }
        onMouseDown={(ev) => ev.stopPropagation()}
        onClick={() => ctx.onToggleExpanded(c)}
      >
        {expanded ? '▾' : '▸'}
      </button>
      {name}
    </td>
  );
}

function Waterfall({ row, ctx }: { row: ExchangeRow; ctx: CellContext }) {
  const bar = waterfallOf(row.connection, ctx.now, ctx.scaleMs, ctx.imported);
  const pct = (f: number) => `${Math.max(0, Math.min(100, f * 100)).toFixed(1)}%`;
  return (
    <div class={`wf${bar.open ? ' open' : ''}`} title={bar.title}>
      <span class="wf-wait" style={{ width: pct(bar.wait) }} />
      <span class="wf-receive" style={{ width: pct(bar.receive) }} />
    </div>
  );
}

const hostPathCache = new Map<string, string>();
function hostPath(url: string): string {
  let s = hostPathCache.get(url);
  if (s === undefined) {
    try {
      const u = new URL(url);
      s = u.pathname.length > 1 ? u.pathname + u.search : u.host;
    } catch {
      s = url;
    }
    if (hostPathCache.size > 5000) hostPathCache.clear();
    hostPathCache.set(url, s);
  }
  return s;
}
