// The decoding benchmark's flood (scripts/lib/socket-io-flood.ts): a real
// socket.io server and socket.io-client on loopback, recorded on the wire,
// and what ConnectionDecodings makes of it fed as the panel is fed.

import { describe, expect, it } from 'vitest';
import { decodeLikeThePanel, recordFlood } from '../../scripts/lib/decode-in-node';
import { floodPlan, PING_EVERY } from '../../scripts/lib/socket-io-flood';

describe('decoding benchmark flood', () => {
  it('plans ticks with an acked ping every PING_EVERY ticks, the frames adding up', () => {
    expect(floodPlan(100_000)).toEqual({ frames: 100_000, ticks: 80_000, pings: 10_000 });
    const odd = floodPlan(20_007);
    expect(odd.frames).toBe(20_000);
    expect(odd.ticks / odd.pings).toBe(PING_EVERY);
    expect(odd.ticks + 2 * odd.pings).toBe(odd.frames);
  });

  it('records every frame of the flood, which decodes as Socket.IO with every ping answered', async () => {
    const plan = floodPlan(2_000);
    const { url, frames } = await recordFlood(plan);
    const texts = frames.map((f) => f.text);
    expect(texts.filter((t) => t.startsWith('42["tick"'))).toHaveLength(plan.ticks);
    expect(frames.filter((f) => f.direction === 'send' && /^42\d+\["ping"/.test(f.text))).toHaveLength(
      plan.pings,
    );
    expect(frames.filter((f) => f.direction === 'receive' && /^43\d+\[/.test(f.text))).toHaveLength(
      plan.pings,
    );
    const run = decodeLikeThePanel(url, frames);
    expect(run.frames).toBe(frames.length);
    expect(run.latency).toMatchObject({ answered: plan.pings, unanswered: 0 });
  });
});
