// The relay's half of commands, free of extension APIs. The glue
// (entrypoints/relay.content.ts) hands it only what arrived on a channel the
// extension's own panel holds (Chrome: a link port whose sender passed
// isOwnPanel; Firefox: the port the relay opened to the background); here
// each command is validated, its rate bounded, and it is passed to the hook
// over the hook's private port under an id of the relay's own. The hook's
// reply is read as untrusted (a page script may have tampered with the
// hook), matched to the command it answers, and sent back to the channel the
// command came from with this document; a hook that is absent or silent is
// answered for, so every command gets exactly one reply.

import type { DocumentInfo } from '../model';
import {
  type CommandName,
  type CommandOutcome,
  type CommandReply,
  commandReply,
  type HookCommand,
  hookCommand,
  isCommandReplyKind,
  type PanelCommand,
  parseHookCommandReply,
  parsePanelCommand,
} from '../wire/command';

/** Where a command came from, and where its reply goes. Throws when that channel has closed. */
export interface CommandPeer {
  send(reply: CommandReply): void;
}

/** The hook's private port, as the relay posts to it. */
export interface HookLink {
  post(message: HookCommand): void;
}

export interface RelayCommandsOptions {
  /** This document, as replies name it (read at each reply: its title changes). */
  doc: DocumentInfo;
  /** The hook's port, or null while no hook has connected. */
  hook(): HookLink | null;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /** A clock in ms, for the rate bound. */
  now(): number;
}

/** The hook answers within the task that receives a command; one that has not by then will not. */
export const HOOK_REPLY_TIMEOUT_MS = 2000;
/** Per channel: this many commands at once, refilled at COMMAND_RATE a second. */
export const COMMAND_BURST = 16;
export const COMMAND_RATE = 8;
/** Commands waiting for the hook, from all channels together. */
export const MAX_PENDING = 64;
/** The relay's ids for the hook run from 1 to this, then start again. */
const MAX_HOOK_ID = 2 ** 31 - 1;

interface Pending {
  peer: CommandPeer;
  command: PanelCommand;
  timer: unknown;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RelayCommands {
  private lastId = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly buckets = new WeakMap<CommandPeer, Bucket>();
  /** What was turned away, by reason (nothing is dropped silently). */
  readonly rejected = { invalid: 0, busy: 0, invalidReplies: 0, unmatchedReplies: 0 };

  constructor(private readonly opts: RelayCommandsOptions) {}

  /**
   * A message from a panel's channel: true when it was a valid command (it
   * will be answered), false when it was not one (counted).
   */
  accept(message: unknown, peer: CommandPeer): boolean {
    const command = parsePanelCommand(message);
    if (!command) {
      this.rejected.invalid++;
      return false;
    }
    if (!this.take(peer) || this.pending.size >= MAX_PENDING) {
      this.rejected.busy++;
      this.answer(peer, command, { ok: false, error: 'busy' });
      return true;
    }
    const hook = this.opts.hook();
    if (!hook) {
      this.answer(peer, command, { ok: false, error: 'no-hook' });
      return true;
    }
    this.lastId = this.lastId >= MAX_HOOK_ID ? 1 : this.lastId + 1;
    const id = this.lastId;
    const timer = this.opts.setTimer(
      () => this.settle(id, { ok: false, error: 'no-answer' }),
      HOOK_REPLY_TIMEOUT_MS,
    );
    this.pending.set(id, { peer, command, timer });
    try {
      hook.post(hookCommand(id, command.name, command.args));
    } catch {
      this.settle(id, { ok: false, error: 'no-hook' });
    }
    return true;
  }

  /**
   * A message from the hook's port: true when it claimed to be a command
   * reply (handled here, valid or not), false when it is something else for
   * the relay's core (a batch).
   */
  acceptHookReply(data: unknown): boolean {
    if (!isCommandReplyKind(data)) return false;
    const reply = parseHookCommandReply(data);
    if (!reply) {
      // The command it answers, if it names one, is answered as such rather than left to time out.
      const id = (data as { id?: unknown }).id;
      if (typeof id === 'number' && this.pending.has(id))
        this.settle(id, { ok: false, error: 'invalid-reply' });
      else this.rejected.invalidReplies++;
      return true;
    }
    const entry = this.pending.get(reply.id);
    if (!entry || entry.command.name !== reply.name) {
      this.rejected.unmatchedReplies++;
      return true;
    }
    this.settle(reply.id, { ok: true, result: reply.result });
    return true;
  }

  /** Commands waiting for the hook now. */
  get waiting(): number {
    return this.pending.size;
  }

  private settle(id: number, outcome: CommandOutcome): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    this.opts.clearTimer(entry.timer);
    this.answer(entry.peer, entry.command, outcome);
  }

  private answer(peer: CommandPeer, command: PanelCommand, outcome: CommandOutcome): void {
    try {
      peer.send(commandReply(command.id, command.name as CommandName, this.opts.doc, outcome));
    } catch {
      // The panel went away before its answer: nobody to tell.
    }
  }

  /** A token of the channel's bucket, if it has one left. */
  private take(peer: CommandPeer): boolean {
    const now = this.opts.now();
    const bucket = this.buckets.get(peer) ?? { tokens: COMMAND_BURST, at: now };
    bucket.tokens = Math.min(COMMAND_BURST, bucket.tokens + ((now - bucket.at) / 1000) * COMMAND_RATE);
    bucket.at = now;
    this.buckets.set(peer, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  }
}
