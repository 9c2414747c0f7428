import { describe, expect, it } from 'vitest';
import { acceptHookPort, type HandshakeEnv } from '../../lib/relay/handshake';
import { HANDSHAKE_HOOK_READY, HANDSHAKE_RELAY_READY } from '../../lib/wire/page-relay';

/** An offer as the hook makes it: cancelable, carrying a port. */
class Offer extends Event {
  constructor(readonly port: MessagePort | null) {
    super(HANDSHAKE_HOOK_READY, { cancelable: true });
  }
}

function setup(options: { late?: boolean } = {}) {
  const target = new EventTarget();
  let startPage: (() => void) | null = null;
  let watching = false;
  const env: HandshakeEnv = {
    target,
    makeEvent: (type) => new Event(type),
    offeredPort: (e) => (e instanceof Offer ? e.port : null),
    pageStarted: () => options.late === true,
    watchPageStart(onStart) {
      watching = true;
      startPage = onStart;
      return () => {
        watching = false;
      };
    },
  };
  const taken: MessagePort[] = [];
  const offer = (port: MessagePort | null) => {
    const event = new Offer(port);
    target.dispatchEvent(event);
    return event.defaultPrevented;
  };
  return {
    target,
    env,
    taken,
    offer,
    start: () => acceptHookPort(env, (p) => taken.push(p)),
    pageStarts: () => startPage?.(),
    isWatching: () => watching,
  };
}

const ports = () => new MessageChannel();

describe('acceptHookPort', () => {
  it('takes the port of a hook that ran first, during its own announcement', () => {
    const s = setup();
    const hook = ports();
    let cancelled: boolean | null = null;
    // The hook listens for RELAY_READY and answers with its offer.
    s.target.addEventListener(HANDSHAKE_RELAY_READY, () => {
      cancelled = s.offer(hook.port2);
    });
    const result = s.start();
    expect(result.port).toBe(hook.port2);
    expect(s.taken).toEqual([hook.port2]);
    expect(cancelled).toBe(true);
    expect(s.isWatching()).toBe(false);
    // A page script's look-alike offer afterwards reaches nobody.
    expect(s.offer(ports().port2)).toBe(false);
    expect(s.taken).toHaveLength(1);
    hook.port1.close();
  });

  it('waits for a hook that runs second, while no page content has arrived', () => {
    const s = setup();
    const result = s.start();
    expect(result.port).toBeNull();
    expect(s.isWatching()).toBe(true);
    const hook = ports();
    expect(s.offer(hook.port2)).toBe(true);
    expect(result.port).toBe(hook.port2);
    expect(s.isWatching()).toBe(false);
    expect(s.offer(ports().port2)).toBe(false);
    hook.port1.close();
  });

  it('stops listening for good once page content starts: a later offer is forged', () => {
    const s = setup();
    const result = s.start();
    s.pageStarts();
    expect(s.offer(ports().port2)).toBe(false);
    expect(result.port).toBeNull();
    expect(s.taken).toHaveLength(0);
  });

  it('accepts nothing after the announcement when it starts late (page scripts may have run)', () => {
    const s = setup({ late: true });
    const result = s.start();
    expect(s.isWatching()).toBe(false);
    expect(s.offer(ports().port2)).toBe(false);
    expect(result.port).toBeNull();
  });

  it('ignores look-alike events without a port and still takes the real offer', () => {
    const s = setup();
    const result = s.start();
    s.target.dispatchEvent(new Event(HANDSHAKE_HOOK_READY, { cancelable: true }));
    s.target.dispatchEvent(new CustomEvent(HANDSHAKE_HOOK_READY, { detail: { port: 1 }, cancelable: true }));
    expect(s.offer(null)).toBe(false);
    expect(result.rejected).toBe(3);
    const hook = ports();
    expect(s.offer(hook.port2)).toBe(true);
    expect(result.port).toBe(hook.port2);
    hook.port1.close();
  });
});
