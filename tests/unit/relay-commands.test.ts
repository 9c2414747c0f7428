import { describe, expect, it } from 'vitest';
import {
  COMMAND_BURST,
  COMMAND_RATE,
  type CommandPeer,
  HOOK_REPLY_TIMEOUT_MS,
  MAX_PENDING,
  RelayCommands,
} from '../../lib/relay/commands';
import type { CommandReply, HookCommand, HookStatus } from '../../lib/wire/command';
import { panelCommand } from '../../lib/wire/command';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';

const V = PROTOCOL_VERSION;
const doc = { docId: 'd1', url: 'https://app.test/', title: 'App', top: true, startedAt: 1_700_000_000_000 };
const status: HookStatus = {
  captured: 3,
  dropped: 0,
  queued: 1,
  batches: 1,
  payloadCap: 1024 * 1024,
  openWebSockets: 1,
  openEventSources: 0,
  httpInFlight: 0,
  commandsAnswered: 1,
};

/** A relay's command half with a hook whose port the test reads, a clock and timers the test drives. */
function setup(options: { hook?: boolean; postThrows?: boolean } = {}) {
  const toHook: HookCommand[] = [];
  const timers = new Map<number, () => void>();
  let nextTimer = 0;
  let clock = 0;
  const commands = new RelayCommands({
    doc,
    hook: () =>
      options.hook === false
        ? null
        : {
            post(message) {
              if (options.postThrows) throw new Error('port closed');
              toHook.push(structuredClone(message));
            },
          },
    setTimer(fn, ms) {
      expect(ms).toBe(HOOK_REPLY_TIMEOUT_MS);
      timers.set(++nextTimer, fn);
      return nextTimer;
    },
    clearTimer: (handle) => timers.delete(handle as number),
    now: () => clock,
  });
  const peer = (): CommandPeer & { got: CommandReply[] } => {
    const got: CommandReply[] = [];
    return { got, send: (reply) => got.push(structuredClone(reply)) };
  };
  return {
    commands,
    toHook,
    peer,
    advance(ms: number) {
      clock += ms;
    },
    /** Runs every timer due (all of them: each is the hook's deadline). */
    expire() {
      for (const [id, fn] of [...timers]) {
        timers.delete(id);
        fn();
      }
    },
    timers,
  };
}

const cmd = (id = 'p-1') => panelCommand(id, 'hook-status', {});
const hookReply = (id: number, result: unknown = status) => ({
  v: V,
  t: 'command-reply',
  id,
  name: 'hook-status',
  result,
});

