// The Wirescope panel: toolbar, connections list, timeline overview, the
// unified event list and the detail pane. Pure UI over a TimelineStore; the
// panel glue (entrypoints/panel) supplies data, settings storage and actions.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { buildHarExport } from '../lib/export/har';
import { buildTimelineExport } from '../lib/export/timeline';
import { buildViewPredicate, type DirectionGroup, parseFilter } from '../lib/filter';
import { formatClock } from '../lib/format';
import type { Transport } from '../lib/model';
import type { OutsideRequest } from '../lib/outside-requests';
import { detectPatterns, type Pattern, toPatternForExport } from '../lib/patterns';
import { buildEntries } from '../lib/timeline/channels';
import type { Connection, TimelineEvent, TimelineStore } from '../lib/timeline/store';
import { FilteredView } from '../lib/timeline/view';
import { ConnectionList } from './ConnectionList';
import { DetailPane } from './DetailPane';
import { EmptyState } from './EmptyState';
import { EventList } from './EventList';
import { HookStatus } from './HookStatus';
import type { HookStatusStore } from './hook-status';
import { OutsideRequests } from './OutsideRequests';
import { Splitter } from './Splitter';
import { type PanelSettings, sanitizeSettings } from './settings';
import { TimelineOverview } from './TimelineOverview';
import { Toolbar } from './Toolbar';

export interface ImportedTimeline {
  store: TimelineStore;
  name: string;
  /** Patterns found in the file; detected on import when absent. */
  patterns?: readonly Pattern[];
  page?: { url: string; title: string };
  /** Something the user should know about the import (e.g. entries skipped). */
  note?: string;
}

export interface AppProps {
  store: TimelineStore;
  /** Bumped by the glue whenever the store changed. */
  version?: number;
  tabId: number | null;
  toolVersion: string;
  /** Worker traffic only DevTools' network log saw (live panel inside DevTools). */
  outside?: { requests: readonly OutsideRequest[]; dropped: number };
  /** The user cleared the panel: forget the outside requests too. */
  onClearOutside?(): void;
  /** Detected polling channels of the live store. */
  patterns?: readonly Pattern[];
  settings?: PanelSettings;
  onSettingsChange?(s: PanelSettings): void;
  onPayloadCap?(bytes: number): void;
  onPopOut?(): void;
  onReloadPage?(): void;
  /** Parses an imported file; rejects with a message for the user. */
  onImport?(file: File): Promise<ImportedTimeline>;
  /** Saves a file; defaults to a download link. */
  saveFile?(name: string, content: string, type: string): void;
  /** The page hooks' status (live panel only). */
  hookStatus?: HookStatusStore;
}

