// Entry of the page hook: captures pristine built-ins, opens the private
// port to the relay, and patches each transport. Runs once per document.

import { installDisguise } from './disguise';
import { patchEventSource } from './eventsource';
import { patchFetch } from './fetch';
import { captureHttpNatives } from './http';
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
  patchXhr(p, disguise, relay, http, nextId);
  patchFetch(p, disguise, relay, http, nextId);
  patchEventSource(p, disguise, relay, nextId);
}
