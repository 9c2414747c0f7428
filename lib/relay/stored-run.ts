// WebSocket messages as the hook packed them, kept by the relay as they came:
// one buffer of numbers and one list of bodies per run, numbered by run (its
// first message's seq; the others follow densely). The relay runs on the
// page's own thread, so it neither makes an object per message nor copies a
// body; the panel turns each message into a record (lib/wire/records.ts).
//
// Only "plain" messages are kept this way: a text or binary body under the
// payload cap that fits a runtime message as it is. Anything else (a Blob, a
// body over the cap or the wire's limit, a body whose kind does not match
// it) becomes a record of its own, as normalize makes it.

import { bytesToBase64 } from '../base64';
import { isArrayBuffer, ownArrayBuffer } from '../validate';
import { FRAME_FIELDS, type FrameRun } from '../wire/page-relay';
import type { FramesWire } from '../wire/records';
import { jsonStringBound, NUMBER_BOUND } from '../wire-size';

/** Bytes of memory a kept message takes besides its body: its numbers, the body's slot and header. */
const FRAME_OVERHEAD = FRAME_FIELDS * 8 + 8 + 24;

export interface StoredRun {
  /** The seq of message 0. */
  seq: number;
  fields: Float64Array;
  /** Text, or binary; a slot is emptied when its message is evicted. */
  bodies: Array<string | ArrayBuffer | undefined>;
  /** Whether any body is binary (base64 is made only then). */
  binary: boolean;
  /** base64 of binary bodies, made once, when first sent. */
  encoded: Array<string | undefined> | null;
}

/** Whether message `i` of a validated run can be kept in a run (see the header); `cap` in bytes. */
export function isPlainFrame(run: FrameRun, i: number, cap: number, maxWire: number): boolean {
  const body = run.bodies[i];
  const kind = run.fields[i * FRAME_FIELDS + 3];
  if (typeof body === 'string') {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only long texts are measured, and those go alone.
    return kind === 0 && body.length * 3 <= cap && frameWire(body) <= maxWire;
  }
  return (
    (kind === 1 || kind === 2) && isArrayBuffer(body) && body.byteLength <= cap && frameWire(body) <= maxWire
  );
}

/** Messages [from, to) of a validated run, kept as a run numbered from `seq`. */
export function storeRun(run: FrameRun, from: number, to: number, seq: number): StoredRun {
  const whole = from === 0 && to === run.bodies.length;
  const bodies = (whole ? run.bodies : run.bodies.slice(from, to)) as Array<string | ArrayBuffer>;
  let binary = false;
  for (const body of bodies)
    if (typeof body !== 'string') {
      binary = true;
      break;
    }
  return {
    seq,
    fields: whole ? run.fields : run.fields.slice(from * FRAME_FIELDS, to * FRAME_FIELDS),
    bodies,
    binary,
    encoded: null,
  };
}

export function frameCount(run: StoredRun): number {
  return run.bodies.length;
}

/** The connection of message `i`. */
export function frameConn(run: StoredRun, i: number): number {
  return run.fields[i * FRAME_FIELDS + 1] as number;
}

const bodyWeight = (body: string | ArrayBuffer | undefined): number =>
  body === undefined ? 0 : typeof body === 'string' ? body.length * 2 : body.byteLength;

/** Memory message `i` holds (0 once evicted). */
export function frameWeight(run: StoredRun, i: number): number {
  const body = run.bodies[i];
  return body === undefined ? 0 : FRAME_OVERHEAD + bodyWeight(body);
}

/** Upper bound of the JSON bytes of one message in a run on the wire: its four numbers and its body. */
function frameWire(body: string | ArrayBuffer): number {
  const bodyBound = typeof body === 'string' ? jsonStringBound(body) : Math.ceil(body.byteLength / 3) * 4 + 2;
  return FRAME_FIELDS * (NUMBER_BOUND + 1) + bodyBound + 1;
}

/** Upper bound of the JSON bytes of messages [from, to) on the wire. */
export function rangeWire(run: StoredRun, from: number, to: number): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const body = run.bodies[i];
    if (body !== undefined) bytes += frameWire(body);
  }
  return bytes;
}

/** Empties message `i`'s slot (evicted): its body can be collected. */
export function dropFrame(run: StoredRun, i: number): void {
  run.bodies[i] = undefined;
  if (run.encoded) run.encoded[i] = undefined;
}

function encodedBody(run: StoredRun, i: number): string {
  const body = run.bodies[i];
  if (typeof body === 'string') return body;
  if (body === undefined) return '';
  run.encoded ??= [];
  let encoded = run.encoded[i];
  if (encoded === undefined) {
    encoded = bytesToBase64(new Uint8Array(ownArrayBuffer(body)));
    run.encoded[i] = encoded;
  }
  return encoded;
}

/** Messages [from, to) as they cross to the panel. */
export function runWire(run: StoredRun, from: number, to: number): FramesWire {
  const fields = Array.from(run.fields.subarray(from * FRAME_FIELDS, to * FRAME_FIELDS));
  let bodies: string[];
  if (!run.binary) bodies = run.bodies.slice(from, to) as string[];
  else {
    bodies = [];
    for (let i = from; i < to; i++) bodies.push(encodedBody(run, i));
  }
  return { r: 'frames', seq: run.seq + from, fields, bodies };
}

/** Message `i` as a run of its own that normalize reads (to make a record of it). */
export function frameAsRun(run: StoredRun, i: number): FrameRun {
  return {
    r: 'frames',
    fields: run.fields.slice(i * FRAME_FIELDS, (i + 1) * FRAME_FIELDS),
    bodies: [run.bodies[i] ?? ''],
  };
}
