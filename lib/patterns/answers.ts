// What a request's answer said, as far as cursors are concerned: the scalar
// values of a JSON answer (or the word-like tokens of any other text), so a
// parameter of the next request can be recognised as one of them (Matrix
// `next_batch` → `since`, CouchDB `last_seq` → `since`).

/** Answer text kept per request: cursors sit near the top of an answer; the rest is not needed. */
export const MAX_ANSWER_TEXT = 64 * 1024;
/** Values kept from one answer. */
const MAX_VALUES = 512;
const TOKEN = /[A-Za-z0-9_\-.~:%+/=]+/g;

/** The scalar values (strings, numbers as written) of a JSON answer, else the tokens of its text. */
export function answerValues(text: string): Set<string> {
  const values = new Set<string>();
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      collect(JSON.parse(text) as unknown, values);
      return values;
    } catch {
      // cut or not JSON after all: fall back to its tokens
    }
  }
  for (const m of text.matchAll(TOKEN)) {
    values.add(m[0]);
    if (values.size >= MAX_VALUES) break;
  }
  return values;
}

function collect(v: unknown, into: Set<string>): void {
  if (into.size >= MAX_VALUES) return;
  if (typeof v === 'string') into.add(v);
  else if (typeof v === 'number' && Number.isFinite(v)) into.add(String(v));
  else if (Array.isArray(v)) for (const x of v) collect(x, into);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) collect(x, into);
}

/** A request's answer as the next request of its route is judged by: parsed on first use. */
export class Answer {
  private parsed: Set<string> | null = null;
  /** Whether it carried anything (bytes, not an empty 204): "news". */
  readonly hadContent: boolean;

  constructor(
    private readonly text: string,
    bytes: number,
    status: number | null,
  ) {
    this.hadContent = bytes > 0 && status !== 204;
  }

  values(): Set<string> {
    if (this.parsed === null) this.parsed = answerValues(this.text);
    return this.parsed;
  }
}
