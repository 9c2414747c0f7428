// Reads what Wirescope captured for a test page through the product itself:
// the test page is loaded in the browser's first tab, the panel is opened
// detached for that tab (its "pop out" form, `panel.html?tabId=N`), and the
// panel's "Export timeline" button is clicked; the download is parsed. No
// test-only backdoor in the product is involved.

import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import type { ExportedConnection, ExportedEvent, TimelineExport } from '../../../lib/export/timeline';
import { exportUntil } from '../../../scripts/lib/export-until';
import { type LaunchedBrowser, onlyTabId } from './browser';

export type { ExportedConnection, ExportedEvent, TimelineExport };

export interface CaptureSession {
  /** The test page (first tab). */
  page: Page;
  /** The detached Wirescope panel attached to the test page's tab. */
  panel: Page;
  tabId: number;
  /** Clicks "Export timeline" once and returns the parsed file. */
  exportTimeline(): Promise<TimelineExport>;
  /** Exports repeatedly until `until` holds for the export (or the timeout passes: then throws). */
  waitForTimeline(until: (t: TimelineExport) => boolean, timeoutMs?: number): Promise<TimelineExport>;
}

/** Loads pageUrl in the first tab and opens the detached panel for it. */
export async function openCapture(browser: LaunchedBrowser, pageUrl: string): Promise<CaptureSession> {
  const { context } = browser;
  const page = context.pages()[0] ?? (await context.newPage());
  for (const extra of context.pages().slice(1)) await extra.close();
  await page.goto(pageUrl);
  const tabId = await onlyTabId(browser);
  const panel = await openPanelFor(browser, tabId);
  const exportTimeline = () => exportFromPanel(panel);
  const waitForTimeline = (until: (t: TimelineExport) => boolean, timeoutMs = 15_000) =>
    exportUntil(exportTimeline, until, timeoutMs);

  return { page, panel, tabId, exportTimeline, waitForTimeline };
}

/** Opens the detached panel for a tab (only now: the traffic already happened). */
export async function openPanelFor(browser: LaunchedBrowser, tabId: number): Promise<Page> {
  const panel = await browser.context.newPage();
  await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`);
  await panel.getByRole('button', { name: 'Export timeline' }).waitFor();
  return panel;
}

/** Clicks a panel's "Export timeline" once and returns the parsed file. */
export async function exportFromPanel(panel: Page): Promise<TimelineExport> {
  const [download] = await Promise.all([
    panel.waitForEvent('download'),
    panel.getByRole('button', { name: 'Export timeline' }).click(),
  ]);
  const parsed = JSON.parse(await readFile(await download.path(), 'utf8')) as TimelineExport;
  await download.delete();
  return parsed;
}

/** Exports from a panel until `until` holds; throws with the last export when it does not in time. */
export function exportPanelUntil(
  panel: Page,
  until: (t: TimelineExport) => boolean,
  timeoutMs = 30_000,
): Promise<TimelineExport> {
  return exportUntil(() => exportFromPanel(panel), until, timeoutMs, 300);
}

/** Connections of one transport, in start order. */
export function connectionsOf(
  t: TimelineExport,
  transport: ExportedConnection['transport'],
): ExportedConnection[] {
  return t.connections.filter((c) => c.transport === transport);
}

/** Events of one connection, in export order. */
export function eventsOf(t: TimelineExport, connectionId: string): ExportedEvent[] {
  return t.events.filter((e) => e.connectionId === connectionId);
}

/** The text of a captured payload (base64 decoded as UTF-8 when binary). */
export function payloadText(e: ExportedEvent): string | undefined {
  if (!e.data) return undefined;
  if ('text' in e.data) return e.data.text;
  return Buffer.from(e.data.base64, 'base64').toString('utf8');
}
