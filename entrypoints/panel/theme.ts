import { browser } from 'wxt/browser';

/**
 * Follows DevTools' theme when DevTools tells it (themeName 'dark' / 'default'),
 * else the system's colour scheme. Either way the result is html[data-theme],
 * the only thing the stylesheet looks at.
 */
export function applyDevToolsTheme(root: HTMLElement): void {
  const panels = (
    browser as {
      devtools?: {
        panels?: { themeName?: string; onThemeChanged?: { addListener(cb: (name: string) => void): void } };
      };
    }
  ).devtools?.panels;
  const system = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  let fromDevTools: string | undefined;
  const set = (name: string | undefined) => {
    fromDevTools = name;
    if (name === 'dark') root.dataset.theme = 'dark';
    else if (name === 'default' || name === 'light') root.dataset.theme = 'light';
    else root.dataset.theme = system?.matches ? 'dark' : 'light';
  };
  system?.addEventListener('change', () => set(fromDevTools));
  set(panels?.themeName);
  // Firefox fires onThemeChanged; Chrome reports the theme once.
  panels?.onThemeChanged?.addListener(set);
}
