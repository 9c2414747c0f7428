// Entry of the page hook: captures pristine built-ins, opens the private
// port to the relay, and patches each transport. Runs once per document.

import { installDisguise } from './disguise';
import { patchEventSource } from './eventsource';
import { patchFetch } from './fetch';
import { captureHttpNatives } from './http';
import { callSiteReader, withInitiators } from './initiator';
import { capturePristine } from './pristine';
import { openRelayPort } from './relay-port';
import { patchWebSocket } from './websocket';
import { patchXhr } from './xhr';

export function installHook(win: Window & typeof globalThis): void {
  const p = capturePristine(win);
  const disguise = installDisguise(p);
  const relay = openRelayPort(p);
  let lastId = 0;
  const nextId = () => ++lastId;
  patchWebSocket(p, disguise, relay, nextId);
  const http = captureHttpNatives(p);
  // HTTP records pass by the initiator recorder: a loop's requests get the page's call site.
  const read = callSiteReader(p);
  const httpPort = read ? withInitiators(p, relay, read) : relay;
  patchXhr(p, disguise, httpPort, http, nextId);
  patchFetch(p, disguise, httpPort, http, nextId);
  patchEventSource(p, disguise, relay, nextId);
}
