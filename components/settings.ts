// Panel settings: what the user chose, remembered across sessions in extension
// storage by the panel glue. Read back as untrusted data and sanitised here.

import { type DecodingChoices, sanitizeDecodingChoices } from '../lib/decode/decoding-choice';
import type { DirectionGroup } from '../lib/filter';
import { TRANSPORTS, type Transport } from '../lib/model';
import { DEFAULT_PAYLOAD_CAP } from '../lib/wire/envelope';
import { DEFAULT_HIDDEN_COLUMNS, FIXED_COLUMNS, LIST_COLUMNS, type ListColumn } from './list-columns';

export const DIRECTION_GROUPS: readonly DirectionGroup[] = ['out', 'in', 'lifecycle'];

export const PAYLOAD_CAP_CHOICES = [
  64 * 1024,
  256 * 1024,
  1024 * 1024,
  4 * 1024 * 1024,
  16 * 1024 * 1024,
  64 * 1024 * 1024,
] as const;

/** The detail pane's tabs. */
export type DetailTab = 'decoded' | 'payload' | 'raw' | 'hex' | 'request' | 'http';
/** Kinds of event whose last-used detail tab is remembered apart. */
export type DetailKind = 'text' | 'binary' | 'http' | 'decoded';
/** The tabs an event of each kind can show (which one does depends on the event). */
export const DETAIL_TABS_OF: Record<DetailKind, readonly DetailTab[]> = {
  text: ['payload', 'raw', 'hex'],
  binary: ['hex', 'raw'],
  http: ['payload', 'raw', 'hex', 'request', 'http'],
  /** A message of a protocol the panel decodes (its raw tabs are still there). */
  decoded: ['decoded', 'payload', 'raw', 'hex', 'request', 'http'],
};

export interface PanelSettings {
  preserveLog: boolean;
  transports: Transport[];
  directions: DirectionGroup[];
  payloadCap: number;
  query: string;
  showTimeline: boolean;
  /** In a short panel (DevTools docked at the bottom), the overview is folded to a bar. */
  foldOverviewWhenShort: boolean;
  sidebarWidth: number;
  detailWidth: number;
  timelineHeight: number;
  /** The detail tab last chosen for each kind of event. */
  detailTabs: Record<DetailKind, DetailTab>;
  /** Each HTTP step (start, request body, response, end) as a row of its own, not one row per exchange. */
  httpStepsAsRows: boolean;
  /** Event list columns the user hid. */
  hiddenColumns: ListColumn[];
  /** Decode application protocols (Socket.IO, STOMP, MQTT…); off shows raw payloads only. */
  decodeProtocols: boolean;
  /** "Decode as…" choices, by endpoint (origin and path). */
  decodeAs: DecodingChoices;
}

export const DEFAULT_SETTINGS: PanelSettings = {
  preserveLog: false,
  transports: [...TRANSPORTS],
  directions: [...DIRECTION_GROUPS],
  payloadCap: DEFAULT_PAYLOAD_CAP,
  query: '',
  showTimeline: true,
  foldOverviewWhenShort: true,
  sidebarWidth: 240,
  detailWidth: 380,
  timelineHeight: 130,
  detailTabs: { text: 'payload', binary: 'hex', http: 'payload', decoded: 'decoded' },
  httpStepsAsRows: false,
  hiddenColumns: [...DEFAULT_HIDDEN_COLUMNS],
  decodeProtocols: true,
  decodeAs: {},
};

const clamp = (v: unknown, lo: number, hi: number, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.round(v))) : fallback;

function subset<T extends string>(v: unknown, allowed: readonly T[], fallback: T[]): T[] {
  if (!Array.isArray(v)) return fallback;
  return allowed.filter((a) => v.includes(a));
}

function detailTabs(v: unknown, fallback: Record<DetailKind, DetailTab>): Record<DetailKind, DetailTab> {
  const r = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  const pick = (kind: DetailKind): DetailTab =>
    DETAIL_TABS_OF[kind].find((t) => t === r[kind]) ?? fallback[kind];
  return { text: pick('text'), binary: pick('binary'), http: pick('http'), decoded: pick('decoded') };
}

export function sanitizeSettings(raw: unknown): PanelSettings {
  const d = DEFAULT_SETTINGS;
  if (typeof raw !== 'object' || raw === null) return { ...d };
  const r = raw as Record<string, unknown>;
  return {
    preserveLog: typeof r.preserveLog === 'boolean' ? r.preserveLog : d.preserveLog,
    transports: subset(r.transports, TRANSPORTS, d.transports),
    directions: subset(r.directions, DIRECTION_GROUPS, d.directions),
    payloadCap: (PAYLOAD_CAP_CHOICES as readonly number[]).includes(r.payloadCap as number)
      ? (r.payloadCap as number)
      : d.payloadCap,
    query: typeof r.query === 'string' ? r.query.slice(0, 2000) : d.query,
    showTimeline: typeof r.showTimeline === 'boolean' ? r.showTimeline : d.showTimeline,
    foldOverviewWhenShort:
      typeof r.foldOverviewWhenShort === 'boolean' ? r.foldOverviewWhenShort : d.foldOverviewWhenShort,
    sidebarWidth: clamp(r.sidebarWidth, 140, 600, d.sidebarWidth),
    detailWidth: clamp(r.detailWidth, 240, 1200, d.detailWidth),
    timelineHeight: clamp(r.timelineHeight, 50, 400, d.timelineHeight),
    detailTabs: detailTabs(r.detailTabs, d.detailTabs),
    httpStepsAsRows: typeof r.httpStepsAsRows === 'boolean' ? r.httpStepsAsRows : d.httpStepsAsRows,
    hiddenColumns: subset(
      r.hiddenColumns,
      LIST_COLUMNS.filter((c) => !FIXED_COLUMNS.includes(c)),
      d.hiddenColumns,
    ),
    decodeProtocols: typeof r.decodeProtocols === 'boolean' ? r.decodeProtocols : d.decodeProtocols,
    decodeAs: sanitizeDecodingChoices(r.decodeAs),
  };
}
