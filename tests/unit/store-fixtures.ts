// Records for feeding a TimelineStore in unit tests: a panel message around
// them, a WebSocket connection, and a text message on it.

import type { EventRecord } from '../../lib/model';
import type { ListEntry } from '../../lib/timeline/channels';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';
import type { PanelRecords } from '../../lib/wire/records';

export function msg(records: PanelRecords['records'], docId = 'd1', frameId = 0, top = true): PanelRecords {
  return {
    v: PROTOCOL_VERSION,
    t: 'panel-records',
    tabId: 1,
    frameId,
    doc: { docId, url: `http://app.test/${docId}`, title: '', top, startedAt: 0 },
    loss: { evicted: 0, dropped: 0, invalid: 0 },
    records,
  };
}

export const conn = (seq: number, id: number) => ({
  r: 'conn' as const,
  seq,
  time: seq,
  id,
  transport: 'websocket' as const,
  url: `ws://x/${id}`,
});

export const ev = (
  seq: number,
  id: number,
  time: number,
  text = `m${seq}`,
  type: 'send' | 'receive' = 'receive',
): EventRecord => ({
  r: 'ev',
  seq,
  time,
  conn: id,
  type,
  data: { text },
  size: text.length,
});

/** A connections-list entry with nothing counted yet, for views that only read its keys. */
export function listEntry(
  id: string,
  kind: ListEntry['kind'],
  keys: string[],
  extra: Partial<ListEntry> = {},
): ListEntry {
  return {
    id,
    kind,
    title: id,
    url: '',
    host: '',
    transport: null,
    state: '',
    tone: 'ended',
    section: 0,
    messages: 0,
    bytes: 0,
    connectionKeys: keys,
    startedAt: 0,
    ...extra,
  };
}
