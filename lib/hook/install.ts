// Entry of the page hook: captures pristine built-ins, opens the private
// channel to the relay, and patches each transport. Runs once per document.

import { openChannel } from './channel';
import { installDisguise } from './disguise';
import { capturePristine } from './pristine';
import { patchWebSocket } from './websocket';

export function installHook(win: Window & typeof globalThis): void {
  const p = capturePristine(win);
  const disguise = installDisguise(p);
  const channel = openChannel(p);
  let lastId = 0;
  const nextId = () => ++lastId;
  patchWebSocket(p, disguise, channel, nextId);
}
