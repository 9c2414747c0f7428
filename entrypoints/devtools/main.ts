import { browser } from 'wxt/browser';
import { PANEL_HIDDEN_EVENT, PANEL_SHOWN_EVENT } from '../../lib/wire/control';

// The DevTools page adds the panel and tells it when DevTools shows or hides
// it, so a panel nobody can see does not spend the page's CPU on drawing.

interface ExtensionPanel {
  onShown: { addListener(listener: (panelWindow?: Window) => void): void };
  onHidden: { addListener(listener: () => void): void };
}
type CreatePanel = (
  title: string,
  iconPath: string,
  pagePath: string,
  callback?: (panel: ExtensionPanel) => void,
) => Promise<ExtensionPanel> | undefined;

/** Chrome hands the panel to a callback; Firefox resolves a promise with it. */
function createPanel(): Promise<ExtensionPanel> {
  const create = browser.devtools.panels.create as unknown as CreatePanel;
  return new Promise((resolve, reject) => {
    if (import.meta.env.FIREFOX) create('Wirescope', '/icon/32.png', '/panel.html')?.then(resolve, reject);
    else create('Wirescope', '/icon/32.png', '/panel.html', resolve);
  });
}

/** Dispatches a payload-free event on the panel's window (an extension page of our own origin). */
function tell(panelWindow: Window | null, name: string): void {
  try {
    panelWindow?.dispatchEvent(new (panelWindow as Window & typeof globalThis).Event(name));
  } catch {
    // The panel's page is gone (DevTools closing): nothing to tell.
  }
}

async function addPanel(): Promise<void> {
  const panel = await createPanel();
  // Chrome and Firefox pass the panel's window to onShown; a browser that does not leaves the panel never paused.
  let panelWindow: Window | null = null;
  panel.onShown.addListener((win) => {
    if (!win) return;
    panelWindow = win;
    tell(win, PANEL_SHOWN_EVENT);
  });
  panel.onHidden.addListener(() => tell(panelWindow, PANEL_HIDDEN_EVENT));
}

void addPanel();
