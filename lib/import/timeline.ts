// Reads a Wirescope timeline file (format version 1): schema validation with
// the precompiled validator (extension pages cannot compile one: no eval
// under their CSP), then the checks a schema cannot express.

import { TIMELINE_FORMAT, TIMELINE_VERSION, type TimelineExport } from '../export/timeline';
import type { EventRecord } from '../model';
import { connectionKey } from '../timeline/store';
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
    // seq is renumbered and connectionId resolved by buildParts; the parsed object is reused as is.
    return { connIndex, record: e as unknown as Omit<EventRecord, 'r' | 'seq' | 'conn'> };
  });
  const inputs: ConnectionInput[] = file.connections.map((c) => ({
    record: {
      time: c.startedAt,
      transport: c.transport,
      url: c.url,
      ...(c.method !== undefined ? { method: c.method } : {}),
      ...(c.requestedProtocols !== undefined ? { requestedProtocols: c.requestedProtocols } : {}),
      ...(c.requestHeaders !== undefined ? { requestHeaders: c.requestHeaders } : {}),
      ...(c.async !== undefined ? { async: c.async } : {}),
      ...(c.withCredentials !== undefined ? { withCredentials: c.withCredentials } : {}),
      ...(c.truncatedFields !== undefined ? { truncatedFields: c.truncatedFields } : {}),
    },
    frameUrl: c.frameUrl,
    endedAt: c.endedAt,
    status: c.status,
    protocol: c.protocol,
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
