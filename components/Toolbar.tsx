// The panel's toolbar: recording, clearing, the filter box and toggles, export,
// import, settings and pop-out. Pure: all state comes in as props.

import type { Ref } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { DirectionGroup, FilterError } from '../lib/filter';
import { formatBytes } from '../lib/format';
import { TRANSPORTS, type Transport } from '../lib/model';
import { FILTER_SYNTAX, inputTextRoom, measureText, placeholderFor } from './filter-placeholder';
import { DIRECTION_GROUPS, PAYLOAD_CAP_CHOICES } from './settings';
import { useObservedSize } from './use-observed-size';

const TRANSPORT_BUTTON: Record<Transport, { text: string; label: string }> = {
  websocket: { text: 'WS', label: 'WebSocket' },
  xhr: { text: 'XHR', label: 'XMLHttpRequest' },
  fetch: { text: 'fetch', label: 'fetch' },
  eventsource: { text: 'SSE', label: 'EventSource (SSE)' },
};

const DIRECTION_BUTTON: Record<DirectionGroup, { text: string; label: string }> = {
  out: { text: '↑', label: 'sent messages' },
  in: { text: '↓', label: 'received messages' },
  lifecycle: { text: '●', label: 'open, close and error events' },
};

const NOTHING_TO_EXPORT = 'Nothing to export yet: no traffic has been recorded';

export interface ToolbarProps {
  recording: boolean;
  onToggleRecording(): void;
  onClear(): void;
  preserveLog: boolean;
  onPreserveLog(v: boolean): void;
  query: string;
  queryErrors: FilterError[];
  onQuery(q: string): void;
  filterRef: Ref<HTMLInputElement>;
  transports: ReadonlySet<Transport>;
  /** A click on a transport chip: `additive` for Ctrl/Cmd-click (add or remove), else "only this". */
  onTransport(t: Transport, additive: boolean): void;
  onAllTransports(): void;
  directions: ReadonlySet<DirectionGroup>;
  onToggleDirection(d: DirectionGroup): void;
  patternsOnly: boolean;
  onPatternsOnly(v: boolean): void;
  /** Something was recorded (or imported): until then the exports are disabled, saying why. */
  exportable: boolean;
  onExportTimeline(): void;
  onExportFiltered(): void;
  filteredActive: boolean;
  onExportHar(): void;
  onImport: ((file: File) => void) | null;
  payloadCap: number;
  onPayloadCap: ((bytes: number) => void) | null;
  showTimeline: boolean;
  onShowTimeline(v: boolean): void;
  decodeProtocols: boolean;
  onDecodeProtocols(v: boolean): void;
  onPopOut: (() => void) | null;
  readOnly: boolean;
  /** A narrow panel: export and import wait behind one "File" button, so the toolbar takes fewer rows. */
  compact?: boolean;
}

