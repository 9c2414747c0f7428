// Traces recorded by the pattern e2e tests (tests/e2e/patterns.spec.ts) in
// real Chromium, replayed through the detector: timings that synthetic
// generators did not produce.

import { describe, expect, it } from 'vitest';
import { detectPatterns } from '../../lib/patterns';
import { Trace } from './patterns-traces';

const T0 = 1_764_000_000_000;

/**
 * The seed's snippet against a server that answers at once, as Chromium ran
 * it: each answer (≈7 ms) fires readyState 2, 3 and 4, whose timers start
 * three polls 1 s later, 1-3 ms apart; Chromium's cache lock serialises the
 * identical GETs, so siblings complete a few ms after each other. The server
 * answered 8 polls, then held the rest (start, end relative to T0).
 */
const SEED_FAST_SERVER: Array<[number, number | null]> = [
  [0.0, 7.8],
  [1007.2, 1013.9],
  [1010.0, 1016.7],
  [1011.9, 1020.8],
  [2014.2, 2022.6],
  [2014.9, 2029.8],
  [2015.0, 2031.1],
  [2017.1, 2031.9],
  [2018.9, null],
  [2020.2, null],
  [2024.0, null],
  [2025.9, null],
  [2027.4, null],
  [3021.8, null],
  [3023.5, null],
  [3024.2, null],
  [3029.7, null],
  [3030.0, null],
  [3030.2, null],
  [3031.2, null],
  [3031.9, null],
  [3033.0, null],
  [3033.7, null],
  [3034.0, null],
  [3034.2, null],
];

/**
 * The same page in another run: the third sibling started after the first
 * had completed, so its predecessor was that sibling (2 ms gap, no polling
 * link) and the chain that confirmed the loop began in the second generation.
 */
/**
 * The same page beside another browser's tests: Chromium's cache lock made
 * the first generation's answers take 98-254 ms, so each poll of the next
 * generation took as predecessor the sibling answered last, not its parent,
 * and the loop's intervals (1,000 ms plus an answer) were no round timer
 * value. The server then holds every poll: no answer links the rest.
 */
const SEED_FAST_LOCKED_ANSWERS: Array<[number, number | null, number | null]> = [
  [0, 68.4, 30.8],
  [1059.4, 1157.2, 1156.7],
  [1074.2, 1324.7, 1323.8],
  [1076.3, 1329.7, 1328.6],
  [2158.6, 2172.1, 2171.3],
  [2160, 2176.3, 2176],
  [2198, 2208.4, 2205.9],
  [2324.5, 2352.6, 2351.9],
  [2325.6, null, null],
  [2326.2, null, null],
  [2336.5, null, null],
  [2337, null, null],
  [2340.1, null, null],
  [3173.5, null, null],
  [3179.4, null, null],
  [3182.1, null, null],
  [3184.3, null, null],
  [3187.2, null, null],
  [3189.5, null, null],
  [3206.6, null, null],
  [3210.4, null, null],
  [3213.3, null, null],
  [3352.4, null, null],
  [3355.7, null, null],
  [3357.8, null, null],
];

const SEED_FAST_SERVER_2: Array<[number, number | null, number | null]> = [
  [0.0, 22.7, 13.9],
  [1014.8, 1023.0, 1022.6],
  [1015.7, 1047.1, 1046.8],
  [1025.4, 1048.7, 1048.3],
  [2034.6, 2069.4, 2068.6],
  [2036.0, 2079.8, 2079.5],
  [2036.5, 2091.0, 2089.8],
  [2047.1, 2097.0, 2096.7],
  [2047.5, null, null],
  [2047.8, null, null],
  [2048.5, null, null],
  [2055.4, null, null],
  [2055.9, null, null],
  [3069.1, null, null],
  [3081.2, null, null],
  [3082.0, null, null],
  [3082.6, null, null],
  [3083.2, null, null],
  [3083.8, null, null],
  [3090.1, null, null],
  [3090.9, null, null],
  [3099.5, null, null],
  [3100.2, null, null],
  [3100.9, null, null],
  [3101.8, null, null],
];

/**
 * The same snippet and server, recorded in Chromium while another browser ran
 * a test beside it on the 2-core machine: the timers fired up to 60 ms apart
 * (the first generation's polls 1039, 1100 and 1103 ms in), so no two gaps
 * agreed within the tight rule, and the budget of 8 answers ends the chains at
 * their third request. [start, end, headersAt] relative to T0.
 */
