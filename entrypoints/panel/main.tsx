import { render } from 'preact';
import { browser } from 'wxt/browser';
import { App, type ImportedTimeline } from '../../components/App';
import type { PanelSettings } from '../../components/settings';
import { HookStatusStore } from '../../components/state/hook-status-store';
import { importFile } from '../../lib/import';
import { OutsideRequestLog } from '../../lib/outside-requests';
import { PatternDetector } from '../../lib/patterns';
import { RenderScheduler } from '../../lib/timeline/render-cadence';
import { TimelineStore } from '../../lib/timeline/store';
import { PANEL_HIDDEN_EVENT, PANEL_SHOWN_EVENT } from '../../lib/wire/control';
import { connectToTab, inspectedTabId } from './connection';
import { watchDevToolsNetwork } from './devtools-network';
import { sourceOpener } from './open-source';
import { loadSettings, saveSettings } from './settings-storage';
import { applyDevToolsTheme } from './theme';
import '../../components/panel.css';

const store = new TimelineStore();
const detector = new PatternDetector();
const outside = new OutsideRequestLog();
const tabId = inspectedTabId();
const root = document.getElementById('app');
const poppedOut = new URLSearchParams(location.search).has('tabId');

async function popOut(id: number): Promise<void> {
  const url = browser.runtime.getURL(`/panel.html?tabId=${id}`);
  try {
    await browser.windows.create({ url, type: 'popup', width: 1200, height: 760 });
  } catch {
    // DevTools pages may lack the windows API: a plain window does the same job.
    window.open(url, `wirescope-${id}`, 'popup,width=1200,height=760');
  }
}

/** Reads a Wirescope JSON or HAR file into a read-only store; rejects with why not. */
async function openFile(file: File): Promise<ImportedTimeline> {
  const result = importFile(await file.text(), file.name);
  if (!result.ok) {
    const prefix = `${file.name}: `;
    throw new Error(result.error.startsWith(prefix) ? result.error.slice(prefix.length) : result.error);
  }
  const { parts } = result;
  const imported = TimelineStore.fromParts({ connections: parts.connections, events: parts.events });
  const skipped = result.skipped;
  return {
    store: imported,
    name: file.name,
    page: parts.page,
    ...(parts.decodedAs && { decodedAs: parts.decodedAs }),
    ...(skipped > 0
      ? {
          note: `${skipped} page resource${skipped === 1 ? ' was' : 's were'} skipped (not realtime traffic).`,
        }
      : {}),
  };
}

function reloadInspected(): void {
  const devtools = (browser as { devtools?: typeof browser.devtools }).devtools;
  if (devtools?.inspectedWindow && !poppedOut) devtools.inspectedWindow.reload({});
  else if (tabId !== null) browser.tabs.reload(tabId).catch(() => {});
}

async function start(el: HTMLElement): Promise<void> {
  applyDevToolsTheme(document.documentElement);
  const settings = await loadSettings();
  store.preserveLog = settings.preserveLog;
  let version = 0;
  // Redraws run from a timer, by when `draw` (defined below, once the connection exists) is ready.
  const scheduler = new RenderScheduler(() => {
    version++;
    draw();
  });
  let hookStatus: HookStatusStore | undefined;
  const connection =
    tabId !== null
      ? connectToTab(tabId, settings.payloadCap, {
          onRecords(msg) {
            // A frame's first message replays its history: the frame has just reached this panel.
            if (msg.replayed) hookStatus?.frameAppeared(msg.frameId, msg.doc);
            const hadNothing = store.connections.length === 0;
            store.ingest(msg);
            detector.update(store, Date.now());
            scheduler.changed(msg.records.length);
            // Export is disabled while there is nothing to export: a panel nobody sees draws
            // once when the first connection arrives, so its buttons are never left disabled.
            if (hadNothing && store.connections.length > 0 && !visible()) {
              version++;
              draw();
            }
          },
          onReply(reply) {
            if (hookStatus?.accept(reply)) scheduler.changed(0);
          },
          onInvalid() {
            store.rejectMessage();
            scheduler.changed(0);
          },
        })
      : null;
  if (connection) {
    const idBytes = crypto.getRandomValues(new Uint8Array(6));
    hookStatus = new HookStatusStore({
      send: (command, frameId) => connection.command(command, frameId),
      setTimer: (fn, ms) =>
        setTimeout(() => {
          fn();
          scheduler.changed(0);
        }, ms),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      idPrefix: Array.from(idBytes, (b) => b.toString(16).padStart(2, '0')).join(''),
    });
    hookStatus.refresh();
  }
  let current: PanelSettings = settings;
  // Not drawn while nobody can see it: another DevTools tab is selected (the
  // DevTools page tells us), or its window is minimised. Shown again, it draws at once.
  let shownByDevTools = true;
  const visible = () => shownByDevTools && document.visibilityState !== 'hidden';
  const listsOutside =
    !poppedOut &&
    watchDevToolsNetwork(outside, {
      shown: visible,
      preserveLog: () => current.preserveLog,
      changed: () => scheduler.changed(0),
    });
  const openSource = sourceOpener(poppedOut);
  const draw = () =>
    render(
      <App
        store={store}
        version={version}
        patterns={detector.patterns(Date.now())}
        currentPatterns={() => {
          detector.update(store, Date.now());
          return detector.patterns(Date.now());
        }}
        outside={listsOutside ? { requests: outside.list(), unlisted: outside.unlisted } : undefined}
        onClearOutside={() => {
          outside.clear();
          scheduler.changed(0);
        }}
        tabId={tabId}
        toolVersion={browser.runtime.getManifest().version}
        settings={current}
        onSettingsChange={(s) => {
          current = s;
          saveSettings(s);
        }}
        onPayloadCap={connection ? (bytes) => connection.setPayloadCap(bytes) : undefined}
        onPopOut={tabId !== null && !poppedOut ? () => void popOut(tabId) : undefined}
        onReloadPage={tabId !== null ? reloadInspected : undefined}
        onImport={openFile}
        hookStatus={hookStatus}
        onOpenSource={openSource}
      />,
      el,
    );
  draw();
  const applyVisibility = () => scheduler.setPaused(!visible());
  addEventListener(PANEL_SHOWN_EVENT, () => {
    shownByDevTools = true;
    applyVisibility();
  });
  addEventListener(PANEL_HIDDEN_EVENT, () => {
    shownByDevTools = false;
    applyVisibility();
  });
  document.addEventListener('visibilitychange', applyVisibility);
  applyVisibility();
  // Channel states (held / gap / waiting) change with time, not only with traffic.
  let seen = detector.version;
  setInterval(() => {
    detector.update(store, Date.now());
    if (detector.version !== seen) {
      seen = detector.version;
      scheduler.changed(0);
    }
  }, 250);
}

if (root) void start(root);
