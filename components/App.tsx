// The Wirescope panel: toolbar, connections list, timeline overview, the
// unified event list and the detail pane. A shell over the view-state stores
// (components/state) and a TimelineStore; the panel glue (entrypoints/panel)
// supplies data, settings storage and actions.

import { batch } from '@preact/signals';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { DECODERS } from '../lib/decode';
import { ConnectionDecodings } from '../lib/decode/connection-decoding';
import { decodingChoiceOf, withDecodingChoice } from '../lib/decode/decoding-choice';
import { latencyWords } from '../lib/decode/pair-latency';
import { buildViewPredicate, dependsOnLaterEvents } from '../lib/filter';
import { formatDuration } from '../lib/format';
import type { CallSite } from '../lib/model';
import type { OutsideRequest } from '../lib/outside-requests';
import { findingsOf, type Pattern } from '../lib/patterns';
import { buildEntries } from '../lib/timeline/channels';
import { type ListRow, ListRows } from '../lib/timeline/list-rows';
import { type Connection, isHttp, type TimelineStore } from '../lib/timeline/store';
import { FilteredView } from '../lib/timeline/view';
import { ChannelCycles } from './ChannelCycles';
import { ConnectionList } from './ConnectionList';
import type { DecodingControl } from './DecodingBar';
import { DetailPane } from './DetailPane';
import { download } from './download';
import { EmptyState } from './EmptyState';
import { EventList } from './EventList';
import { FindingsStrip } from './FindingsStrip';
import { HookStatus } from './HookStatus';
import { ImportBanners } from './ImportBanners';
import { OutsideRequests } from './OutsideRequests';
import { Splitter } from './Splitter';
import { StatusBar } from './StatusBar';
import { type PanelSettings, sanitizeSettings } from './settings';
import { createViewState } from './state';
import type { HookStatusStore } from './state/hook-status-store';
import { bodyKind, lossOf } from './state/status-store';
import {
  type ExportContext,
  harFile,
  type ImportedTimeline,
  livePage,
  type SavedFile,
  timelineFile,
} from './state/transfer-store';
import { TimelineOverview } from './TimelineOverview';
import { Toolbar } from './Toolbar';
import { useObservedBox } from './use-observed-size';
import { usePanelKeys } from './use-panel-keys';
import { ViewBar } from './ViewBar';

export type { ImportedTimeline };

export interface AppProps {
  store: TimelineStore;
  /** Bumped by the glue whenever the store changed. */
  version?: number;
  tabId: number | null;
  toolVersion: string;
  /** Worker traffic only DevTools' network log saw (live panel inside DevTools). */
  outside?: { requests: readonly OutsideRequest[]; unlisted: number };
  /** The user cleared the panel: forget the outside requests too. */
  onClearOutside?(): void;
  /** Detected polling channels of the live store. */
  patterns?: readonly Pattern[];
  /**
   * The live store's channels as detected now. An export reads them from here,
   * so the file's channels are as current as its records, even when the
   * panel has not redrawn since the last records came in (it draws a few
   * times a second, and not at all while hidden).
   */
  currentPatterns?(): readonly Pattern[];
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
  /** Opens a request's initiator in DevTools' Sources panel (absent where DevTools cannot be asked). */
  onOpenSource?(site: CallSite): void;
}

const NO_PATTERNS: readonly Pattern[] = [];