const SEED_FAST_LOADED: Array<[number, number | null, number | null]> = [
  [0, 43.2, 42.5],
  [1039.2, 1111.9, 1111.8],
  [1099.6, 1147.9, 1147.8],
  [1102.9, 1148.8, 1148.8],
  [2110.5, 2129.3, 2129.3],
  [2120.5, 2132.5, 2132.5],
  [2121.3, 2135.1, 2135.1],
  [2148.1, 2159.9, 2159.9],
  [2149.2, null, null],
  [2149.8, null, null],
  [2150.2, null, null],
  [2150.7, null, null],
  [2152.9, null, null],
  [3131.7, null, null],
  [3135.3, null, null],
  [3138.6, null, null],
  [3140.6, null, null],
  [3142.9, null, null],
  [3144.9, null, null],
  [3147, null, null],
  [3148.8, null, null],
  [3150.5, null, null],
  [3160, null, null],
  [3162.8, null, null],
  [3165.3, null, null],
];

/**
 * Another such run, busier still: the server's instant answers took 126 to
 * 233 ms to arrive, and the first generation started 1122 to 1156 ms in.
 */
const SEED_FAST_LOADED_SLOW_ANSWERS: Array<[number, number | null, number | null]> = [
  [0.0, 126.0, 125.9],
  [1122.1, 1283.2, 1283.1],
  [1123.0, 1312.5, 1312.4],
  [1155.7, 1388.5, 1388.5],
  [2270.6, 2285.8, 2285.7],
  [2278.6, 2290.3, 2290.3],
  [2304.0, 2311.4, 2311.3],
  [2312.4, 2335.3, 2335.3],
  [2314.4, null, null],
  [2315.7, null, null],
  [2388.9, null, null],
  [2391.3, null, null],
  [2393.5, null, null],
  [3287.5, null, null],
  [3293.5, null, null],
  [3296.1, null, null],
  [3298.2, null, null],
  [3300.1, null, null],
  [3302.1, null, null],
  [3311.5, null, null],
  [3314.2, null, null],
  [3316.4, null, null],
  [3334.2, null, null],
  [3337.3, null, null],
  [3339.3, null, null],
];

/**
 * The seed's snippet against a server holding each poll 300 ms, recorded in
 * Firefox ESR with the page in a background tab: Firefox runs the tab's
 * timers together on whole seconds, so a generation's polls start in the
 * same millisecond, and those past the browser's six connections per host
 * wait for one (held about 615 ms). That slow sibling is every next poll's
 * predecessor, with a hold longer than the gap: no polling link, and no
 * clearly held long-poll chain. [start, end, headersAt] relative to T0.
 */
const SEED_FIREFOX_BACKGROUND: Array<[number, number | null, number | null]> = [
  [0, 364, 360],
  [1400, 1717, 1714],
  [1401, 1731, 1728],
  [1401, 1736, 1735],
  [3403, 3722, 3721],
  [3405, 3723, 3722],
  [3405, 3729, 3725],
  [3405, 3732, 3731],
  [3405, 3738, 3737],
  [3405, 3743, 3743],
  [3406, 4021, 4019],
  [4407, 4720, 4719],
  [4408, 4721, 4721],
  [5409, 5723, 5722],
  [5410, 5726, 5725],
  [5410, 5731, 5730],
  [5411, 5734, 5732],
  [5411, 5739, 5735],
  [5411, 5740, 5740],
  [5412, 6027, 6025],
  [5412, 6029, 6028],
  [5412, 6031, 6029],
  [6415, 6733, 6732],
  [6415, 6734, 6734],
  [6416, 6745, 6744],
  [6416, 6738, 6737],
  [6416, 6739, 6739],
  [6416, 6742, 6741],
  [6417, 7034, 7033],
  [6417, 7036, 7035],
  [6417, 7037, 7037],
  [6417, 7039, 7038],
  [6417, 7042, 7040],
  [6418, 7043, 7043],
  [7420, 7737, 7735],
  [7421, 7738, 7738],
  [7421, 7740, 7738],
  [7421, 7744, 7741],
  [7421, 7745, 7745],
  [7422, 7748, 7746],
];

