// Benchmark: a Socket.IO flood (100,000 frames by default: ticks from the
// server, and the page's acknowledged pings) listed live in the popped-out
// panel with the connection selected, decoding on against decoding off, in
// interleaved rounds (a fresh browser per run); and the decoder's own
// throughput and heap over the same flood recorded in Node.
// Run: `npx tsx scripts/bench/decode.ts` (needs `npm run build`), or `npm run bench decode`.
// BENCH_ROUNDS (default 9) rounds; BENCH_DECODE_FRAMES (default 100000) frames per flood;
// WIRESCOPE_OUT_DIR another build.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { medianOf } from '../../lib/patterns/median';
import { EXTENSION_DIR } from '../lib/chromium';
import { decodeLikeThePanel, recordFlood } from '../lib/decode-in-node';
import { type PanelFloodRun, runPanelFlood } from '../lib/panel-flood-run';
import { pairedRatioInterval } from '../lib/ratio-interval';
import { floodPlan, PING_EVERY } from '../lib/socket-io-flood';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const FRAMES = Number(process.env.BENCH_DECODE_FRAMES ?? 100_000);
/** BENCH_PROFILE=<directory>: each run writes the panel's CPU profile over its flood there. */
const PROFILE_DIR = process.env.BENCH_PROFILE;
/** BENCH_SCREENSHOT=<directory>: each run saves a PNG of the panel once it has caught up. */
const SCREENSHOT_DIR = process.env.BENCH_SCREENSHOT;

function progress(line: string): void {
  if (process.env.BENCH_QUIET === undefined) process.stderr.write(`  [decode] ${line}\n`);
}

const MB = 1024 * 1024;
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A run failing to start (a CDP target now and then) is tried again with a fresh browser. */
async function runWithRetry(decode: boolean, round: number): Promise<PanelFloodRun> {
  const name = `decode-${decode ? 'on' : 'off'}-round${round + 1}`;
  const profilePath = PROFILE_DIR ? join(PROFILE_DIR, `${name}.cpuprofile`) : undefined;
  const screenshotPath = SCREENSHOT_DIR ? join(SCREENSHOT_DIR, `${name}.png`) : undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await runPanelFlood(floodPlan(FRAMES), decode, EXTENSION_DIR, {
        progress,
        ...(profilePath ? { profilePath } : {}),
        ...(screenshotPath ? { screenshotPath } : {}),
      });
    } catch (err) {
      if (attempt >= 3) throw err;
      progress(`attempt ${attempt} failed (${err instanceof Error ? err.message : String(err)}); again`);
    }
  }
}

export async function run(): Promise<string[]> {
  const plan = floodPlan(FRAMES);
  const lines = [
    `Socket.IO flood in the live panel: ${fmt(plan.frames)} frames (${fmt(plan.ticks)} server ticks, ${fmt(plan.pings)} pings acked every ${PING_EVERY} ticks), the connection selected; decoding on vs off, ${ROUNDS} interleaved rounds`,
  ];

  // In Node: the decoder alone, on the same flood recorded from socket.io-client.
  const recorded = await recordFlood(plan);
  const node = decodeLikeThePanel(recorded.url, recorded.frames);
  lines.push(
    `  Node, ConnectionDecodings fed in 1,000-frame batches, conversation decoded and paired after each: ${fmt(node.frames)} frames in ${fmt(node.decodeMs)} ms = ${fmt(node.frames / (node.decodeMs / 1000))} frames/s (store ingest ${fmt(node.ingestMs)} ms); heap held by the decodings ${fmt(node.decodingBytes / MB, 1)} MB (${fmt(node.decodingBytes / node.frames)} B a frame); ${node.latency?.answered ?? 0} answered`,
  );

  const on: PanelFloodRun[][] = [];
  const off: PanelFloodRun[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Which mode goes first alternates, so neither always runs on a warmer machine.
    const order = round % 2 === 0 ? [true, false] : [false, true];
    const runs = new Map<boolean, PanelFloodRun>();
    for (const decode of order) runs.set(decode, await runWithRetry(decode, round));
    on.push([runs.get(true) as PanelFloodRun]);
    off.push([runs.get(false) as PanelFloodRun]);
    progress(`round ${round + 1} of ${ROUNDS} done`);
  }

  /** Time to the panel done: every frame listed, and with decoding every ping shown answered. */
  const doneMs = (r: PanelFloodRun) => Math.max(r.listedMs, r.answeredMs ?? 0);
  const framesPerS = (r: PanelFloodRun) => plan.frames / (doneMs(r) / 1000);
  const medianBy = (rounds: PanelFloodRun[][], f: (r: PanelFloodRun) => number) =>
    medianOf(rounds.flat().map(f));
  const ratio = (f: (r: PanelFloodRun) => number) => {
    const {
      ratio: r,
      low,
      high,
    } = pairedRatioInterval(
      on.map((g) => g.map(f)),
      off.map((g) => g.map(f)),
    );
    return `x${r.toFixed(2)} (${low.toFixed(2)}-${high.toFixed(2)})`;
  };
  // A lag can be near zero either way: it is compared as a difference, not a ratio.
  const difference = (f: (r: PanelFloodRun) => number) => {
    const perRound = on.map((g, k) => medianOf(g.map(f)) - medianOf((off[k] ?? []).map(f)));
    return `${medianOf(perRound) >= 0 ? '+' : ''}${fmt(medianOf(perRound))} ms`;
  };
  const column = 20;
  const row = (
    label: string,
    f: (r: PanelFloodRun) => number,
    unit: (v: number) => string,
    compare: (f: (r: PanelFloodRun) => number) => string = ratio,
  ) =>
    `  ${label.padEnd(46)}${unit(medianBy(on, f)).padStart(column)}${unit(medianBy(off, f)).padStart(column)}${compare(f).padStart(column + 4)}`;
  const ms = (v: number) => `${fmt(v)} ms`;
  lines.push(
    "  in Chromium, medians; on/off: the median of the rounds' ratios with its 90% interval resampling rounds (lags: the median of the rounds' differences)",
    `  ${''.padEnd(46)}${'decoding on'.padStart(column)}${'decoding off'.padStart(column)}${'on/off'.padStart(column + 4)}`,
    row('first frame -> panel done (listed + answered)', doneMs, ms),
    row('frames/s through the panel', framesPerS, (v) => `${fmt(v)}/s`),
    row('first frame -> page had its last frame', (r) => r.pageMs, ms),
    row('panel behind the page at half the frames', (r) => r.lagAtHalfMs, ms, difference),
    row('panel behind the page at its last frame', (r) => r.lagMs, ms, difference),
    row(
      `panel JS heap after GC, ${fmt(plan.frames)} frames`,
      (r) => r.heapBytes,
      (v) => `${fmt(v / MB, 1)} MB`,
    ),
  );
  // BENCH_RAW=1: every run's time to done, and its lag behind the page at each tenth of the frames.
  if (process.env.BENCH_RAW !== undefined)
    for (const [name, rounds] of [
      ['on', on],
      ['off', off],
    ] as const)
      for (const r of rounds.flat())
        lines.push(
          `  ${name}: done ${fmt(doneMs(r))} ms; lag by tenth ${r.lagByTenthMs.map((ms) => fmt(ms)).join(' ')} ms`,
        );
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await run()) console.log(line);
}
