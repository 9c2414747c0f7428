import { browser } from 'wxt/browser';
import { type PanelSettings, sanitizeSettings } from '../../components/settings';

const KEY = 'panelSettings';

/** Settings remembered in extension storage (sanitised: storage is not trusted to hold our shape). */
export async function loadSettings(): Promise<PanelSettings> {
  try {
    const got = await browser.storage.local.get(KEY);
    return sanitizeSettings(got[KEY]);
  } catch {
    return sanitizeSettings(null);
  }
}

let pending: ReturnType<typeof setTimeout> | null = null;
/** Saves after changes settle (a dragged splitter fires many). */
export function saveSettings(s: PanelSettings): void {
  if (pending) clearTimeout(pending);
  pending = setTimeout(() => {
    pending = null;
    browser.storage.local.set({ [KEY]: s }).catch(() => {});
  }, 300);
}