/** One fetch of a cursor loop as Chromium ran it: URL, start, end, headersAt (ms after T0), status, answer. */
type RecordedExchange = [
  url: string,
  start: number,
  end: number | null,
  headersAt: number | null,
  status: number | null,
  answer: string,
];

// Cursor long-polls recorded by tests/e2e/patterns-cursor.spec.ts: the server
// has news on every second poll, and the page starts the next fetch a few ms
// before the capture records the previous answer.
const COUCHDB_CHANGES: RecordedExchange[] = [
  [
    '/db/_changes?feed=longpoll&since=0',
    0,
    1123.1,
    1117,
    200,
    '{"results":[],"last_seq":"1-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L81"}',
  ],
  [
    '/db/_changes?feed=longpoll&since=1-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L81',
    1120.1,
    1437.4,
    1431.5,
    200,
    '{"results":[{"seq":"2-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L82","id":"doc2","changes":[{"rev":"1-2"}]}],"last_seq":"2-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L82"}',
  ],
  [
    '/db/_changes?feed=longpoll&since=2-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L82',
    1434.2,
    2444.5,
    2440.2,
    200,
    '{"results":[],"last_seq":"2-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L82"}',
  ],
  [
    '/db/_changes?feed=longpoll&since=2-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L82',
    2443.6,
    2754.3,
    2751.5,
    200,
    '{"results":[{"seq":"3-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L83","id":"doc3","changes":[{"rev":"1-3"}]}],"last_seq":"3-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L83"}',
  ],
  [
    '/db/_changes?feed=longpoll&since=3-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L83',
    2753.2,
    3763.5,
    3759.6,
    200,
    '{"results":[],"last_seq":"3-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L83"}',
  ],
  [
    '/db/_changes?feed=longpoll&since=3-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L83',
    3762.5,
    4073.1,
    4067.5,
    200,
    '{"results":[{"seq":"4-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L84","id":"doc4","changes":[{"rev":"1-4"}]}],"last_seq":"4-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L84"}',
  ],
  [
    '/db/_changes?feed=longpoll&since=4-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L84',
    4070.3,
    5079.4,
    5077.1,
    200,
    '{"results":[],"last_seq":"4-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L84"}',
  ],
  [
    '/db/_changes?feed=longpoll&since=4-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L84',
    5078.5,
    5389.3,
    5388,
    200,
    '{"results":[{"seq":"5-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L85","id":"doc5","changes":[{"rev":"1-5"}]}],"last_seq":"5-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L85"}',
  ],
];

const MATRIX_SYNC: RecordedExchange[] = [
  [
    '/_matrix/client/v3/sync?timeout=1000',
    0,
    402.9,
    396.6,
    200,
    '{"next_batch":"s72595_4486_1935","rooms":{"join":{"!room:localhost":{"timeline":{"events":[{"type":"m.room.message"}]}}}}}',
  ],
  [
    '/_matrix/client/v3/sync?since=s72595_4486_1935&timeout=1000',
    401.8,
    802.9,
    785.8,
    200,
    '{"next_batch":"s72596_4489_1936","rooms":{"join":{"!room:localhost":{"timeline":{"events":[{"type":"m.room.message"}]}}}}}',
  ],
  [
    '/_matrix/client/v3/sync?since=s72596_4489_1936&timeout=1000',
    801.9,
    1879.7,
    1867.5,
    200,
    '{"next_batch":"s72596_4489_1936","rooms":{}}',
  ],
  [
    '/_matrix/client/v3/sync?since=s72596_4489_1936&timeout=1000',
    1875.9,
    2184.2,
    2182.5,
    200,
    '{"next_batch":"s72597_4492_1937","rooms":{"join":{"!room:localhost":{"timeline":{"events":[{"type":"m.room.message"}]}}}}}',
  ],
  [
    '/_matrix/client/v3/sync?since=s72597_4492_1937&timeout=1000',
    2183.5,
    3200,
    3192.4,
    200,
    '{"next_batch":"s72597_4492_1937","rooms":{}}',
  ],
  [
    '/_matrix/client/v3/sync?since=s72597_4492_1937&timeout=1000',
    3195.4,
    3541.5,
    3520.6,
    200,
    '{"next_batch":"s72598_4495_1938","rooms":{"join":{"!room:localhost":{"timeline":{"events":[{"type":"m.room.message"}]}}}}}',
  ],
  [
    '/_matrix/client/v3/sync?since=s72598_4495_1938&timeout=1000',
    3530.1,
    4549.5,
    4546.2,
    200,
    '{"next_batch":"s72598_4495_1938","rooms":{}}',
  ],
  [
    '/_matrix/client/v3/sync?since=s72598_4495_1938&timeout=1000',
    4548.7,
    4863.8,
    4858.2,
    200,
    '{"next_batch":"s72599_4498_1939","rooms":{"join":{"!room:localhost":{"timeline":{"events":[{"type":"m.room.message"}]}}}}}',
  ],
  ['/_matrix/client/v3/sync?since=s72599_4498_1939&timeout=1000', 4860.5, null, null, null, ''],
];

