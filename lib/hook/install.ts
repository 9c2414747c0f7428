// Entry of the page hook: captures pristine built-ins, opens the private
// channel to the relay, and patches each transport. Runs once per document.

import { openChannel } from './channel';
import { installDisguise } from './disguise';
import { patchEventSource } from './eventsource';
import { patchFetch } from './fetch';
import { captureHttpNatives } from './http';
import { capturePristine } from './pristine';
import { patchWebSocket } from './websocket';
import { patchXhr } from './xhr';

export function installHook(win: Window & typeof globalThis): void {
  const p = capturePristine(win);
  const disguise = installDisguise(p);
  const channel = openChannel(p);
  let lastId = 0;
  const nextId = () => ++lastId;
  patchWebSocket(p, disguise, channel, nextId);
  const http = captureHttpNatives(p);
  patchXhr(p, disguise, channel, http, nextId);
  patchFetch(p, disguise, channel, http, nextId);
  patchEventSource(p, disguise, channel, nextId);
}
