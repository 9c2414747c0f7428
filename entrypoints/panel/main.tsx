import { render } from 'preact';
import { browser } from 'wxt/browser';
import { App } from '../../components/App';
import { DEFAULT_PAYLOAD_CAP } from '../../lib/protocol';
import { TimelineStore } from '../../lib/timeline/store';
import { connectToTab, inspectedTabId } from './connection';
import '../../components/panel.css';

const store = new TimelineStore();
const tabId = inspectedTabId();
const root = document.getElementById('app');

if (root) {
  let rerender = () => {};
  if (tabId !== null) {
    connectToTab(
      tabId,
      DEFAULT_PAYLOAD_CAP,
      (msg) => {
        store.ingest(msg);
        rerender();
      },
      () => {},
    );
  }
  const popOutUrl = tabId !== null ? browser.runtime.getURL(`/panel.html?tabId=${tabId}`) : null;
  const draw = () =>
    render(
      <App
        store={store}
        tabId={tabId}
        popOutUrl={popOutUrl}
        toolVersion={browser.runtime.getManifest().version}
      />,
      root,
    );
  // Coalesce bursts of batches into one render (a timer, not rAF: rAF stops while the panel is hidden).
  let scheduled = false;
  rerender = () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      draw();
    }, 50);
  };
  draw();
}
