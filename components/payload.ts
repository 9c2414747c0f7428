// Payload helpers for the detail pane: JSON is parsed only for the selected
// event and only below a size limit, so a 50 MB frame never blocks the panel.

/** Largest text parsed as JSON for the tree view. */
export const JSON_PARSE_LIMIT = 4 * 1024 * 1024;

export type JsonParse =
  | { ok: true; value: unknown }
  | { ok: false; reason: 'not-json' | 'too-large' | 'error'; message: string };

export function parsePayloadJson(text: string, limit = JSON_PARSE_LIMIT): JsonParse {
  const head = text.trimStart().charAt(0);
  if (head !== '{' && head !== '[')
    return { ok: false, reason: 'not-json', message: 'not a JSON object or array' };
  if (text.length > limit)
    return {
      ok: false,
      reason: 'too-large',
      message: `payload larger than ${Math.round(limit / 1024 / 1024)} MB is not parsed as JSON; see Raw`,
    };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    // A stack overflow on absurd nesting lands here too: shown, never a crash.
    return { ok: false, reason: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}

/** Copies text, with a fallback for DevTools panels where the async clipboard API is blocked. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}
