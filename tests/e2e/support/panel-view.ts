// The panel's DOM reads and clicks, written once as script that runs inside
// the panel page, so a shared spec drives the panel the same way in Chromium
// and in Firefox. Only file input, downloads, keys and the colour scheme differ per browser.

import type { Downloaded, PanelView, TestTab } from './engine';

export interface PanelNative {
  setInputFile(selector: string, path: string): Promise<void>;
  download(name: string): Promise<Downloaded>;
  emulateColorScheme(scheme: 'light' | 'dark' | null): Promise<void>;
}

interface TextMatch {
  text: string;
  /** A RegExp's source and flags (RegExps do not cross into the page). */
  pattern?: { source: string; flags: string };
}

const toMatch = (m: string | RegExp | undefined): TextMatch | null =>
  m === undefined
    ? null
    : typeof m === 'string'
      ? { text: m }
      : { text: '', pattern: { source: m.source, flags: m.flags } };

export function panelViewOf(tab: TestTab, native: PanelNative): PanelView {
  const clickWhere = async (selector: string, match: TextMatch | null, buttonsOnly: boolean) => {
    const clicked = await tab.evaluate(
      ({ selector, match, buttonsOnly }) => {
        const matches = (el: Element) => {
          if (!match) return true;
          const names = [
            el.textContent ?? '',
            el.getAttribute('aria-label') ?? '',
            el.getAttribute('title') ?? '',
          ];
          return names.some((name) =>
            match.pattern
              ? new RegExp(match.pattern.source, match.pattern.flags).test(name.trim())
              : buttonsOnly
                ? name.trim() === match.text
                : name.includes(match.text),
          );
        };
        const el = [...document.querySelectorAll(selector)].find(
          (e) => matches(e) && !(e instanceof HTMLButtonElement && e.disabled),
        );
        if (!(el instanceof HTMLElement)) return false;
        el.click();
        return true;
      },
      { selector, match, buttonsOnly },
    );
    if (!clicked)
      throw new Error(
        `nothing to click in the panel: ${selector}${match ? ` with ${JSON.stringify(match)}` : ''}`,
      );
  };

  return {
    ...tab,
    texts: (selector) =>
      tab.evaluate((s) => [...document.querySelectorAll(s)].map((e) => e.textContent ?? ''), selector),
    text: (selector) => tab.evaluate((s) => document.querySelector(s)?.textContent ?? '', selector),
    click: (selector, hasText) => clickWhere(selector, toMatch(hasText), false),
    clickButton: (name) => clickWhere('button, [role="button"], [role="tab"]', toMatch(name), true),
    selectRow: async (which) => {
      const selected = await tab.evaluate((w) => {
        const rows = [...document.querySelectorAll('[data-testid="events"] tbody tr')];
        const row = typeof w === 'number' ? rows[w] : rows.find((r) => r.textContent?.includes(w));
        row?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, cancelable: true, button: 0 }));
        return row !== undefined;
      }, which);
      if (!selected) throw new Error(`no event row ${JSON.stringify(which)} in the panel`);
    },
    fill: async (selector, value) => {
      const filled = await tab.evaluate(
        ({ selector, value }) => {
          const input = document.querySelector(selector);
          if (!(input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement)) return false;
          input.focus();
          // The value setter of the element's prototype, so frameworks see the change as typing.
          const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), 'value')?.set;
          setter?.call(input, value);
          input.dispatchEvent(new Event('input', { bubbles: true }));
          input.dispatchEvent(new Event('change', { bubbles: true }));
          return true;
        },
        { selector, value },
      );
      if (!filled) throw new Error(`no input to fill in the panel: ${selector}`);
    },
    setInputFile: native.setInputFile,
    download: native.download,
    emulateColorScheme: native.emulateColorScheme,
  };
}