const INBOX_SINCE: RecordedExchange[] = [
  ['/api/inbox?since=0', 0, 510.3, 510.3, 204, ''],
  ['/api/inbox?since=0', 523.5, 961.9, 900.4, 200, '{"messages":[{"id":1,"text":"message 1"}],"next":1}'],
  ['/api/inbox?since=1', 954.8, 1494.3, 1494.3, 204, ''],
  ['/api/inbox?since=1', 1495.4, 1806.5, 1801.7, 200, '{"messages":[{"id":2,"text":"message 2"}],"next":2}'],
  ['/api/inbox?since=2', 1803.8, 2212.6, 2212.6, 204, ''],
  ['/api/inbox?since=2', 2212.9, 2525.5, 2521.4, 200, '{"messages":[{"id":3,"text":"message 3"}],"next":3}'],
  ['/api/inbox?since=3', 2524.3, 2931.4, 2931.4, 204, ''],
  ['/api/inbox?since=3', 2932.1, 3242.8, 3239.5, 200, '{"messages":[{"id":4,"text":"message 4"}],"next":4}'],
  ['/api/inbox?since=4', 3241.5, 3650.1, 3650.1, 204, ''],
  ['/api/inbox?since=4', 3650.4, 4039.7, 4034.5, 200, '{"messages":[{"id":5,"text":"message 5"}],"next":5}'],
];

/** Adds recorded requests ([start, end, headersAt] after T0) of one URL to a trace, labelled 's'. */
function recorded(
  t: Trace,
  url: string,
  rows: ReadonlyArray<readonly [number, number | null, (number | null)?]>,
): void {
  for (const [start, end, headersAt = null] of rows)
    t.request(
      {
        url,
        start: T0 + start,
        end: end === null ? null : T0 + end,
        ...(headersAt === null ? {} : { headersAt: T0 + headersAt }),
      },
      's',
    );
}

/**
 * A status badge fetched every 500 ms (setInterval) on a machine so loaded
 * that the page stalled for about half a second: the first answer came after
 * the second tick, and both after the third was due; the next ticks fired up
 * to 166 ms late, so the loop is recognised only once six regular intervals
 * follow. The first eight ticks are as recorded, the last four as the page
 * makes them.
 */
const STATUS_EVERY_500_STALLED: Array<[number, number]> = [
  [0.0, 1124.3],
  [521.7, 1125.3],
  [1122.5, 1278.8],
  [1620.1, 1666.8],
  [1957.2, 1965.8],
  [2457.3, 2466.1],
  [2958.5, 2974.6],
  [3457.2, 3472.3],
  [3957.3, 3969.0],
  [4457.1, 4468.2],
  [4957.4, 4970.1],
  [5457.2, 5469.5],
];

