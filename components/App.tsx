import { useState } from 'preact/hooks';
import { buildTimelineExport } from '../lib/export/timeline';
import { DIRECTION_ARROW, formatBytes, formatClock, previewOf, TRANSPORT_LABEL } from '../lib/format';
import type { TimelineStore } from '../lib/timeline/store';

export interface AppProps {
  store: TimelineStore;
  tabId: number | null;
  popOutUrl: string | null;
  toolVersion: string;
}

function downloadJson(name: string, value: unknown): void {
  const blob = new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function App({ store, tabId, popOutUrl, toolVersion }: AppProps) {
  const [, setTick] = useState(0);
  const refresh = () => setTick((t) => t + 1);
  const lost = store.lost;
  const lostTotal = lost.missing + lost.dropped + lost.invalid;
  const top = store.sections[store.sections.length - 1];

  const exportTimeline = () => {
    const data = buildTimelineExport({
      connections: store.connections,
      events: store.events,
      page: { url: top?.url ?? '', title: '' },
      toolVersion,
      userAgent: navigator.userAgent,
      now: new Date(),
    });
    downloadJson('wirescope-timeline.json', data);
  };

  return (
    <div class="app">
      <div class="toolbar" role="toolbar" aria-label="Wirescope toolbar">
        <button
          type="button"
          onClick={() => {
            store.clear();
            refresh();
          }}
        >
          Clear
        </button>
        <label>
          <input
            type="checkbox"
            checked={store.preserveLog}
            onChange={(e) => {
              store.preserveLog = e.currentTarget.checked;
              refresh();
            }}
          />
          Preserve log
        </label>
        <button type="button" onClick={exportTimeline}>
          Export timeline
        </button>
        {popOutUrl && (
          <a class="popout" href={popOutUrl} target="_blank" rel="noreferrer">
            Pop out
          </a>
        )}
        <span class="summary" data-testid="summary">
          {store.connections.length} connections · {store.events.length} events
          {lostTotal > 0 && <span class="lost"> · {lostTotal} events dropped</span>}
        </span>
      </div>
      {tabId === null ? (
        <p class="empty">Open this panel from DevTools, or pass ?tabId=N to attach it to a tab.</p>
      ) : store.events.length === 0 ? (
        <p class="empty">
          No realtime traffic yet. Connections opened before Wirescope was installed need a page reload.
        </p>
      ) : (
        <table class="events" data-testid="events">
          <thead>
            <tr>
              <th>Time</th>
              <th>Conn</th>
              <th>Transport</th>
              <th>Dir</th>
              <th>Size</th>
              <th>Data</th>
            </tr>
          </thead>
          <tbody>
            {store.events.slice(-500).map((e) => (
              <tr key={e.seq} data-type={e.record.type}>
                <td>{formatClock(e.time)}</td>
                <td title={e.connection.url}>{e.connection.localId}</td>
                <td>{TRANSPORT_LABEL[e.connection.transport]}</td>
                <td>{DIRECTION_ARROW[e.record.type]}</td>
                <td>{e.record.size !== undefined ? formatBytes(e.record.size) : ''}</td>
                <td class="preview">{previewOf(e.record)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
