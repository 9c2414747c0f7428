// Opening a request's initiator in DevTools' Sources panel:
// devtools.panels.openResource(url, lineNumber, columnNumber), which counts
// lines and columns from 0 (stack traces, and so call sites, count from 1).
// Only a panel inside DevTools has the API; a popped-out panel, or a browser
// without it, gets nothing here and shows the location as text.

import type { CallSite } from '../../lib/model';

type OpenResource = (url: string, lineNumber: number, columnNumber?: number, callback?: () => void) => void;

/** openResource's arguments for a call site: 0-based line and column. */
export function openResourceArgs(site: CallSite): [url: string, lineNumber: number, columnNumber: number] {
  return [site.url, Math.max(0, site.line - 1), Math.max(0, site.column - 1)];
}

/** The browser's devtools.panels.openResource, if this panel runs where it exists. */
function findOpenResource(): OpenResource | null {
  const g = globalThis as {
    browser?: { devtools?: { panels?: { openResource?: unknown } } };
    chrome?: { devtools?: { panels?: { openResource?: unknown } } };
  };
  const panels = g.browser?.devtools?.panels ?? g.chrome?.devtools?.panels;
  const open = panels?.openResource;
  return typeof open === 'function' ? (open.bind(panels) as OpenResource) : null;
}

/** A function opening a call site in the Sources panel, or undefined where that cannot be done. */
export function sourceOpener(poppedOut: boolean): ((site: CallSite) => void) | undefined {
  const open = poppedOut ? null : findOpenResource();
  if (!open) return undefined;
  return (site) => {
    const [url, line, column] = openResourceArgs(site);
    try {
      open(url, line, column);
    } catch {
      // an older DevTools takes no column
      open(url, line);
    }
  };
}
