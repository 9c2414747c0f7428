import { describe, expect, it } from 'vitest';
import { LAST_WORDS_MAX_AGE_MS, LAST_WORDS_MAX_BYTES, sendsLastWords } from '../../lib/relay/last-words';
import { parseRelayLastWords, relayLastWords } from '../../lib/wire/control';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';

const young = { subscribed: false, ageMs: 300, retainedBytes: 5_000, panelWatching: false };

describe('last words of a document that goes away', () => {
  it('are sent by a young document no panel linked to yet, holding little', () => {
    expect(sendsLastWords(young)).toBe(true);
  });

  it('are not sent when someone streams it already, or its history is large', () => {
    expect(sendsLastWords({ ...young, subscribed: true })).toBe(false);
    expect(sendsLastWords({ ...young, retainedBytes: LAST_WORDS_MAX_BYTES + 1 })).toBe(false);
    expect(sendsLastWords({ ...young, panelWatching: true, retainedBytes: LAST_WORDS_MAX_BYTES + 1 })).toBe(
      false,
    );
  });

  it('from an older document, only when a panel said it watches the tab', () => {
    const old = { ...young, ageMs: LAST_WORDS_MAX_AGE_MS };
    expect(sendsLastWords(old)).toBe(false);
    expect(sendsLastWords({ ...old, panelWatching: true })).toBe(true);
  });

  it('travel wrapped, the records left for the panel to read as untrusted', () => {
    const records = { anything: [1, 2] };
    expect(parseRelayLastWords(relayLastWords(records))).toEqual({
      v: PROTOCOL_VERSION,
      t: 'last-words',
      message: records,
    });
    for (const bad of [
      null,
      'x',
      { t: 'last-words' },
      { v: PROTOCOL_VERSION + 1, t: 'last-words' },
      { v: PROTOCOL_VERSION, t: 'hello' },
    ])
      expect(parseRelayLastWords(bad)).toBeNull();
  });
});