describe('relay commands', () => {
  it("asks the hook under the relay's own id and answers the panel with the hook's result and this document", () => {
    const t = setup();
    const panel = t.peer();
    expect(t.commands.accept(cmd('panel-7'), panel)).toBe(true);
    expect(t.toHook).toEqual([{ v: V, t: 'command', id: 1, name: 'hook-status', args: {} }]);
    expect(panel.got).toEqual([]);
    expect(t.commands.acceptHookReply(hookReply(1, { ...status, secret: 'x' }))).toBe(true);
    expect(panel.got).toEqual([
      { v: V, t: 'command-reply', id: 'panel-7', name: 'hook-status', doc, ok: true, result: status },
    ]);
    expect(t.commands.waiting).toBe(0);
    expect(t.timers.size).toBe(0);
  });

  it('each reply goes to the channel its command came from', () => {
    const t = setup();
    const a = t.peer();
    const b = t.peer();
    t.commands.accept(cmd('a'), a);
    t.commands.accept(cmd('b'), b);
    t.commands.acceptHookReply(hookReply(2));
    t.commands.acceptHookReply(hookReply(1));
    expect(a.got.map((r) => r.id)).toEqual(['a']);
    expect(b.got.map((r) => r.id)).toEqual(['b']);
  });

  it('answers for a hook that never connected, or whose port refuses the command', () => {
    for (const options of [{ hook: false }, { postThrows: true }]) {
      const t = setup(options);
      const panel = t.peer();
      t.commands.accept(cmd(), panel);
      expect(panel.got).toEqual([expect.objectContaining({ id: 'p-1', ok: false, error: 'no-hook', doc })]);
      expect(t.commands.waiting).toBe(0);
    }
  });

  it('answers for a silent hook at the deadline, and takes no late reply', () => {
    const t = setup();
    const panel = t.peer();
    t.commands.accept(cmd(), panel);
    t.expire();
    expect(panel.got).toEqual([expect.objectContaining({ ok: false, error: 'no-answer' })]);
    t.commands.acceptHookReply(hookReply(1));
    expect(panel.got).toHaveLength(1);
    expect(t.commands.rejected.unmatchedReplies).toBe(1);
  });

  it('a malformed reply to a waiting command answers it as such; forged or unasked replies reach nobody', () => {
    const t = setup();
    const panel = t.peer();
    t.commands.accept(cmd(), panel);
    // Replies for ids the relay never used, or with counts out of bounds.
    t.commands.acceptHookReply(hookReply(99));
    t.commands.acceptHookReply(hookReply(0));
    t.commands.acceptHookReply({ ...hookReply(1), v: V + 1 });
    expect(panel.got).toEqual([]);
    t.commands.acceptHookReply(hookReply(1, { ...status, openWebSockets: -1 }));
    expect(panel.got).toEqual([expect.objectContaining({ ok: false, error: 'invalid-reply' })]);
    expect(t.commands.rejected).toMatchObject({ unmatchedReplies: 1, invalidReplies: 1 });
  });

  it("leaves everything else on the hook's port to the core", () => {
    const t = setup();
    expect(t.commands.acceptHookReply({ v: V, t: 'batch', records: [] })).toBe(false);
    expect(t.commands.acceptHookReply(null)).toBe(false);
    expect(t.commands.acceptHookReply({ v: V - 1, t: 'command-reply' })).toBe(false);
  });

  it('refuses and counts what is not a command, and sends the hook nothing for it', () => {
    const t = setup();
    const panel = t.peer();
    for (const bad of [
      null,
      { ...cmd(), v: V + 1 },
      { ...cmd(), name: 'replay' },
      { ...cmd(), id: 'x'.repeat(65) },
    ])
      expect(t.commands.accept(bad, panel)).toBe(false);
    expect(t.toHook).toEqual([]);
    expect(panel.got).toEqual([]);
    expect(t.commands.rejected.invalid).toBe(4);
  });

  it("bounds each channel's rate: past the burst it answers busy until the bucket refills", () => {
    const t = setup();
    const panel = t.peer();
    const other = t.peer();
    for (let i = 0; i < COMMAND_BURST + 3; i++) t.commands.accept(cmd(`p-${i}`), panel);
    expect(t.toHook).toHaveLength(COMMAND_BURST);
    expect(panel.got.filter((r) => !r.ok && r.error === 'busy')).toHaveLength(3);
    // Another channel has its own bucket.
    t.commands.accept(cmd('other'), other);
    expect(t.toHook).toHaveLength(COMMAND_BURST + 1);
    t.advance(1000 / COMMAND_RATE);
    t.commands.accept(cmd('later'), panel);
    expect(t.toHook).toHaveLength(COMMAND_BURST + 2);
    t.commands.accept(cmd('too-soon'), panel);
    expect(t.toHook).toHaveLength(COMMAND_BURST + 2);
    expect(t.commands.rejected.busy).toBe(4);
  });

  it('bounds the commands waiting for the hook, whatever the channels', () => {
    const t = setup();
    for (let i = 0; i < MAX_PENDING + 5; i++) t.commands.accept(cmd(), t.peer());
    expect(t.commands.waiting).toBe(MAX_PENDING);
    expect(t.toHook).toHaveLength(MAX_PENDING);
  });

  it('a channel that closed before its answer does not throw into the relay', () => {
    const t = setup();
    const gone: CommandPeer = {
      send() {
        throw new Error('Attempting to use a disconnected port object');
      },
    };
    t.commands.accept(cmd(), gone);
    expect(() => t.commands.acceptHookReply(hookReply(1))).not.toThrow();
    expect(t.commands.waiting).toBe(0);
  });
});
