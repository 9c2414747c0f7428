// "Decode as…": the user's choice of protocol for a connection the detector
// got wrong (or raw, for none), remembered per endpoint (origin and path) so
// the next connection there, in this session or the next, decodes the same.
// Read back from storage as untrusted data.

import { isProtocolId, type ProtocolId } from './types';

export type DecodingChoice = ProtocolId | 'raw';

/** Choices by endpoint. */
export type DecodingChoices = Readonly<Record<string, DecodingChoice>>;

/** Endpoints remembered at most; the oldest choice goes first. */
export const MAX_DECODING_CHOICES = 200;

/** Where a choice is remembered: the URL's origin and path (no query, so a session id or cache-buster does not matter). */
export function decodingEndpoint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.split(/[?#]/, 1)[0] ?? url;
  }
}

export function isDecodingChoice(v: unknown): v is DecodingChoice {
  return v === 'raw' || isProtocolId(v);
}

/** The choice made for a connection's endpoint; null to detect. */
export function decodingChoiceOf(choices: DecodingChoices, url: string): DecodingChoice | null {
  const endpoint = decodingEndpoint(url);
  return Object.hasOwn(choices, endpoint) ? (choices[endpoint] ?? null) : null;
}

/** The choices with one endpoint's set (or, with null, forgotten); the newest last. */
export function withDecodingChoice(
  choices: DecodingChoices,
  url: string,
  choice: DecodingChoice | null,
): DecodingChoices {
  const endpoint = decodingEndpoint(url);
  const entries = Object.entries(choices).filter(([key]) => key !== endpoint);
  if (choice !== null) entries.push([endpoint, choice]);
  return Object.fromEntries(entries.slice(-MAX_DECODING_CHOICES));
}

/** Choices read from storage: only known protocols under string keys, at most MAX_DECODING_CHOICES. */
export function sanitizeDecodingChoices(raw: unknown): DecodingChoices {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const kept: Array<[string, DecodingChoice]> = [];
  for (const [key, value] of Object.entries(raw)) {
    if (key.length > 0 && key.length <= 2048 && isDecodingChoice(value)) kept.push([key, value]);
  }
  return Object.fromEntries(kept.slice(-MAX_DECODING_CHOICES));
}
