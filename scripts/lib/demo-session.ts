// What `npm start` needs from a browser showing the demo page with Wirescope
// open in that page's DevTools, whichever browser it is.

import type { TimelineExport } from '../../lib/export/timeline';

export interface DemoSessionOptions {
  /** The demo page to open. */
  url: string;
  headless: boolean;
}

export interface DemoSession {
  /** The browser's name and executable, for the progress lines. */
  label: string;
  /** Resolves when the user closes the browser (or presses Ctrl+C). */
  closedByUser(): Promise<void>;
  /** The panel's own "Export timeline" download, parsed. */
  exportTimeline(): Promise<TimelineExport>;
  /** A 1280×800 PNG of DevTools showing the panel. */
  screenshot(): Promise<Buffer>;
  close(): Promise<void>;
}

/** A browser `npm start` can run the demo in. */
export interface DemoBrowser {
  /** Throws, saying how to install it, when the browser is missing. */
  assertInstalled(): Promise<void>;
  /** `wxt build` arguments for this browser's build, and where it lands. */
  buildArgs: string[];
  extensionDir: string;
  open(options: DemoSessionOptions): Promise<DemoSession>;
}

/** Resolves on Ctrl+C or SIGTERM. */
export function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