describe('recorded in Chromium', () => {
  it('an interval poll whose first answers came after the next ticks is one channel from its first tick', () => {
    const t = new Trace();
    recorded(t, '/status', STATUS_EVERY_500_STALLED);
    const ps = detectPatterns(t.store().connections, t.store().events);
    expect(ps.map((p) => [p.kind, p.connectionKeys])).toEqual([['polling', t.keysOf('s')]]);
    expect(ps[0]?.storm).toBeFalsy();
    expect(ps[0]?.medianIntervalMs).toBeCloseTo(500, -1);
  });

  it.each([
    ['answered, is its first tick', 200, 'loop'],
    ['but failed, stays out of it', 500, 'failed'],
  ])('a request of the key in flight one period before a polling loop, %s', (_name, status, label) => {
    const t = new Trace();
    t.request({ url: '/status', start: T0, end: T0 + 510, status }, label);
    for (let i = 1; i <= 6; i++)
      t.request({ url: '/status', start: T0 + i * 500, end: T0 + i * 500 + 20 }, 'loop');
    const ps = detectPatterns(t.store().connections, t.store().events);
    expect(ps.map((p) => [p.kind, p.connectionKeys])).toEqual([['polling', t.keysOf('loop')]]);
  });

  it("the seed's storm against an immediate server is one channel from its very first poll", () => {
    const t = new Trace();
    recorded(t, '/seed-fast/poll', SEED_FAST_SERVER);
    const ps = detectPatterns(t.store().connections, t.store().events);
    expect(ps).toHaveLength(1);
    const [p] = ps;
    expect(p?.kind).toBe('polling');
    // Every poll belongs to the loop, the first ones included: siblings
    // answered within a few ms of each other are not hand-overs that start
    // the loop afresh.
    expect(p?.connectionKeys).toEqual(t.keysOf('s'));
    expect(p?.cycles).toBe(SEED_FAST_SERVER.length);
    expect(p?.storm?.peakConcurrency).toBeGreaterThanOrEqual(3);
  });

  it('the same storm with a late third sibling is still one channel from its first poll', () => {
    const t = new Trace();
    recorded(t, '/seed-fast/poll', SEED_FAST_SERVER_2);
    const ps = detectPatterns(t.store().connections, t.store().events);
    expect(ps).toHaveLength(1);
    expect(ps[0]?.connectionKeys).toEqual(t.keysOf('s'));
    expect(ps[0]?.storm?.peakConcurrency).toBeGreaterThanOrEqual(3);
  });

  // A known miss, which the seed-storm e2e test in Chromium often meets on its
  // first try when another browser's tests load the machine (a retry passes,
  // its answers no longer waiting on the lock). Taking fan-out from any
  // request of a polling run, not only the confirming one, finds it with the
  // generated corpus unchanged, but confirms interval pollers stalled at their
  // start too early, from a catch-up interval, and then misses their slow
  // ticks. This fails the day the storm is found.
  it.fails('the same storm whose first answers waited on the cache lock is one storming channel from its first poll', () => {
    const t = new Trace();
    recorded(t, '/seed-fast/poll', SEED_FAST_LOCKED_ANSWERS);
    const ps = detectPatterns(t.store().connections, t.store().events);
    expect(ps).toHaveLength(1);
    expect(ps[0]?.connectionKeys).toEqual(t.keysOf('s'));
    expect(ps[0]?.storm?.peakConcurrency).toBeGreaterThanOrEqual(3);
  });

  it('a REST call of the same endpoint long before a polling loop stays out of it', () => {
    const t = new Trace();
    t.request({ url: '/api/status', start: T0, end: T0 + 20 }, 'rest');
    for (let i = 0; i < 5; i++)
      t.request({ url: '/api/status', start: T0 + 10_000 + i * 1000, end: T0 + 10_015 + i * 1000 }, 'loop');
    const ps = detectPatterns(t.store().connections, t.store().events);
    expect(ps).toHaveLength(1);
    expect(ps[0]?.kind).toBe('polling');
    expect(ps[0]?.connectionKeys).toEqual(t.keysOf('loop'));
  });
});

/** Adds recorded exchanges with their answers to a trace, labelled 's'. */
function recordedExchanges(t: Trace, rows: readonly RecordedExchange[]): void {
  for (const [url, start, end, headersAt, status, answer] of rows)
    t.request(
      {
        url,
        start: T0 + start,
        end: end === null ? null : T0 + end,
        ...(headersAt === null ? {} : { headersAt: T0 + headersAt }),
        ...(status === null ? {} : { status }),
        body: answer,
      },
      's',
    );
}

describe('recorded cursor loops in Chromium', () => {
  it.each([
    ['an inbox `?since=N`, news every second answer', INBOX_SINCE, '/api/inbox', 'since', '4'],
    [
      'Matrix /sync with opaque `since` tokens',
      MATRIX_SYNC,
      '/_matrix/client/v3/sync?timeout=1000',
      'since',
      's72599_4498_1939',
    ],
    [
      'CouchDB _changes?feed=longpoll',
      COUCHDB_CHANGES,
      '/db/_changes?feed=longpoll',
      'since',
      (COUCHDB_CHANGES.at(-1) as RecordedExchange)[0].split('since=')[1],
    ],
  ] as const)('%s is one long-poll channel with its cursor', (_name, rows, url, cursor, last) => {
    const t = new Trace();
    recordedExchanges(t, rows);
    const ps = detectPatterns(t.store().connections, t.store().events);
    expect(ps.map((p) => [p.kind, p.url, p.cycleKeys])).toEqual([
      ['long-poll', `${t.origin}${url}`, t.keysOf('s')],
    ]);
    expect(ps[0]?.cursor).toMatchObject({ name: cursor, last });
  });
});

