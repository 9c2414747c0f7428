// When a relay whose document goes away sends its records as last words.
// In Chrome a panel links to each document itself, after the document's
// hello reached it: a page that navigates within moments of loading can be
// gone before that round trip ends, and with it everything it did. Such a
// document hands its history to the tab's panels by message instead. Only
// then: a document no panel linked to in its first seconds, holding little.

/** A document older than this had time to be linked by any panel watching its tab. */
export const LAST_WORDS_MAX_AGE_MS = 10_000;
/** A larger history is not sent on a guess that someone listens. */
export const LAST_WORDS_MAX_BYTES = 1024 * 1024;

export interface LeavingDocument {
  /** Someone already streams its records (a linked panel, or the background). */
  subscribed: boolean;
  /** Since the document started. */
  ageMs: number;
  /** What its history holds. */
  retainedBytes: number;
  /** A panel told this document it watches the tab (it announced itself while the document lived). */
  panelWatching: boolean;
}

export function sendsLastWords(d: LeavingDocument): boolean {
  if (d.subscribed || d.retainedBytes > LAST_WORDS_MAX_BYTES) return false;
  return d.panelWatching || d.ageMs < LAST_WORDS_MAX_AGE_MS;
}
