// Import entry point for the panel: a Wirescope timeline or a HAR file, as
// text, to the panel's model or a message that says what is wrong.

import { readHar } from './har';
import type { ImportedParts } from './parts';
import { ImportError, readTimeline } from './timeline';

export type { ImportedParts } from './parts';

/** Larger files are refused rather than freezing the panel (100,000 events are ~30 MB). */
export const MAX_IMPORT_CHARS = 256 * 1024 * 1024;

export type ImportResult =
  | { ok: true; kind: 'timeline' | 'har'; parts: ImportedParts; skipped: number }
  | { ok: false; error: string };

export function importFile(text: string, fileName: string): ImportResult {
  const fail = (why: string): ImportResult => ({ ok: false, error: `${fileName}: ${why}` });
  if (text.length > MAX_IMPORT_CHARS)
    return fail(
      `too large (${Math.round(text.length / 1024 / 1024)} MB); the limit is ${MAX_IMPORT_CHARS / 1024 / 1024} MB`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    return fail(`not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('not a Wirescope timeline or HAR file (expected a JSON object)');
  const obj = value as Record<string, unknown>;
  try {
    if ('format' in obj) return { ok: true, kind: 'timeline', parts: readTimeline(obj), skipped: 0 };
    if ('log' in obj) {
      const { skipped, ...parts } = readHar(obj);
      return { ok: true, kind: 'har', parts, skipped };
    }
  } catch (err) {
    if (err instanceof ImportError) return fail(err.message);
    throw err;
  }
  return fail('not a Wirescope timeline or HAR file (no "format" or "log" field)');
}