describe('recorded corpus', () => {
  /** Every recorded page and the loops it has (one each): precision and recall over them. */
  it('prints precision and recall over the recorded traces', () => {
    const pages: Array<[string, (t: Trace) => void]> = [
      ['seed storm, fast server', (t) => recorded(t, '/seed-fast/poll', SEED_FAST_SERVER)],
      ['seed storm, late sibling', (t) => recorded(t, '/seed-fast/poll', SEED_FAST_SERVER_2)],
      ['seed storm, Firefox background tab', (t) => recorded(t, '/storm/poll', SEED_FIREFOX_BACKGROUND)],
      ['inbox cursor', (t) => recordedExchanges(t, INBOX_SINCE)],
      ['Matrix sync', (t) => recordedExchanges(t, MATRIX_SYNC)],
      ['CouchDB changes', (t) => recordedExchanges(t, COUCHDB_CHANGES)],
    ];
    let matched = 0;
    let detected = 0;
    const lines: string[] = [];
    for (const [name, fill] of pages) {
      const t = new Trace();
      fill(t);
      const ps = detectPatterns(t.store().connections, t.store().events);
      const keys = t.keysOf('s');
      const hit = ps.some((p) => p.cycleKeys.filter((k) => keys.includes(k)).length >= 0.8 * keys.length);
      detected += ps.length;
      if (hit) matched++;
      lines.push(`  ${name.padEnd(36)} patterns ${ps.length}${hit ? '' : ' (missed)'}`);
    }
    const precision = detected === 0 ? 1 : matched / detected;
    const recall = matched / pages.length;
    console.log(
      `recorded corpus: ${pages.length} pages, ${pages.length} loops, ${detected} detected, ${matched} matched; precision ${precision.toFixed(3)} recall ${recall.toFixed(3)}\n${lines.join('\n')}`,
    );
    expect(precision).toBe(1);
    // The Firefox background-tab storm is a known miss (below).
    expect(matched).toBeGreaterThanOrEqual(pages.length - 1);
  });
});

describe('recorded in Chromium on a loaded machine', () => {
  it("the seed's storm whose timers fire tens of ms apart is recognised by its fan-out, and storms", () => {
    const t = new Trace();
    recorded(t, '/seed-fast/poll', SEED_FAST_LOADED);
    const ps = detectPatterns(t.store().connections, t.store().events);
    expect(ps).toHaveLength(1);
    expect(ps[0]?.connectionKeys).toEqual(t.keysOf('s'));
    expect(ps[0]?.storm?.peakConcurrency).toBeGreaterThanOrEqual(9);
  });

  // A known miss: each generation's later polls follow a sibling answered a
  // moment before (no idle gap, so no link), and the ones that do link start
  // with at most 2 in flight. Counting 2 as fanning out finds it, but costs a
  // false polling channel in the generated corpus. This fails the day it is found.
  it.fails('the same storm with answers slowed to 126-233 ms is recognised, and storms', () => {
    const t = new Trace();
    recorded(t, '/seed-fast/poll', SEED_FAST_LOADED_SLOW_ANSWERS);
    const ps = detectPatterns(t.store().connections, t.store().events);
    expect(ps).toHaveLength(1);
    expect(ps[0]?.connectionKeys).toEqual(t.keysOf('s'));
    expect(ps[0]?.storm).not.toBeNull();
  });
});

describe('recorded in Firefox', () => {
  // A known miss of the loop detector, left to its own work (loops as real
  // APIs make them): this test fails the day the storm is found, as it should be.
  it.fails('the seed storm in a background tab is one storming channel', () => {
    const t = new Trace();
    recorded(t, '/storm/poll', SEED_FIREFOX_BACKGROUND);
    const ps = detectPatterns(t.store().connections, t.store().events);
    expect(ps).toHaveLength(1);
    expect(ps[0]?.storm).not.toBeNull();
  });
});