function download(name: string, content: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const NO_PATTERNS: readonly Pattern[] = [];

function isEditable(el: EventTarget | null): boolean {
  return el instanceof HTMLElement && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

export function App(props: AppProps) {
  const { store: liveStore, tabId, toolVersion } = props;
  const initial = useMemo(() => props.settings ?? sanitizeSettings(null), []);
  const [settings, setSettings] = useState<PanelSettings>(initial);
  const [query, setQuery] = useState(initial.query);
  const [selectedEntry, setSelectedEntry] = useState<string | null>(null);
  const [range, setRange] = useState<[number, number] | null>(null);
  const [patternsOnly, setPatternsOnly] = useState(false);
  const [selected, setSelectedState] = useState<{
    event: TimelineEvent;
    store: TimelineStore;
    generation: number;
  } | null>(null);
  const [detailOpen, setDetailOpen] = useState(true);
  const [revealToken, setRevealToken] = useState(0);
  const [imported, setImported] = useState<ImportedTimeline | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const [sizes, setSizes] = useState({
    sidebar: initial.sidebarWidth,
    detail: initial.detailWidth,
    timeline: initial.timelineHeight,
  });
  const [, setTick] = useState(0);
  const filterRef = useRef<HTMLInputElement>(null);

  const store = imported?.store ?? liveStore;
  const setSelected = (e: TimelineEvent | null) =>
    setSelectedState(e ? { event: e, store, generation: store.generation } : null);
  const importedPatterns = useMemo(
    () =>
      imported
        ? (imported.patterns ?? detectPatterns(imported.store.connections, imported.store.events))
        : [],
    [imported],
  );
  const patterns = imported ? importedPatterns : (props.patterns ?? NO_PATTERNS);
  const readOnly = imported !== null;
  const version = `${props.version ?? 0}:${store.version}`;

  const update = (patch: Partial<PanelSettings>) => {
    const next = { ...settings, ...patch };
    setSettings(next);
    props.onSettingsChange?.(next);
  };
  useEffect(() => {
    liveStore.preserveLog = settings.preserveLog;
  }, [settings.preserveLog]);

  // Persist the filter text after typing pauses.
  useEffect(() => {
    if (query === settings.query) return;
    const t = setTimeout(() => update({ query }), 400);
    return () => clearTimeout(t);
  }, [query]);

  const parsed = useMemo(() => parseFilter(query), [query]);
  const transports = useMemo(() => new Set(settings.transports), [settings.transports]);
  const directions = useMemo(() => new Set(settings.directions), [settings.directions]);
  const numberOf = (c: Connection) => store.numberOf(c);

  const entries = useMemo(
    () => buildEntries(store.connections, patterns, numberOf),
    [store, version, patterns],
  );
  const entry = selectedEntry ? entries.find((e) => e.id === selectedEntry) : undefined;
  const channelEntries = entries.filter((e) => e.kind === 'channel');
  // The key set changes identity only when membership changes (a new request in a channel).
  const keysSignature = entry
    ? `${entry.id}:${entry.connectionKeys.length}`
    : patternsOnly
      ? `patterns:${channelEntries.reduce((n, e) => n + e.connectionKeys.length, 0)}`
      : '';
  const connectionKeys = useMemo(() => {
    if (entry) return new Set(entry.connectionKeys);
    if (patternsOnly) return new Set(channelEntries.flatMap((e) => e.connectionKeys));
    return null;
  }, [keysSignature]);

  const view = useMemo(() => new FilteredView(store), [store]);
  const predicate = useMemo(
    () =>
      buildViewPredicate(
        { query: parsed, transports, directions, connectionKeys, timeRange: range },
        numberOf,
      ),
    [parsed, transports, directions, connectionKeys, range, store],
  );
  view.setPredicate(predicate);
  // Only what arrived since the last render is scanned (see FilteredView).
  const itemsCounter = useRef(0);
  const { appended, rebuilt } = view.update();
  if (appended > 0 || rebuilt) itemsCounter.current++;
  const items = view.items;
  const filteredActive = predicate !== null;

  // A cleared or replaced store drops a selection that no longer exists.
  const current =
    selected && selected.store === store && selected.generation === store.generation ? selected.event : null;

  const related = useMemo(() => {
    if (!current) return [];
    const c = current.connection;
    if (c.transport !== 'xhr' && c.transport !== 'fetch') return [];
    return store.events.filter((e) => e.connection === c);
  }, [current, version]);

  const select = (e: TimelineEvent | null, reveal = false) => {
    setSelected(e);
    if (e) setDetailOpen(true);
    if (reveal) setRevealToken((n) => n + 1);
  };

  // Keyboard: ↑ ↓ move the selection, Enter opens the detail, Esc closes it,
  // Ctrl/Cmd+F focuses the filter.
  const keyState = useRef({ items, current, detailOpen, setSelected });
  keyState.current = { items, current, detailOpen, setSelected };
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'f') {
        ev.preventDefault();
        filterRef.current?.focus();
        filterRef.current?.select();
        return;
      }
      if (isEditable(ev.target)) {
        if (ev.key === 'Escape' && ev.target === filterRef.current) {
          if (filterRef.current?.value) setQuery('');
          else filterRef.current?.blur();
        }
        if (ev.key === 'ArrowDown' && ev.target === filterRef.current) {
          ev.preventDefault();
          (document.querySelector('[data-testid="events"]') as HTMLElement | null)?.focus();
        }
        return;
      }
      const { items: list, current: sel, detailOpen: open, setSelected: choose } = keyState.current;
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        if (list.length === 0) return;
        ev.preventDefault();
        const idx = sel ? list.indexOf(sel) : -1;
        const next =
          idx < 0
            ? ev.key === 'ArrowDown'
              ? 0
              : list.length - 1
            : Math.min(list.length - 1, Math.max(0, idx + (ev.key === 'ArrowDown' ? 1 : -1)));
        const e = list[next];
        if (e) {
          choose(e);
          setRevealToken((n) => n + 1);
        }
      } else if (ev.key === 'Home' || ev.key === 'End') {
        const e = ev.key === 'Home' ? list[0] : list[list.length - 1];
        if (!e) return;
        ev.preventDefault();
        choose(e);
        setRevealToken((n) => n + 1);
      } else if (ev.key === 'Enter' && sel) {
        setDetailOpen(true);
      } else if (ev.key === 'Escape') {
        if (sel && open) setDetailOpen(false);
        else choose(null);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const save = (name: string, content: string, type: string) =>
    (props.saveFile ?? download)(name, content, type);

  const pageInfo = (): { url: string; title: string } => {
    if (imported) return imported.page ?? { url: '', title: '' };
    let title = '';
    for (const d of store.docs.values()) if (d.doc.top) title = d.doc.title;
    return { url: store.sections[store.sections.length - 1]?.url ?? '', title };
  };
  const stamp = () => new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);

  const exportJson = (events: readonly TimelineEvent[], suffix: string) => {
    const connSet = new Set(events.map((e) => e.connection));
    const connections =
      events === store.events ? store.connections : store.connections.filter((c) => connSet.has(c));
    const keys = new Set(connections.map((c) => c.key));
    const data = buildTimelineExport({
      connections,
      events: [...events],
      page: pageInfo(),
      toolVersion,
      userAgent: navigator.userAgent,
      now: new Date(),
      patterns: patterns.filter((p) => p.connectionKeys.some((k) => keys.has(k))).map(toPatternForExport),
    });
    save(`wirescope-timeline${suffix}-${stamp()}.json`, JSON.stringify(data, null, 2), 'application/json');
  };

  const exportHar = () => {
    const har = buildHarExport({
      connections: store.connections,
      events: store.events,
      page: pageInfo(),
      toolVersion,
    });
    save(`wirescope-${stamp()}.har`, JSON.stringify(har, null, 2), 'application/json');
  };

  const onImport = props.onImport
    ? async (file: File) => {
        try {
          const result = await props.onImport?.(file);
          if (!result) return;
          setImportError(null);
          setImported(result);
          setSelected(null);
          setSelectedEntry(null);
          setRange(null);
        } catch (err) {
          setImportError(
            `Could not import ${file.name}: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
    : null;

  const lost = liveStore.lost;
  const lostTotal = readOnly ? 0 : lost.missing + lost.dropped + lost.invalid + lost.orphaned;
  const timeOrigin = (e: TimelineEvent) =>
    store.sections[e.section]?.startedAt ?? store.events[0]?.time ?? e.time;
  const resetFilters = () => {
    setQuery('');
    setSelectedEntry(null);
    setRange(null);
    setPatternsOnly(false);
    update({
      query: '',
      transports: ['websocket', 'xhr', 'fetch', 'eventsource'],
      directions: ['out', 'in', 'lifecycle'],
    });
  };
  const toggle = <T,>(list: T[], v: T): T[] =>
    list.includes(v) ? list.filter((x) => x !== v) : [...list, v];

  let body: preact.JSX.Element;
  if (tabId === null && !imported) body = <EmptyState kind="no-tab" />;
  else if (store.events.length === 0)
    body = (
      <EmptyState
        kind={readOnly ? 'empty-import' : liveStore.recording ? 'no-traffic' : 'paused'}
        onReload={props.onReloadPage}
      />
    );
  else if (items.length === 0)
    body = (
      <EmptyState
        kind={patternsOnly && channelEntries.length === 0 ? 'no-patterns' : 'no-match'}
        onResetFilters={resetFilters}
      />
    );
  else
    body = (
      <EventList
        items={items}
        itemsVersion={itemsCounter.current}
        appended={rebuilt ? 0 : appended}
        selectedSeq={current?.seq ?? null}
        onSelect={(e) => select(e)}
        timeOrigin={timeOrigin}
        numberOf={numberOf}
        revealToken={revealToken}
        sectionUrl={(section) => store.sections[section]?.url}
      />
    );

  return (
    <div class="app">
      <Toolbar
        recording={liveStore.recording}
        onToggleRecording={() => {
          liveStore.recording = !liveStore.recording;
          setTick((n) => n + 1);
        }}
        onClear={() => {
          liveStore.clear();
          props.onClearOutside?.();
          setSelected(null);
          setRange(null);
          setTick((n) => n + 1);
        }}
        preserveLog={settings.preserveLog}
        onPreserveLog={(v) => update({ preserveLog: v })}
        query={query}
        queryErrors={parsed.errors}
        onQuery={setQuery}
        filterRef={filterRef}
        transports={transports}
        onToggleTransport={(t: Transport) => update({ transports: toggle(settings.transports, t) })}
        directions={directions}
        onToggleDirection={(d: DirectionGroup) => update({ directions: toggle(settings.directions, d) })}
        patternsOnly={patternsOnly}
        onPatternsOnly={setPatternsOnly}
        onExportTimeline={() => exportJson(store.events, '')}
        onExportFiltered={() => exportJson(items, '-filtered')}
        filteredActive={filteredActive}
        onExportHar={exportHar}
        onImport={onImport}
        payloadCap={settings.payloadCap}
        onPayloadCap={
          props.onPayloadCap
            ? (bytes) => {
                update({ payloadCap: bytes });
                props.onPayloadCap?.(bytes);
              }
            : null
        }
        showTimeline={settings.showTimeline}
        onShowTimeline={(v) => update({ showTimeline: v })}
        onPopOut={props.onPopOut ?? null}
        readOnly={readOnly}
      />
      {importError && (
        <div class="banner error" role="alert">
          {importError}
          <button type="button" aria-label="Dismiss import error" onClick={() => setImportError(null)}>
            ✕
          </button>
        </div>
      )}
      {imported && (
        <div class="banner info" role="status">
          Viewing imported file {imported.name} (read-only).
          {imported.note && <span class="muted"> {imported.note}</span>}
          <button type="button" onClick={() => setImported(null)}>
            Back to live capture
          </button>
        </div>
      )}
      <div class="main">
        <div class="sidebar" style={{ width: `${sizes.sidebar}px` }}>
          <ConnectionList
            entries={entries}
            selectedId={entry ? entry.id : null}
            onSelect={setSelectedEntry}
          />
          {!imported && props.outside && (
            <OutsideRequests requests={props.outside.requests} dropped={props.outside.dropped} />
          )}
        </div>
        <Splitter
          label="Resize connections list"
          orientation="vertical"
          value={sizes.sidebar}
          min={140}
          max={600}
          direction={1}
          onChange={(v) => setSizes({ ...sizes, sidebar: v })}
          onCommit={(v) => update({ sidebarWidth: v })}
        />
        <div class="center">
          {settings.showTimeline && (
            <>
              <TimelineOverview
                entries={entries}
                events={store.events}
                connections={store.connections}
                version={store.version + (props.version ?? 0)}
                height={sizes.timeline}
                range={range}
                onBrush={setRange}
              />
              <Splitter
                label="Resize timeline overview"
                orientation="horizontal"
                value={sizes.timeline}
                min={50}
                max={400}
                direction={1}
                onChange={(v) => setSizes({ ...sizes, timeline: v })}
                onCommit={(v) => update({ timelineHeight: v })}
              />
            </>
          )}
          {body}
        </div>
        {current && detailOpen && (
          <>
            <Splitter
              label="Resize detail pane"
              orientation="vertical"
              value={sizes.detail}
              min={240}
              max={1200}
              direction={-1}
              onChange={(v) => setSizes({ ...sizes, detail: v })}
              onCommit={(v) => update({ detailWidth: v })}
            />
            <div class="detail-wrap" style={{ width: `${sizes.detail}px` }}>
              <DetailPane
                event={current}
                related={related}
                connectionNumber={store.numberOf(current.connection)}
                onClose={() => setDetailOpen(false)}
              />
            </div>
          </>
        )}
      </div>
      <div class="statusbar" role="status" data-testid="summary">
        <span>
          {items.length === store.events.length
            ? `${store.events.length.toLocaleString()} events`
            : `${items.length.toLocaleString()} of ${store.events.length.toLocaleString()} events`}{' '}
          · {store.connections.length.toLocaleString()} connections
        </span>
        {!readOnly && !liveStore.recording && <span class="paused">Recording paused</span>}
        {lostTotal > 0 && (
          <span
            class="lost"
            title={`${lost.missing} never reached the panel, ${lost.dropped} dropped by the page hook, ${lost.invalid} failed validation, ${lost.orphaned} belonged to a connection whose record was lost`}
          >
            {lostTotal.toLocaleString()} events dropped
          </span>
        )}
        {!readOnly && liveStore.rejectedMessages > 0 && (
          <span
            class="lost"
            title="Messages that reached the panel malformed were dropped unread; the events they carried count as never reached once later ones arrive"
          >
            {liveStore.rejectedMessages.toLocaleString()} malformed{' '}
            {liveStore.rejectedMessages === 1 ? 'message' : 'messages'} rejected
          </span>
        )}
        {range && (
          <span class="range">
            Range {formatClock(range[0])} – {formatClock(range[1])}
            <button type="button" class="link" aria-label="Clear time range" onClick={() => setRange(null)}>
              ✕
            </button>
          </span>
        )}
        {!readOnly && props.hookStatus && <HookStatus store={props.hookStatus} />}
      </div>
    </div>
  );
}