export function Toolbar(p: ToolbarProps) {
  const fileRef = useRef<HTMLInputElement>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [fileOpen, setFileOpen] = useState(false);
  const error = p.queryErrors[0];
  const more = p.queryErrors.length - 1;
  const allTransports = TRANSPORTS.every((t) => p.transports.has(t));
  const filterBoxRef = useRef<HTMLDivElement>(null);
  const filterRoom = useObservedSize(filterBoxRef, (el) => {
    const input = el.querySelector('input');
    return input ? inputTextRoom(input) : 0;
  });
  const filterInput = filterBoxRef.current?.querySelector('input');
  const filterFont = filterInput ? getComputedStyle(filterInput).font : '';
  const placeholder = placeholderFor(filterRoom, (text) => measureText(text, filterFont));
  const fileActions = (
    <>
      <button
        type="button"
        title={p.exportable ? 'Download everything as Wirescope JSON' : NOTHING_TO_EXPORT}
        disabled={!p.exportable}
        onClick={p.onExportTimeline}
      >
        Export timeline
      </button>
      <button
        type="button"
        title={
          !p.exportable
            ? NOTHING_TO_EXPORT
            : p.filteredActive
              ? 'Download only the events the filters show, as Wirescope JSON'
              : 'No filter is set: Export timeline downloads everything'
        }
        disabled={!p.exportable || !p.filteredActive}
        onClick={p.onExportFiltered}
      >
        Export filtered view
      </button>
      <button
        type="button"
        title={
          p.exportable
            ? 'Download HAR 1.2 (HTTP entries, WebSocket frames as Chrome writes them)'
            : NOTHING_TO_EXPORT
        }
        disabled={!p.exportable}
        onClick={p.onExportHar}
      >
        Export HAR
      </button>
      <button
        type="button"
        title={p.onImport ? 'Open a Wirescope JSON or a HAR file' : 'Import is not available in this build'}
        disabled={!p.onImport}
        onClick={() => fileRef.current?.click()}
      >
        Import…
      </button>
    </>
  );
  return (
    <div class="toolbar" role="toolbar" aria-label="Wirescope toolbar">
      <button
        type="button"
        class={`record${p.recording ? ' on' : ''}`}
        aria-pressed={p.recording}
        aria-label="Record"
        title={p.recording ? 'Recording: click to pause' : 'Paused: click to record'}
        disabled={p.readOnly}
        onClick={p.onToggleRecording}
      >
        <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
          {p.recording ? (
            <circle cx="6" cy="6" r="5" fill="currentColor" />
          ) : (
            <circle cx="6" cy="6" r="4.5" fill="none" stroke="currentColor" stroke-width="1.5" />
          )}
        </svg>
      </button>
      <button
        type="button"
        aria-label="Clear"
        title="Clear the log"
        disabled={p.readOnly}
        onClick={p.onClear}
      >
        <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
          <circle cx="6" cy="6" r="4.75" fill="none" stroke="currentColor" stroke-width="1.5" />
          <path d="M2.6 9.4 9.4 2.6" stroke="currentColor" stroke-width="1.5" />
        </svg>
      </button>
      <label class="check" title="Keep the log across page loads">
        <input
          type="checkbox"
          checked={p.preserveLog}
          disabled={p.readOnly}
          onChange={(e) => p.onPreserveLog(e.currentTarget.checked)}
        />
        Preserve log
      </label>
      <span class="sep" />
      <div class="filter" ref={filterBoxRef}>
        <input
          ref={p.filterRef}
          type="search"
          class={error ? 'invalid' : ''}
          aria-label="Filter events"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'filter-error' : undefined}
          placeholder={placeholder}
          title={FILTER_SYNTAX}
          spellcheck={false}
          value={p.query}
          onInput={(e) => p.onQuery(e.currentTarget.value)}
        />
      </div>
      {/* Like DevTools' type filter: a click shows only that type, Ctrl/Cmd-click adds or removes it. */}
      <fieldset class="toggles types" aria-label="Transports">
        <button
          type="button"
          aria-pressed={allTransports}
          aria-label="Show all transports"
          title="Show all transports"
          onClick={p.onAllTransports}
        >
          All
        </button>
        {TRANSPORTS.map((t) => (
          <button
            key={t}
            type="button"
            aria-pressed={p.transports.has(t)}
            aria-label={`Show ${TRANSPORT_BUTTON[t].label}`}
            title={`Show only ${TRANSPORT_BUTTON[t].label}; Ctrl/Cmd-click to add or remove it`}
            onClick={(e) => p.onTransport(t, e.ctrlKey || e.metaKey)}
          >
            {TRANSPORT_BUTTON[t].text}
          </button>
        ))}
      </fieldset>
      <fieldset class="toggles" aria-label="Directions">
        {DIRECTION_GROUPS.map((d) => (
          <button
            key={d}
            type="button"
            aria-pressed={p.directions.has(d)}
            aria-label={`Show ${DIRECTION_BUTTON[d].label}`}
            title={`Show ${DIRECTION_BUTTON[d].label}`}
            onClick={() => p.onToggleDirection(d)}
          >
            {DIRECTION_BUTTON[d].text}
          </button>
        ))}
      </fieldset>
      <button
        type="button"
        aria-pressed={p.patternsOnly}
        title="Show only long-poll and polling channels"
        onClick={() => p.onPatternsOnly(!p.patternsOnly)}
      >
        Patterns only
      </button>
      <span class="sep" />
      {p.compact ? (
        <div class="menu-wrap">
          <button
            type="button"
            aria-expanded={fileOpen}
            aria-controls="file-menu"
            title="Export and import"
            onClick={() => setFileOpen(!fileOpen)}
          >
            File ▾
          </button>
          {/* Kept in the page while closed (hidden), so its buttons can still be found by name. */}
          {/* biome-ignore lint/a11y/noStaticElementInteractions: a click on any of its buttons closes the menu. */}
          {/* biome-ignore lint/a11y/useKeyWithClickEvents: the buttons inside have their own keyboard handling. */}
          <div class="menu" id="file-menu" hidden={!fileOpen} onClick={() => setFileOpen(false)}>
            {fileActions}
          </div>
        </div>
      ) : (
        fileActions
      )}
      <input
        ref={fileRef}
        type="file"
        accept=".json,.har,application/json"
        aria-label="Import file"
        hidden
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (file) p.onImport?.(file);
        }}
      />
      <span class="spacer" />
      <div class="settings-wrap">
        <button
          type="button"
          aria-expanded={settingsOpen}
          aria-haspopup="dialog"
          title="Settings"
          aria-label={p.compact ? 'Settings' : undefined}
          onClick={() => setSettingsOpen(!settingsOpen)}
        >
          {p.compact ? '⚙' : '⚙ Settings'}
        </button>
        {settingsOpen && (
          <div class="settings" role="dialog" aria-label="Settings">
            <label>
              Payload cap{' '}
              <select
                aria-label="Payload cap"
                value={String(p.payloadCap)}
                disabled={!p.onPayloadCap}
                onChange={(e) => p.onPayloadCap?.(Number(e.currentTarget.value))}
              >
                {PAYLOAD_CAP_CHOICES.map((c) => (
                  <option key={c} value={String(c)}>
                    {formatBytes(c)}
                  </option>
                ))}
              </select>
            </label>
            <p class="muted">Bytes of each payload kept; larger payloads are truncated (and marked).</p>
            <label class="check">
              <input
                type="checkbox"
                checked={p.showTimeline}
                onChange={(e) => p.onShowTimeline(e.currentTarget.checked)}
              />
              Show timeline overview
            </label>
            <label class="check">
              <input
                type="checkbox"
                checked={p.decodeProtocols}
                onChange={(e) => p.onDecodeProtocols(e.currentTarget.checked)}
              />
              Decode protocols
            </label>
            <p class="muted">
              Socket.IO, SockJS, STOMP, GraphQL, MQTT, JSON-RPC, SignalR, Phoenix, Action Cable, MessagePack,
              CBOR, protobuf; off shows raw payloads only.
            </p>
          </div>
        )}
      </div>
      {p.onPopOut && (
        <button type="button" title="Open this panel in its own window" onClick={p.onPopOut}>
          Pop out
        </button>
      )}
      {/* Last and full width, so it takes its own line under the controls and covers nothing. */}
      {error && (
        <div id="filter-error" class="filter-error" role="alert">
          {error.message}
          {more > 0 && ` (and ${more} more)`}
        </div>
      )}
    </div>
  );
}
