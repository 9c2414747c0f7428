// Commands: panel -> page hook, and the reply back. Every hop has its own
// message, made by a builder here and read by a parser here as untrusted:
//
//   panel -> relay        PanelCommand (Chrome: over the panel's link port,
//                         whose sender the relay checks; Firefox: from the
//                         background over the port the relay opened itself)
//   panel -> background   PanelCommandForTab (Firefox, over PANEL_PORT, naming
//                         the tab and optionally one frame)
//   relay -> hook         HookCommand (over the hook's private MessagePort; the
//                         relay's own id, never the panel's)
//   hook  -> relay        HookCommandReply (bounded numbers; nothing else passes)
//   relay -> panel        CommandReply (with the document it came from; Firefox:
//                         wrapped by the background's `from-relay`)
//
// The list of commands is closed: COMMAND_NAMES, each with its arguments
// (CommandArgs) and its result (CommandResults). A new command adds a name,
// an argument and a result parser here, and a handler in the hook.

import type { DocumentInfo } from '../model';
import { isNonNegInt, isRecord } from '../validate';
import { type Envelope, hasVersion, isPayloadCap, PROTOCOL_VERSION } from './envelope';
import { parseDocumentInfo } from './records';

export const COMMAND_NAMES = ['hook-status'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** What the page hook says of itself: counters since its document started, and gauges of now. */
export interface HookStatus {
  /** Records the hook has taken in (queued for the relay), dropped ones included. */
  captured: number;
  /** Records lost before reaching the relay (counted, never silent). */
  dropped: number;
  /** Records waiting in the hook's queue now. */
  queued: number;
  /** Batches handed over to the relay. */
  batches: number;
  /** The payload cap in effect, in bytes. */
  payloadCap: number;
  /** WebSockets constructed and not yet closed. */
  openWebSockets: number;
  /** EventSources not closed (reconnecting ones included). */
  openEventSources: number;
  /** XHR and fetch exchanges started and not yet complete. */
  httpInFlight: number;
  /** Commands this hook has answered, this one included. */
  commandsAnswered: number;
}

/** The fields of HookStatus, in the order the panel shows them. */
export const HOOK_STATUS_FIELDS = [
  'captured',
  'dropped',
  'queued',
  'batches',
  'payloadCap',
  'openWebSockets',
  'openEventSources',
  'httpInFlight',
  'commandsAnswered',
] as const satisfies readonly (keyof HookStatus)[];

/** Each command's arguments. */
export interface CommandArgs {
  'hook-status': Record<string, never>;
}
/** Each command's result. */
export interface CommandResults {
  'hook-status': HookStatus;
}

/**
 * Why a frame gave no result: its hook never connected (no-hook: the page
 * started before the extension, or the hook could not run), did not answer
 * in time (no-answer), sent a reply that failed validation (invalid-reply),
 * or the relay refused the command for its rate (busy).
 */
export const COMMAND_ERRORS = ['no-hook', 'no-answer', 'invalid-reply', 'busy'] as const;
export type CommandError = (typeof COMMAND_ERRORS)[number];

/** A panel's command id: letters, digits, `-` and `_`, at most this long. */
export const MAX_COMMAND_ID_LENGTH = 64;
const COMMAND_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The relay's ids for its hook are small positive integers. */
const MAX_HOOK_COMMAND_ID = 2 ** 31 - 1;
/** A counter's bound: any count a page can reach fits, and it stays an exact integer. */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

const isCommandName = (v: unknown): v is CommandName =>
  typeof v === 'string' && (COMMAND_NAMES as readonly string[]).includes(v);
const isCommandId = (v: unknown): v is string => typeof v === 'string' && COMMAND_ID.test(v);
const isHookCommandId = (v: unknown): v is number => isNonNegInt(v) && v >= 1 && v <= MAX_HOOK_COMMAND_ID;
const isCount = (v: unknown): v is number => isNonNegInt(v) && v <= MAX_COUNT;
const isCommandError = (v: unknown): v is CommandError =>
  typeof v === 'string' && (COMMAND_ERRORS as readonly string[]).includes(v);

/** An object with no own keys (hook-status takes no arguments). */
function parseNoArgs(v: unknown): Record<string, never> | null {
  return isRecord(v) && Object.keys(v).length === 0 ? {} : null;
}

/** A hook's status, its known fields only, each a bounded count (the cap a valid payload cap). */
export function parseHookStatus(v: unknown): HookStatus | null {
  if (!isRecord(v)) return null;
  const out = {} as HookStatus;
  for (const field of HOOK_STATUS_FIELDS) {
    const n = v[field];
    if (field === 'payloadCap' ? !isPayloadCap(n) : !isCount(n)) return null;
    out[field] = n as number;
  }
  return out;
}

/** Per command: how its arguments and its result are read. */
const COMMANDS: {
  [N in CommandName]: {
    args(v: unknown): CommandArgs[N] | null;
    result(v: unknown): CommandResults[N] | null;
  };
} = {
  'hook-status': { args: parseNoArgs, result: parseHookStatus },
};

// ---------------------------------------------------------------------------
// panel -> relay (Chrome: over the link port; Firefox: the background passes it on)

export interface PanelCommand<N extends CommandName = CommandName> extends Envelope<'command'> {
  id: string;
  name: N;
  args: CommandArgs[N];
}

export function panelCommand<N extends CommandName>(
  id: string,
  name: N,
  args: CommandArgs[N],
): PanelCommand<N> {
  return { v: PROTOCOL_VERSION, t: 'command', id, name, args };
}

export function parsePanelCommand(v: unknown): PanelCommand | null {
  if (!hasVersion(v) || v.t !== 'command' || !isCommandId(v.id) || !isCommandName(v.name)) return null;
  const args = COMMANDS[v.name].args(v.args);
  return args ? panelCommand(v.id, v.name, args) : null;
}

// ---------------------------------------------------------------------------
// panel -> background (Firefox, over PANEL_PORT)

export interface PanelCommandForTab extends Envelope<'panel-command'> {
  tabId: number;
  /** Only this frame's relay; absent: every frame of the tab. */
  frameId?: number;
  command: PanelCommand;
}

export function panelCommandForTab(
  tabId: number,
  command: PanelCommand,
  frameId?: number,
): PanelCommandForTab {
  const msg: PanelCommandForTab = { v: PROTOCOL_VERSION, t: 'panel-command', tabId, command };
  if (frameId !== undefined) msg.frameId = frameId;
  return msg;
}

export function parsePanelCommandForTab(v: unknown): PanelCommandForTab | null {
  if (!hasVersion(v) || v.t !== 'panel-command' || !isNonNegInt(v.tabId)) return null;
  if (v.frameId !== undefined && !isNonNegInt(v.frameId)) return null;
  const command = parsePanelCommand(v.command);
  return command ? panelCommandForTab(v.tabId, command, v.frameId as number | undefined) : null;
}

// ---------------------------------------------------------------------------
// relay -> hook (the hook reads it with page-proof code: lib/hook/relay-port.ts)

export interface HookCommand<N extends CommandName = CommandName> extends Envelope<'command'> {
  id: number;
  name: N;
  args: CommandArgs[N];
}

export function hookCommand<N extends CommandName>(
  id: number,
  name: N,
  args: CommandArgs[N],
): HookCommand<N> {
  return { v: PROTOCOL_VERSION, t: 'command', id, name, args };
}

// ---------------------------------------------------------------------------
// hook -> relay

export interface HookCommandReply<N extends CommandName = CommandName> extends Envelope<'command-reply'> {
  id: number;
  name: N;
  result: CommandResults[N];
}

/** A hook's reply: its id, name and the command's result, rebuilt from known fields only. */
export function parseHookCommandReply(v: unknown): HookCommandReply | null {
  if (!hasVersion(v) || v.t !== 'command-reply' || !isHookCommandId(v.id) || !isCommandName(v.name))
    return null;
  const result = COMMANDS[v.name].result(v.result);
  return result ? { v: PROTOCOL_VERSION, t: 'command-reply', id: v.id, name: v.name, result } : null;
}

// ---------------------------------------------------------------------------
// relay -> panel

export type CommandOutcome<N extends CommandName = CommandName> =
  | { ok: true; result: CommandResults[N] }
  | { ok: false; error: CommandError };

export type CommandReply<N extends CommandName = CommandName> = Envelope<'command-reply'> & {
  /** The panel's id of the command answered. */
  id: string;
  name: N;
  /** The document that answered (a frame may have navigated since it was asked). */
  doc: DocumentInfo;
} & CommandOutcome<N>;

export function commandReply<N extends CommandName>(
  id: string,
  name: N,
  doc: DocumentInfo,
  outcome: CommandOutcome<N>,
): CommandReply<N> {
  return outcome.ok
    ? { v: PROTOCOL_VERSION, t: 'command-reply', id, name, doc, ok: true, result: outcome.result }
    : { v: PROTOCOL_VERSION, t: 'command-reply', id, name, doc, ok: false, error: outcome.error };
}

/**
 * Whether a message claims to be a command reply (the relay's hook port and
 * the panel's link carry other kinds too); its parser judges the rest.
 */
export function isCommandReplyKind(v: unknown): boolean {
  return hasVersion(v) && v.t === 'command-reply';
}

export function parseCommandReply(v: unknown): CommandReply | null {
  if (!hasVersion(v) || v.t !== 'command-reply' || !isCommandId(v.id) || !isCommandName(v.name)) return null;
  const doc = parseDocumentInfo(v.doc);
  if (!doc) return null;
  if (v.ok === true) {
    const result = COMMANDS[v.name].result(v.result);
    return result ? commandReply(v.id, v.name, doc, { ok: true, result }) : null;
  }
  if (v.ok === false && isCommandError(v.error))
    return commandReply(v.id, v.name, doc, { ok: false, error: v.error });
  return null;
}

/** A reply as the panel holds it once read: with the tab and frame it came from. */
export type PanelCommandReply = CommandReply & { tabId: number; frameId: number };

export function readCommandReply(message: unknown, tabId: number, frameId: number): PanelCommandReply | null {
  const reply = parseCommandReply(message);
  return reply ? { ...reply, tabId, frameId } : null;
}