export function App(props: AppProps) {
  const { store: liveStore, tabId, toolVersion } = props;
  const latestProps = useRef(props);
  latestProps.current = props;
  const [state] = useState(() =>
    createViewState(props.settings ?? sanitizeSettings(null), (s) =>
      latestProps.current.onSettingsChange?.(s),
    ),
  );
  const {
    settings,
    filter,
    selection,
    layout,
    transfer,
    status,
    rows: rowsState,
    findings: findingsView,
  } = state;
  useEffect(() => () => filter.dispose(), []);
  const appRef = useRef<HTMLDivElement>(null);
  useObservedBox(appRef, (size) => layout.measure(size));
  const filterRef = useRef<HTMLInputElement>(null);

  const prefs = settings.settings.value;
  const imported = transfer.imported.value;
  const store = imported?.store ?? liveStore;
  const readOnly = imported !== null;
  const patterns = imported ? transfer.importedPatterns.value : (props.patterns ?? NO_PATTERNS);
  const version = `${props.version ?? 0}:${store.version}`;
  useEffect(() => {
    liveStore.preserveLog = prefs.preserveLog;
  }, [prefs.preserveLog]);

  const numberOf = (c: Connection) => store.numberOf(c);
  const entries = useMemo(
    () => buildEntries(store.connections, patterns, numberOf, { imported: readOnly }),
    [store, version, patterns],
  );
  const allFindings = useMemo(
    () => findingsOf(patterns, { initiatorOf: (key) => store.connection(key)?.record.initiator }),
    [patterns, store, version],
  );
  // The strip leaves out dismissed findings; the status bar counts them all (its click shows them again).
  const findings = findingsView.visible(allFindings);
  const entryId = filter.entryId.value;
  const entry = entryId ? entries.find((e) => e.id === entryId) : undefined;
  // A selected channel shows its cycles where the detail pane goes, while no event's detail is open.
  const channel = entry?.kind === 'channel' ? patterns.find((p) => p.id === entry.pattern?.id) : undefined;
  const connectionKeys = filter.connectionScope(entries);
  const parsed = filter.parsed.value;
  const transports = filter.transports.value;
  const directions = filter.directions.value;
  const range = filter.range.value;
  const patternsOnly = filter.patternsOnly.value;

  // Protocols are detected and messages decoded lazily, for what is shown (lib/decode);
  // a "Decode as…" choice or turning decoding off starts them afresh.
  const decodings = useMemo(
    () =>
      new ConnectionDecodings(
        prefs.decodeProtocols ? DECODERS : [],
        // The user's choice for the endpoint, else (in an imported file) what the file was decoded as.
        (c) => decodingChoiceOf(prefs.decodeAs, c.url) ?? imported?.decodedAs?.[c.key] ?? null,
      ),
    [store, prefs.decodeProtocols, prefs.decodeAs],
  );
  decodings.sync(store.events);
  // latency> and unanswered change as answers arrive: such a filter is applied afresh as events come.
  const laterEvents = parsed && dependsOnLaterEvents(parsed.clauses) ? store.events.length : 0;
  const view = useMemo(() => new FilteredView(store), [store]);
  const predicate = useMemo(
    () =>
      buildViewPredicate(
        { query: parsed, transports, directions, connectionKeys, timeRange: range },
        numberOf,
        decodings,
      ),
    [parsed, transports, directions, connectionKeys, range, store, decodings, laterEvents],
  );
  // The overview shows what the list's filter lets through over all time
  // ("patterns only" included); the selected entry's lane is highlighted
  // there rather than the other lanes hidden.
  const overviewScope = entry ? null : connectionKeys;
  const overviewPredicate = useMemo(
    () =>
      buildViewPredicate(
        { query: parsed, transports, directions, connectionKeys: overviewScope, timeRange: null },
        numberOf,
        decodings,
      ),
    [parsed, transports, directions, overviewScope, store, decodings, laterEvents],
  );
  view.setPredicate(predicate);
  // Only what arrived since the last render is scanned (see FilteredView, ListRows).
  view.update();
  const items = view.items;
  const listRows = useMemo(() => new ListRows(), [store]);
  const protocolLabelOf = (c: Connection) => decodings.protocolOf(c)?.label ?? null;
  // Each sidebar entry's protocol: that of its first connection that speaks one.
  const entryProtocols = useMemo(() => {
    const byKey = new Map(store.connections.map((c) => [c.key, c]));
    const labels = new Map<string, string>();
    for (const e of entries) {
      if (e.kind === 'other') continue;
      for (const key of e.connectionKeys.slice(0, 4)) {
        const c = byKey.get(key);
        const label = c ? protocolLabelOf(c) : null;
        if (label) {
          labels.set(e.id, label);
          break;
        }
      }
    }
    return labels;
  }, [entries, version, decodings]);
  // The selected entry's call latency (decoding its whole conversation: only the selected one's).
  const entryLatency = useMemo(() => {
    if (!entry || entry.kind === 'other' || !entryProtocols.has(entry.id)) return null;
    const keys = new Set(entry.connectionKeys);
    const stats = decodings.conversationLatencyOf(store.connections.filter((c) => keys.has(c.key)));
    return stats ? latencyWords(stats, formatDuration) : null;
  }, [entry, entryProtocols, version, decodings]);
  const decodingControl = (c: Connection): DecodingControl | undefined =>
    prefs.decodeProtocols
      ? {
          current: protocolLabelOf(c),
          choice: decodingChoiceOf(prefs.decodeAs, c.url),
          fromFile: imported?.decodedAs?.[c.key] !== undefined,
          detected: decodings.detectedOf(c)?.label ?? null,
          options: DECODERS,
          onChoose: (choice) =>
            settings.update({ decodeAs: withDecodingChoice(settings.value.decodeAs, c.url, choice) }),
          latency: decodings.conversationLatencyOf([c]),
        }
      : undefined;
  const expanded = rowsState.expandedIn(store);
  listRows.setOptions({ stepsAsRows: prefs.httpStepsAsRows, expanded });
  const rowsCounter = useRef(0);
  const { appended, rebuilt } = listRows.update(view);
  if (appended > 0 || rebuilt) rowsCounter.current++;
  const rows = listRows.rows;

  // A cleared or replaced store drops a selection that no longer exists.
  const target = selection.targetIn(store);
  const current = target?.event ?? null;
  const detailOpen = selection.detailOpen.value;
  const related = useMemo(() => {
    if (!current) return [];
    const c = current.connection;
    if (c.transport !== 'xhr' && c.transport !== 'fetch') return [];
    return store.events.filter((e) => e.connection === c);
  }, [current, version]);

  usePanelKeys(state, filterRef, rows, store);

  const exportContext = (): ExportContext => ({
    store,
    patterns: imported ? patterns : (latestProps.current.currentPatterns?.() ?? patterns),
    page: imported ? (imported.page ?? { url: '', title: '' }) : livePage(store),
    toolVersion,
    userAgent: navigator.userAgent,
    now: new Date(),
    decoding: decodings,
  });
  const save = (f: SavedFile) => (props.saveFile ?? download)(f.name, f.content, f.type);
  const onImport = props.onImport
    ? async (file: File) => {
        const open = latestProps.current.onImport;
        if (!open || !(await transfer.importFile(file, open))) return;
        batch(() => {
          selection.clear();
          filter.clearScope();
          findingsView.reset();
        });
      }
    : null;

  const recording = status.recording(liveStore);
  const kind = bodyKind({
    hasTab: tabId !== null,
    readOnly,
    recording,
    events: store.events.length,
    shown: rows.length,
    patternsOnly,
    channels: entries.filter((e) => e.kind === 'channel').length,
  });
  const body =
    kind === 'list' ? (
      <EventList
        rows={rows}
        rowsVersion={rowsCounter.current}
        appended={rebuilt ? 0 : appended}
        target={target}
        onSelect={(row: ListRow) => selection.chooseRow(row, store)}
        isExpanded={(c) => expanded.has(c.key)}
        onToggleExpanded={(c) => rowsState.toggle(store, c.key)}
        timeOrigin={(e) => store.loadTimeOf(e.section) ?? e.time}
        numberOf={numberOf}
        revealToken={selection.revealToken.value}
        sectionUrl={(section) => store.sections[section]?.url}
        hiddenColumns={prefs.hiddenColumns}
        onHiddenColumns={(hidden) => settings.update({ hiddenColumns: hidden })}
        stepsAsRows={prefs.httpStepsAsRows}
        onStepsAsRows={(v) => settings.update({ httpStepsAsRows: v })}
        imported={readOnly}
        longestEndedMs={listRows.longestEndedMs}
        decodedOf={(e) => decodings.decodedOf(e)}
        protocolLabelOf={protocolLabelOf}
      />
    ) : (
      <EmptyState kind={kind} onReload={props.onReloadPage} onResetFilters={() => filter.reset()} />
    );

  const sizes = layout.sizes.value;
  const narrow = layout.narrow.value;
  const short = layout.short.value;
  const overviewShown = layout.overviewShown.value;
  const overviewFolded = layout.overviewFolded.value;
  const connections = (
    <>
      <ConnectionList
        entries={entries}
        selectedId={entry ? entry.id : null}
        loadTimeOf={(section) => store.loadTimeOf(section)}
        protocolOf={(e) => entryProtocols.get(e.id) ?? null}
        selectedLatency={entryLatency}
        onSelect={(id) =>
          batch(() => {
            filter.entryId.value = id;
            layout.closeConnections();
            if (id?.startsWith('pattern:')) selection.closeDetail();
          })
        }
      />
      {!imported && props.outside && (
        <OutsideRequests requests={props.outside.requests} unlisted={props.outside.unlisted} />
      )}
    </>
  );

  return (
    <div class={`app${short ? ' short' : ''}${narrow ? ' narrow' : ''}`} ref={appRef}>
      <Toolbar
        recording={recording}
        onToggleRecording={() => status.toggleRecording(liveStore)}
        onClear={() =>
          batch(() => {
            status.clear(liveStore);
            findingsView.reset();
            props.onClearOutside?.();
            selection.clear();
            filter.range.value = null;
          })
        }
        preserveLog={prefs.preserveLog}
        onPreserveLog={(v) => settings.update({ preserveLog: v })}
        query={filter.query.value}
        queryErrors={parsed.errors}
        onQuery={(q) => filter.setQuery(q)}
        filterRef={filterRef}
        transports={transports}
        onTransport={(t, additive) => (additive ? filter.toggleTransport(t) : filter.showOnlyTransport(t))}
        onAllTransports={() => filter.showAllTransports()}
        directions={directions}
        onToggleDirection={(d) => filter.toggleDirection(d)}
        patternsOnly={patternsOnly}
        onPatternsOnly={(v) => {
          filter.patternsOnly.value = v;
        }}
        exportable={store.connections.length > 0}
        onExportTimeline={() => save(timelineFile(exportContext(), store.events, ''))}
        onExportFiltered={() => save(timelineFile(exportContext(), items, '-filtered'))}
        filteredActive={predicate !== null}
        onExportHar={() => save(harFile(exportContext()))}
        onImport={onImport}
        payloadCap={prefs.payloadCap}
        onPayloadCap={
          props.onPayloadCap
            ? (bytes) => {
                settings.update({ payloadCap: bytes });
                props.onPayloadCap?.(bytes);
              }
            : null
        }
        showTimeline={overviewShown}
        onShowTimeline={(v) => layout.showOverview(v)}
        decodeProtocols={prefs.decodeProtocols}
        onDecodeProtocols={(v) => settings.update({ decodeProtocols: v })}
        onPopOut={props.onPopOut ?? null}
        readOnly={readOnly}
        compact={narrow}
      />
      <ImportBanners
        error={transfer.error.value}
        onDismissError={() => transfer.dismissError()}
        imported={imported}
        onLeave={() => transfer.leave()}
      />
      <div class="main">
        {!narrow && (
          <>
            <div class="sidebar" style={{ width: `${sizes.sidebar}px` }}>
              {connections}
            </div>
            <Splitter
              label="Resize connections list"
              orientation="vertical"
              value={sizes.sidebar}
              min={140}
              max={600}
              direction={1}
              onChange={(v) => layout.resize('sidebar', v)}
              onCommit={(v) => layout.commit('sidebar', v)}
            />
          </>
        )}
        <div class="center">
          {(narrow || (short && overviewShown)) && (
            <ViewBar
              connections={narrow ? connections : null}
              connectionTitle={
                entry ? (entry.number !== undefined ? `#${entry.number} ` : '') + entry.title : null
              }
              connectionsOpen={layout.connectionsOpen.value}
              onToggleConnections={() => layout.toggleConnections()}
              overviewFolded={short && overviewShown ? overviewFolded : null}
              onToggleOverview={() => layout.toggleOverviewFold()}
            />
          )}
          {overviewShown && !overviewFolded && (
            <>
              <TimelineOverview
                entries={entries}
                events={store.events}
                connections={store.connections}
                version={store.version + (props.version ?? 0)}
                height={layout.overviewHeight(entries.length)}
                range={range}
                predicate={overviewPredicate}
                selectedEntryId={entry ? entry.id : null}
                onBrush={(r) => {
                  filter.range.value = r;
                }}
              />
              <Splitter
                label="Resize timeline overview"
                orientation="horizontal"
                value={sizes.timeline}
                min={50}
                max={400}
                direction={1}
                onChange={(v) => layout.resize('timeline', v)}
                onCommit={(v) => layout.commit('timeline', v)}
              />
            </>
          )}
          <FindingsStrip
            findings={findings}
            store={findingsView}
            shownId={findings.find((f) => `pattern:${f.patternId}` === entryId)?.id ?? null}
            onShowRequests={(f) => {
              filter.entryId.value = findingsView.showRequests(
                `pattern:${f.patternId}`,
                filter.entryId.value,
              );
            }}
            onOpenSource={props.onOpenSource}
          />
          {body}
        </div>
        {((current && detailOpen) || channel) && (
          <>
            <Splitter
              label="Resize detail pane"
              orientation="vertical"
              value={sizes.detail}
              min={240}
              max={1200}
              direction={-1}
              onChange={(v) => layout.resize('detail', v)}
              onCommit={(v) => layout.commit('detail', v)}
            />
            <div class="detail-wrap" style={{ width: `${layout.detailWidth.value}px` }}>
              {current && detailOpen ? (
                <DetailPane
                  event={current}
                  related={related}
                  exchange={target?.exchange ?? false}
                  connectionNumber={store.numberOf(current.connection)}
                  loadTime={store.loadTimeOf(current.section)}
                  imported={readOnly}
                  rememberedTabs={prefs.detailTabs}
                  onTabChosen={(kind, tab) =>
                    settings.update({ detailTabs: { ...settings.value.detailTabs, [kind]: tab } })
                  }
                  onClose={() => selection.closeDetail()}
                  onOpenSource={props.onOpenSource}
                  decodedOf={(e) => decodings.decodedOf(e)}
                  protocolLabel={protocolLabelOf(current.connection)}
                  pairOf={(e) => decodings.pairOf(e)}
                  decoding={decodingControl(current.connection)}
                  onSelectEvent={(e) =>
                    selection.reveal(e, store, isHttp(e.connection) && !prefs.httpStepsAsRows)
                  }
                />
              ) : (
                channel && (
                  <ChannelCycles
                    pattern={channel}
                    store={store}
                    version={`${version}:${channel.version}`}
                    imported={readOnly}
                    now={readOnly ? null : Date.now()}
                    selectedKey={current?.connection.key ?? null}
                    onSelect={(e) => selection.reveal(e, store, !prefs.httpStepsAsRows)}
                    onOpen={(e) => selection.choose(e, store, !prefs.httpStepsAsRows)}
                  />
                )
              )}
            </div>
          </>
        )}
      </div>
      <StatusBar
        shown={items.length}
        total={store.events.length}
        connections={store.connections.length}
        paused={!readOnly && !recording}
        loss={lossOf(liveStore, readOnly)}
        rejected={readOnly ? 0 : liveStore.rejectedMessages}
        range={range}
        onClearRange={() => {
          filter.range.value = null;
        }}
        findings={{
          total: allFindings.length,
          ongoing: allFindings.filter((f) => f.state === 'ongoing').length,
        }}
        onShowFindings={() => findingsView.reveal()}
      >
        {!readOnly && props.hookStatus && <HookStatus store={props.hookStatus} />}
      </StatusBar>
    </div>
  );
}
