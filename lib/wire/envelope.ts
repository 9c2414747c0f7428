// What every message between Wirescope's contexts shares: the protocol
// version, and the checks of a message's envelope. Each hop's messages live in
// their own module of this folder (see docs/architecture.md):
//   page-relay.ts    page hook <-> relay (handshake, batches, runs of messages, config)
//   records.ts       relay -> panel (records, runs of messages, loss counters)
//   control.ts       relay / panel / background (hello, announce, subscribe, config, ping)
//   command.ts       panel -> page hook and back (commands and their replies)
// Every message sent is made by a builder of its module; every message
// received is read by its parser, which treats it as untrusted. This module
// depends on nothing: the page hook's bundle includes it.

export const PROTOCOL_VERSION = 4;

/** The envelope every message has: the version and its kind. */
export interface Envelope<T extends string> {
  v: typeof PROTOCOL_VERSION;
  t: T;
}

/** An object of this protocol version with a kind (its other fields unchecked). */
export function hasVersion(v: unknown): v is Record<string, unknown> & { t: string } {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    (v as { v?: unknown }).v === PROTOCOL_VERSION &&
    typeof (v as { t?: unknown }).t === 'string'
  );
}

export const DEFAULT_PAYLOAD_CAP = 1024 * 1024;

/** A payload cap a panel may ask for: 1 KiB to 512 MiB. */
export function isPayloadCap(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1024 && v <= 512 * 1024 * 1024;
}

export const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
