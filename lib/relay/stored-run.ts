// WebSocket messages as the hook packed them, kept by the relay in runs: the
// texts of a run joined into one string, and per message its time, its
// connection and where its text ends (with its direction and body kind)
// packed in two typed arrays. The relay runs on the page's own thread and
// heap: a string per message would cost its header besides its text, and the
// hook's four float64 numbers twice what they hold. Joining is one native pass
// per run; no object is made per message. Runs are numbered by their first
// message's seq (the others follow densely); the panel makes each message's
// record (lib/wire/records.ts).
//
// Runs are kept small (see MAX_STORED_TEXT): a run's memory goes when its last
// message is evicted, so little is held for messages already gone, and its
// text stays an ordinary heap object.
//
// Only "plain" messages are kept this way: a text or binary body under the
// payload cap that fits a runtime message as it is. Anything else (a Blob, a
// body over the cap or the wire's limit, a body whose kind does not match
// it) becomes a record of its own, as normalize makes it.

import { base64ToBytes, bytesToBase64 } from '../base64';
import { isArrayBuffer, ownArrayBuffer } from '../validate';
import { MESSAGE_FIELDS, type MessageRun } from '../wire/page-relay';
import type { MessageRunWire } from '../wire/records';
import { NUMBER_BOUND } from '../wire-size';

/** The most messages a stored run holds. */
const MAX_STORED_MESSAGES = 4096;
/**
 * The most characters of text a stored run of several messages holds. V8
 * puts a bigger string in its large-object space, which is far slower to
 * allocate and free than ordinary pages.
 */
export const MAX_STORED_TEXT = 32 * 1024;
/** Connections a run can hold (a word each); a message on any other goes alone. */
const MAX_CONN = 0xffff_ffff;

/**
 * words[2i + 1]: where message i's text ends in the run's text, and its flags
 * above (the wire's: direction | body kind << 1). 29 bits are plenty: a run
 * of several messages holds at most MAX_STORED_TEXT, and a plain message's
 * text fits one runtime message (isPlainMessage).
 */
const END_BITS = 29;
const END_MASK = (1 << END_BITS) - 1;

/** Memory of a run besides its messages: its object, typed arrays and history entry. */
const RUN_OVERHEAD = 512;
/** Memory of a message besides its body: its time and two words. */
const MESSAGE_OVERHEAD = 16;
/** Memory of a binary body besides its bytes (or their base64, once sent): its slot, object and header. */
const BINARY_OVERHEAD = 96;

export interface StoredRun {
  /** The seq of message 0. */
  seq: number;
  count: number;
  /** Messages [0, start) have been evicted. */
  start: number;
  times: Float64Array;
  /** Per message: its connection, then its text's end and flags (END_BITS). */
  words: Uint32Array;
  /** The texts of the run's text messages, joined (a binary message has none). */
  text: string;
  /** Binary bodies by message (null when none): the bytes, replaced by their base64 once sent. */
  binary: Array<ArrayBuffer | string | undefined> | null;
  /** Memory the run holds (text counted at two bytes a character), all of it until it goes. */
  weight: number;
}

const NO_TIMES = new Float64Array(0);
const NO_WORDS = new Uint32Array(0);

/** Whether message `i` of a validated run can be kept in a run (see the header); `cap` in bytes. */
export function isPlainMessage(run: MessageRun, i: number, cap: number, maxWire: number): boolean {
  const body = run.bodies[i];
  const at = i * MESSAGE_FIELDS;
  const kind = run.fields[at + 3];
  if ((run.fields[at + 1] as number) > MAX_CONN) return false;
  if (typeof body === 'string') {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only long texts are measured, and those go alone.
    return kind === 0 && body.length * 3 <= cap && messageWire(6 * body.length) <= maxWire;
  }
  return (
    (kind === 1 || kind === 2) &&
    isArrayBuffer(body) &&
    body.byteLength <= cap &&
    messageWire(base64Length(body.byteLength)) <= maxWire
  );
}

/**
 * Where a stored run that starts at message `from` ends: the plain messages
 * from there, within a stored run's bounds (a single message may exceed the
 * text's); `from` itself when that message is not plain.
 */
export function storedRunEnd(run: MessageRun, from: number, cap: number, maxWire: number): number {
  const last = Math.min(run.bodies.length, from + MAX_STORED_MESSAGES);
  let chars = 0;
  let end = from;
  while (end < last && isPlainMessage(run, end, cap, maxWire)) {
    const body = run.bodies[end];
    if (typeof body === 'string') {
      chars += body.length;
      if (chars > MAX_STORED_TEXT && end > from) break;
    }
    end++;
  }
  return end;
}

