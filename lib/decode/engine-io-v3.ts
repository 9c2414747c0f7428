// Engine.IO v3 (Socket.IO v2) polling payloads, which frame each packet by
// its length instead of v4's record separator. Text payloads are
// `<length>:<packet>` repeated, the length in UTF-16 code units (binary
// packets inside as `b<type><base64>`). Binary (XHR2) payloads are, per
// packet, a 0 (text) or 1 (binary) byte, the length as one byte per decimal
// digit, 0xff, then the packet. Only a payload whose lengths account for
// every character or byte counts as v3: anything else is left to v4.

/** One packet cut out of a v3 payload: text as Engine.IO encodes it, or a binary packet's type and bytes. */
export type EngineIoV3Piece = { text: string } | { type: number; bytes: Uint8Array };

/** Longest length header read: no payload is 10^10 units long. */
const MAX_LENGTH_DIGITS = 10;

/** The packets of a v3 text payload, or null when it is not one. */
export function splitV3TextPayload(text: string): EngineIoV3Piece[] | null {
  const pieces: EngineIoV3Piece[] = [];
  let at = 0;
  while (at < text.length) {
    const colon = text.indexOf(':', at);
    if (colon <= at || colon - at > MAX_LENGTH_DIGITS) return null;
    const digits = text.slice(at, colon);
    if (!/^\d+$/.test(digits)) return null;
    const length = Number(digits);
    const start = colon + 1;
    if (length === 0 || start + length > text.length) return null;
    const packet = text.slice(start, start + length);
    const binary = /^b(\d)(.*)$/s.exec(packet);
    if (binary) {
      const bytes = base64(binary[2] ?? '');
      if (!bytes) return null;
      pieces.push({ type: Number(binary[1]), bytes });
    } else pieces.push({ text: packet });
    at = start + length;
  }
  return pieces.length > 0 ? pieces : null;
}

/** The packets of a v3 binary payload, or null when it is not one. */
export function splitV3BinaryPayload(bytes: Uint8Array): EngineIoV3Piece[] | null {
  const pieces: EngineIoV3Piece[] = [];
  let at = 0;
  while (at < bytes.length) {
    const kind = bytes[at];
    if (kind !== 0 && kind !== 1) return null;
    let length = 0;
    let digits = 0;
    let i = at + 1;
    for (; i < bytes.length && bytes[i] !== 0xff; i++) {
      const digit = bytes[i] ?? 0xff;
      if (digit > 9 || ++digits > MAX_LENGTH_DIGITS) return null;
      length = length * 10 + digit;
    }
    if (digits === 0 || i >= bytes.length) return null;
    const start = i + 1;
    if (length === 0 || start + length > bytes.length) return null;
    const packet = bytes.subarray(start, start + length);
    if (kind === 0) {
      // Text packets are written one byte per character (already UTF-8 encoded).
      pieces.push({ text: utf8FromBytes(packet) });
    } else {
      pieces.push({ type: packet[0] ?? 0, bytes: packet.slice(1) });
    }
    at = start + length;
  }
  return pieces.length > 0 ? pieces : null;
}

const utf8 = new TextDecoder('utf-8');

function utf8FromBytes(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

function base64(text: string): Uint8Array | null {
  try {
    const raw = atob(text);
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
