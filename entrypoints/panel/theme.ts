import { browser } from 'wxt/browser';

/**
 * Follows DevTools' theme when DevTools tells it (themeName 'dark' / 'default'),
 * else the system's colour scheme (CSS prefers-color-scheme, when no data-theme is set).
 */
export function applyDevToolsTheme(root: HTMLElement): void {
  const panels = (
    browser as {
      devtools?: {
        panels?: { themeName?: string; onThemeChanged?: { addListener(cb: (name: string) => void): void } };
      };
    }
  ).devtools?.panels;
  const set = (name: string | undefined) => {
    if (name === 'dark') root.dataset.theme = 'dark';
    else if (name === 'default' || name === 'light') root.dataset.theme = 'light';
    else delete root.dataset.theme;
  };
  set(panels?.themeName);
  // Firefox fires onThemeChanged; Chrome reports the theme once.
  panels?.onThemeChanged?.addListener(set);
}