/** Messages [from, to) of a validated run, all plain (see storedRunEnd), kept as a run numbered from `seq`. */
export function storeRun(run: MessageRun, from: number, to: number, seq: number): StoredRun {
  const count = to - from;
  const { fields, bodies } = run;
  const times = new Float64Array(count);
  const words = new Uint32Array(count * 2);
  let binary: Array<ArrayBuffer | string | undefined> | null = null;
  let weight = RUN_OVERHEAD + count * MESSAGE_OVERHEAD;
  let end = 0;
  for (let k = 0; k < count; k++) {
    const at = (from + k) * MESSAGE_FIELDS;
    const body = bodies[from + k] as string | ArrayBuffer;
    if (typeof body === 'string') end += body.length;
    else {
      binary ??= new Array(count);
      binary[k] = body;
      weight += BINARY_OVERHEAD + base64Length(body.byteLength);
    }
    times[k] = fields[at + 2] as number;
    words[k * 2] = fields[at + 1] as number;
    words[k * 2 + 1] = end | (((fields[at] as number) | ((fields[at + 3] as number) << 1)) << END_BITS);
  }
  const texts = bodies.slice(from, to);
  const text = (binary ? texts.filter((body) => typeof body === 'string') : texts).join('');
  return { seq, count, start: 0, times, words, text, binary, weight: weight + text.length * 2 };
}

export function messageCount(run: StoredRun): number {
  return run.count;
}

/** The connection of message `i` (not evicted). */
export function messageConn(run: StoredRun, i: number): number {
  return run.words[i * 2] as number;
}

const flagsOf = (run: StoredRun, i: number): number => (run.words[i * 2 + 1] as number) >>> END_BITS;
const textEnd = (run: StoredRun, i: number): number => (run.words[i * 2 + 1] as number) & END_MASK;
const textStart = (run: StoredRun, i: number): number => (i === 0 ? 0 : textEnd(run, i - 1));

/**
 * Evicts the run's oldest message kept: the memory that frees. A run's
 * memory goes at once with its last message; until then all of it is held.
 */
export function dropMessage(run: StoredRun): number {
  run.start++;
  if (run.start < run.count) return 0;
  const freed = run.weight;
  // A panel's queue may still point at the run: it keeps nothing of it.
  run.times = NO_TIMES;
  run.words = NO_WORDS;
  run.text = '';
  run.binary = null;
  run.weight = 0;
  return freed;
}

const base64Length = (bytes: number): number => Math.ceil(bytes / 3) * 4;

/**
 * Upper bound of the JSON bytes of one message in a run on the wire: its four
 * numbers and its body's bytes (text: at most 6 a character; base64: one).
 */
function messageWire(bodyBytes: number): number {
  return MESSAGE_FIELDS * (NUMBER_BOUND + 1) + bodyBytes + 3;
}

/** Upper bound of the JSON bytes of messages [from, to) on the wire. */
export function rangeWire(run: StoredRun, from: number, to: number): number {
  let bytes = (to - from) * messageWire(0) + 6 * (textEnd(run, to - 1) - textStart(run, from));
  if (run.binary)
    for (let i = from; i < to; i++) {
      const body = run.binary[i];
      if (body !== undefined) bytes += typeof body === 'string' ? body.length : base64Length(body.byteLength);
    }
  return bytes;
}

/** The base64 of binary message `i`, made once (the bytes are not kept beside it). */
function encodedBody(binary: Array<ArrayBuffer | string | undefined>, i: number): string {
  const body = binary[i] as ArrayBuffer | string;
  if (typeof body === 'string') return body;
  const encoded = bytesToBase64(new Uint8Array(ownArrayBuffer(body)));
  binary[i] = encoded;
  return encoded;
}

/** Messages [from, to) (none evicted) as they cross to the panel. */
export function runWire(run: StoredRun, from: number, to: number): MessageRunWire {
  const count = to - from;
  const flags: number[] = new Array(count);
  const conns: number[] = new Array(count);
  const lengths: number[] = new Array(count);
  const binary: string[] = [];
  const first = textStart(run, from);
  let previous = first;
  for (let k = 0; k < count; k++) {
    const i = from + k;
    const word = run.words[i * 2 + 1] as number;
    const end = word & END_MASK;
    flags[k] = word >>> END_BITS;
    conns[k] = run.words[i * 2] as number;
    lengths[k] = end - previous;
    previous = end;
    if (run.binary && run.binary[i] !== undefined) binary.push(encodedBody(run.binary, i));
  }
  const text = first === 0 && previous === run.text.length ? run.text : run.text.slice(first, previous);
  const times = Array.from(run.times.subarray(from, to));
  return { r: 'run', seq: run.seq + from, flags, conns, times, lengths, text, binary };
}

/** Message `i` (not evicted) as a run of its own that normalize reads (to make a record of it). */
export function messageAsRun(run: StoredRun, i: number): MessageRun {
  const flags = flagsOf(run, i);
  const stored = run.binary?.[i];
  const body =
    stored === undefined
      ? run.text.slice(textStart(run, i), textEnd(run, i))
      : typeof stored === 'string'
        ? (base64ToBytes(stored).buffer as ArrayBuffer)
        : stored;
  return {
    r: 'run',
    fields: Float64Array.of(flags & 1, messageConn(run, i), run.times[i] as number, flags >>> 1),
    bodies: [body],
  };
}
