// Reads a Wirescope timeline file (format version 1): schema validation with
// the precompiled validator (extension pages cannot compile one: no eval
// under their CSP), then the checks a schema cannot express.

import { isBase64 } from '../base64';
import { isProtocolId } from '../decode/types';
import { TIMELINE_FORMAT, TIMELINE_VERSION, type TimelineExport } from '../export/timeline';
import type { EventRecord } from '../model';
import { connectionKey } from '../timeline/store';
import { MAX_TIME } from '../validate';
import { buildParts, type ConnectionInput, IMPORT_DOC_ID, type ImportedParts } from './parts';
import validateTimeline from './timeline-validator.generated.js';

export class ImportError extends Error {}

function describeSchemaError(): string {
  const err = validateTimeline.errors?.[0];
  if (!err) return 'does not match the timeline schema';
  const where = err.instancePath || '/';
  const allowed = err.params.allowedValues ?? err.params.allowedValue;
  const detail = allowed !== undefined ? ` (${JSON.stringify(allowed)})` : '';
  return `schema error at ${where}: ${err.message ?? err.keyword}${detail}`;
}

/** The version check comes first so a newer file gets a clear message, not schema noise. */
export function readTimeline(value: Record<string, unknown>): ImportedParts {
  if (value.format !== TIMELINE_FORMAT) throw new ImportError('not a Wirescope timeline (format field)');
  if (value.version !== TIMELINE_VERSION)
    throw new ImportError(
      `unsupported timeline version ${JSON.stringify(value.version)}: this Wirescope reads version ${TIMELINE_VERSION}`,
    );
  if (!validateTimeline(value)) throw new ImportError(`invalid Wirescope timeline: ${describeSchemaError()}`);
  const file = value as unknown as TimelineExport;
  checkValues(file);

  const indexOf = new Map<string, number>();
  file.connections.forEach((c, i) => {
    if (indexOf.has(c.id))
      throw new ImportError(`invalid Wirescope timeline: /connections/${i}/id "${c.id}" is used twice`);
    indexOf.set(c.id, i);
  });
  let lastSeq = 0;
  const events = file.events.map((e, i) => {
    const connIndex = indexOf.get(e.connectionId);
    if (connIndex === undefined)
      throw new ImportError(
        `invalid Wirescope timeline: /events/${i}/connectionId "${e.connectionId}" names no connection`,
      );
    if (e.seq <= lastSeq)
      throw new ImportError(
        `invalid Wirescope timeline: /events/${i}/seq ${e.seq} does not follow ${lastSeq} (seq must increase strictly)`,
      );
    lastSeq = e.seq;
    // connectionId is resolved by buildParts; the parsed object is reused as is.
    return { connIndex, seq: e.seq, record: e as unknown as Omit<EventRecord, 'r' | 'seq' | 'conn'> };
  });
  const inputs: ConnectionInput[] = file.connections.map((c) => ({
    number: fileNumber(c.id),
    record: {
      time: c.startedAt,
      transport: c.transport,
      url: c.url,
      ...(c.method !== undefined ? { method: c.method } : {}),
      ...(c.requestedProtocols !== undefined ? { requestedProtocols: c.requestedProtocols } : {}),
      ...(c.requestHeaders !== undefined ? { requestHeaders: c.requestHeaders } : {}),
      ...(c.async !== undefined ? { async: c.async } : {}),
      ...(c.withCredentials !== undefined ? { withCredentials: c.withCredentials } : {}),
      ...(c.initiator !== undefined ? { initiator: c.initiator } : {}),
      ...(c.truncatedFields !== undefined ? { truncatedFields: c.truncatedFields } : {}),
    },
    frameUrl: c.frameUrl,
    endedAt: c.endedAt,
    status: c.status,
    // `protocol` is the decoded application protocol; the WebSocket subprotocol
    // is `subprotocol` (files without it wrote the subprotocol as `protocol`).
    protocol: c.subprotocol !== undefined ? c.subprotocol : c.transport === 'websocket' ? c.protocol : null,
    // Where `protocol` is the decoded protocol (not an older file's subprotocol), the view decodes as the file did.
    ...((c.subprotocol !== undefined || c.transport !== 'websocket') &&
      isProtocolId(c.protocol) && { decodedAs: c.protocol }),
  }));
  const patterns = file.patterns.map(
    ({ id, kind, method, url, connectionIds, cycles, medianHoldMs, medianGapMs, ...extra }) => ({
      id,
      kind,
      method,
      url,
      connectionKeys: connectionIds
        .map((cid) => indexOf.get(cid))
        .filter((i): i is number => i !== undefined)
        .map((i) => connectionKey(IMPORT_DOC_ID, i + 1)),
      cycles,
      medianHoldMs,
      medianGapMs,
      ...(Object.keys(extra).length > 0 ? { extra } : {}),
    }),
  );
  return buildParts(inputs, events, { url: file.page.url, title: file.page.title }, patterns);
}

/**
 * What the schema does not check. Every time must be one a Date can hold: a
 * later one (1e300) can be neither shown nor exported (a Date of it is
 * invalid); the schema asks only for a number from 0. And base64 must be base64.
 */
function checkValues(file: TimelineExport): void {
  const check = (time: number | null | undefined, where: string) => {
    if (typeof time === 'number' && time > MAX_TIME)
      throw new ImportError(
        `invalid Wirescope timeline: ${where} ${time} is later than any date (at most ${MAX_TIME} ms since 1970)`,
      );
  };
  file.connections.forEach((c, i) => {
    check(c.startedAt, `/connections/${i}/startedAt`);
    check(c.endedAt, `/connections/${i}/endedAt`);
  });
  file.events.forEach((e, i) => {
    check(e.time, `/events/${i}/time`);
    check(e.headersAt, `/events/${i}/headersAt`);
    // The schema says contentEncoding base64, which validators only note: checked here, so every reader can decode it.
    if (e.data && 'base64' in e.data && !isBase64(e.data.base64))
      throw new ImportError(`invalid Wirescope timeline: /events/${i}/data/base64 is not base64`);
  });
}

/** N of a connection id `cN` (as Wirescope writes them); undefined for any other id. */
function fileNumber(id: string): number | undefined {
  const m = /^c([1-9]\d{0,8})$/.exec(id);
  return m ? Number(m[1]) : undefined;
}
