// Import and export. An imported file is shown read-only in place of the
// live capture until the user goes back; exports are built here as files
// (name, content, type) and handed to whatever saves them.

import { computed, type ReadonlySignal, signal } from '@preact/signals';
import type { ProtocolId } from '../../lib/decode/types';
import { buildHarExport } from '../../lib/export/har';
import { buildTimelineExport, type DecodingForExport } from '../../lib/export/timeline';
import { detectPatterns, type Pattern, toPatternForExport } from '../../lib/patterns';
import type { TimelineEvent, TimelineStore } from '../../lib/timeline/store';

export interface ImportedTimeline {
  store: TimelineStore;
  name: string;
  /** Patterns found in the file; detected on import when absent. */
  patterns?: readonly Pattern[];
  page?: { url: string; title: string };
  /** Something the user should know about the import (e.g. entries skipped). */
  note?: string;
  /** The protocol the file says each connection was decoded as (by store key): decoded so again. */
  decodedAs?: Readonly<Record<string, ProtocolId>>;
}

export interface SavedFile {
  name: string;
  content: string;
  type: string;
}

export interface PageInfo {
  url: string;
  title: string;
}

/** The page a live store captured: the URL of its latest section, the top document's title. */
export function livePage(store: TimelineStore): PageInfo {
  let title = '';
  for (const d of store.docs.values()) if (d.doc.top) title = d.doc.title;
  return { url: store.sections[store.sections.length - 1]?.url ?? '', title };
}

/** A file-name-safe timestamp (UTC, to the second). */
export function fileStamp(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-').slice(0, 19);
}

export interface ExportContext {
  store: TimelineStore;
  patterns: readonly Pattern[];
  page: PageInfo;
  toolVersion: string;
  userAgent: string;
  now: Date;
  /** The panel's decoding: protocols, decoded summaries, pairs and latency go into the file. */
  decoding?: DecodingForExport;
}

/**
 * A Wirescope JSON file of `events` (all of the store's, or a filtered view):
 * only their connections, and only the patterns that involve those.
 */
export function timelineFile(
  ctx: ExportContext,
  events: readonly TimelineEvent[],
  suffix: string,
): SavedFile {
  const { store } = ctx;
  const connSet = new Set(events.map((e) => e.connection));
  const connections =
    events === store.events ? store.connections : store.connections.filter((c) => connSet.has(c));
  const keys = new Set(connections.map((c) => c.key));
  const data = buildTimelineExport({
    connections,
    events: [...events],
    page: ctx.page,
    toolVersion: ctx.toolVersion,
    userAgent: ctx.userAgent,
    now: ctx.now,
    patterns: ctx.patterns.filter((p) => p.connectionKeys.some((k) => keys.has(k))).map(toPatternForExport),
    numberOf: (c) => store.numberOf(c),
    ...(ctx.decoding && { decoding: ctx.decoding }),
  });
  return {
    name: `wirescope-timeline${suffix}-${fileStamp(ctx.now)}.json`,
    content: JSON.stringify(data, null, 2),
    type: 'application/json',
  };
}

/** A HAR 1.2 file of everything in the store. */
export function harFile(ctx: ExportContext): SavedFile {
  const har = buildHarExport({
    connections: ctx.store.connections,
    events: ctx.store.events,
    page: ctx.page,
    toolVersion: ctx.toolVersion,
  });
  return {
    name: `wirescope-${fileStamp(ctx.now)}.har`,
    content: JSON.stringify(har, null, 2),
    type: 'application/json',
  };
}

const NO_PATTERNS: readonly Pattern[] = [];

export class TransferStore {
  /** The file being viewed instead of the live capture (null: live). */
  readonly imported = signal<ImportedTimeline | null>(null);
  /** Why the last import failed, until dismissed or the next import works. */
  readonly error = signal<string | null>(null);
  /** The imported file's patterns: its own, else detected once when it is opened. */
  readonly importedPatterns: ReadonlySignal<readonly Pattern[]> = computed(() => {
    const imported = this.imported.value;
    if (!imported) return NO_PATTERNS;
    return imported.patterns ?? detectPatterns(imported.store.connections, imported.store.events);
  });

  /** Reads a file with `open`; true when it is now shown, false (with `error` set) when it could not be. */
  async importFile(
    file: File,
    open: (file: File) => Promise<ImportedTimeline | undefined>,
  ): Promise<boolean> {
    try {
      const result = await open(file);
      if (!result) return false;
      this.error.value = null;
      this.imported.value = result;
      return true;
    } catch (err) {
      this.error.value = `Could not import ${file.name}: ${err instanceof Error ? err.message : String(err)}`;
      return false;
    }
  }

  /** Back to the live capture. */
  leave(): void {
    this.imported.value = null;
  }

  dismissError(): void {
    this.error.value = null;
  }
}
