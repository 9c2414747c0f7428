// Every threshold the pattern detector uses, in one place, each with the
// reason it has the value it has. docs/patterns.md explains the rules in prose.

export const RULES = {
  /** A loop is a pattern from its third request on ("appears by its third cycle"). */
  minCycles: 3,

  /**
   * A request that starts at most this long before its predecessor is recorded
   * complete still counts as starting after it. A correct XHR long-poll starts
   * the next request inside the readyState 4 handler, i.e. a moment before the
   * `close` (loadend) of the previous one is recorded; that is a hand-over, not
   * two polls in flight. Decisions that depend on it wait this long.
   */
  handoverSlackMs: 100,
  /** A request this close to completion when the next one starts is being handed over, not overlapped. */
  handoverTailMs: 5,

  longPoll: {
    /** "The next starting shortly after the previous completes": the seed waits 1 s. */
    maxGapMs: 3000,
    /**
     * At least one cycle must be clearly held (this long, or ended by a
     * timeout). Without it, back-to-back fast calls (a paginated crawl with a
     * cursor) would look like a long-poll whose server always had data.
     */
    clearHoldMs: 1000,
    /**
     * An empty answer after this long counts as a hold that ran out (and, like
     * a timeout, as a cycle clearly held: a crawl is answered with data).
     */
    emptyHoldMs: 250,
  },

  polling: {
    /** An idle gap shorter than this is not "idle": the client re-issued at once. */
    minGapMs: 100,
    /** Longer than this between polls is not one loop any more. */
    maxIntervalMs: 15 * 60_000,
    /**
     * Timers are precise to a few ms while people and app logic are not. A
     * loop is recognised at its third request only when its two intervals (or
     * its two idle gaps) agree within tightAbsMs + tightRel of the interval AND
     * that period is a round timer value (see timerGrainMs): about 0.1 % of
     * pairs of human-timed calls pass both, against 1-3 % for agreement alone.
     */
    tightAbsMs: 30,
    tightRel: 0.002,
    /**
     * A period "is a timer value" when it lies within timerEarlyMs before to
     * timerLateMs after a multiple of the grain: 100 ms below 2 s (250, 300,
     * 1500...), 250 ms up to 10 s, 1 s above. Timers fire late, never early.
     */
    timerGrainMs: [
      [2000, 100],
      [10_000, 250],
      [Number.POSITIVE_INFINITY, 1000],
    ] as ReadonlyArray<readonly [below: number, grain: number]>,
    timerEarlyMs: 5,
    timerLateMs: 40,
    /**
     * At the fourth to sixth request, the intervals (or gaps) so far must all
     * agree as a timer's, whatever the period (~0.005 % of human-timed runs
     * pass). From the seventh, loops with jitter (random back-off, slow
     * answers) count when the last six intervals or gaps are all within
     * looseRel of their median (~0.003 % of human-timed runs pass). The same
     * tolerance keeps a recognised run going.
     */
    looseWindow: 6,
    looseRel: 0.15,
    /**
     * A loop whose polls fan out (the request that would confirm it started
     * with at least this many of its key in flight, each linked to an
     * answered one by the same idle gap) is recognised from its third request
     * with the loose tolerance: calls timed by people do not start in threes
     * at one gap from their predecessors, and a loaded machine fires a
     * storm's timers tens of ms apart, past the tight rule. A loop that fans
     * out (any request of its run did) and whose answers are held (at least
     * longPoll.emptyHoldMs) is a long-poll storm, whichever request confirms
     * it, as the tutorial's snippet against a holding server is.
     */
    fanOutInFlight: 3,
  },

  storm: {
    /** Long-poll keys: "more than one request in flight". */
    longPollPeak: 2,
    /**
     * Polling keys: the number in flight must grow beyond what the loop had
     * when it was recognised (a dashboard that fetches 3 items every 5 s is
     * 3-wide, not a storm) and reach at least this many.
     */
    pollingPeak: 3,
    /**
     * A storm is over once the requests in flight are back to what the loop
     * needs and stay there this long: long enough that a storm's next
     * generation (the seed's starts every second) would have come.
     */
    calmMs: 5000,
    /**
     * A loop that storms in bursts (a polling storm answered at once is
     * quiet between generations) must stay calm this many times its longest
     * quiet spell before it is over.
     */
    calmQuietFactor: 2,
  },

  params: {
    /**
     * A parameter's keep/drop decision may change while it has been seen fewer
     * than this many times (early evidence is thin); after that it is frozen so
     * channels, and their pattern ids, stay put.
     */
    freezeAt: 8,
    /** "Changes on every request": at least this share of its values are distinct. */
    distinctRatio: 0.8,
    /**
     * A cursor (see docs/patterns.md) is dropped however often it repeats: a
     * long-poll cursor advances only when there is news.
     */
    cursor: {
      /**
       * "Its value comes from the previous response": one machine-made value
       * (a number, an opaque token) found among the previous answer's values is
       * evidence enough — a search term never counts (words are not echoed)...
       */
      minEchoes: 1,
      /** ...as long as (nearly) every move of the value was such an echo. */
      echoShare: 0.8,
      /**
       * "Only moves forward": an integer never smaller than the one before,
       * or an opaque token that changes only after an answer with content and
       * never returns to an earlier value, must have moved this many times: one
       * move is also a page that switched from room 1 to room 2.
       */
      minForwardMoves: 2,
    },
    /**
     * Names commonly used for cache-busters. A name alone never drops a
     * parameter: its value must also change between requests (or, seen once,
     * be non-empty). Engine.IO's `t` is among them.
     */
    cacheBusterNames: [
      '_',
      't',
      'ts',
      '_t',
      '_ts',
      'rnd',
      'rand',
      'random',
      'cb',
      'cachebust',
      'cachebuster',
      'cache_buster',
      'nocache',
      'no_cache',
      'timestamp',
      'time',
      'nonce',
      'r',
      'z',
      '__',
    ] as readonly string[],
  },
  reconnect: {
    /**
     * A new connection this long after the previous attempt ended is no
     * retry: common back-off caps are 30-60 s, a page reopened by the user
     * minutes later is a new session.
     */
    maxDelayMs: 120_000,
    /**
     * A storm is judged from this many retries on (the fifth attempt): a step
     * or two of a jittered back-off (±30 %) can look flat. Over 2,000
     * generated clients (1.5x and 2x back-off from 100 ms to 1 s with ±30 %
     * jitter; immediate retries 0-40 ms and 0-300 ms apart) these values
     * judged no back-off a storm and missed 2 % of the immediate retries by
     * the sixth attempt (caught later, as the window fills).
     */
    stormMinRetries: 4,
    /** The storm rules judge the last this many retries: a loop that starts backing off stops storming. */
    window: 6,
    /** "Retries faster than about a second": the median recent delay is below this. */
    fastRetryMs: 1000,
    /** "Connections that live less than a second each": the median recent lifetime is below this. */
    shortLifeMs: 1000,
    /**
     * Backing off: the recent delays grow by at least this factor per retry
     * (a least-squares fit of their logarithms, so jitter is tolerated: a
     * single step may shrink as long as the trend grows).
     */
    backoffGrowth: 1.15,
    /**
     * Added to every delay before the fit: immediate retries differ by a few
     * ms (3 ms, 8 ms, 40 ms), which is noise, not growth.
     */
    backoffFloorMs: 100,
    /** Retries this far apart are patient whatever their trend (a back-off that reached its cap). */
    patientDelayMs: 5000,
    /**
     * Query parameters that carry credentials or a session, left out of a
     * socket's endpoint: a reconnecting client often sends a fresh one each
     * time, and a random token need not look random (`Math.random()
     * .toString(36)` is all letters one time in 30).
     */
    credentialNames: [
      'token',
      'access_token',
      'accesstoken',
      'auth',
      'authorization',
      'jwt',
      'key',
      'apikey',
      'api_key',
      'sig',
      'signature',
      'sid',
      'session',
      'sessionid',
      'session_id',
      'ticket',
      'connectiontoken',
    ] as readonly string[],
  },

  retry: {
    /** "The same failing request repeated": a storm needs this many failures in a row. */
    minFailures: 4,
    /** The storm rules judge the last this many retries: a client that starts backing off stops storming. */
    window: 6,
    /**
     * "Re-sent soon": the median recent delay (failure → next attempt) is
     * below this. A fixed 1 s retry timer is a deliberate wait, and its
     * delay from the recorded failure can come out a few ms short of 1 s, so
     * the line sits under it; the back-off trend itself is judged like a
     * reconnect loop's (RULES.reconnect.backoffGrowth).
     */
    fastRetryMs: 900,
    /** A request this long after the previous failure is no retry of it (back-off caps are 30-60 s). */
    maxDelayMs: 120_000,
    /**
     * A retry honours Retry-After when it waits at least the advice less this
     * much: the header counts from when the server sent it, the delay from
     * when the failure was recorded.
     */
    retryAfterSlackMs: 50,
    /**
     * A 504 / 408 after this long is a long-poll hold that ran out, not a
     * failure to retry (RULES.longPoll.clearHoldMs).
     */
    timeoutHoldMs: 1000,
  },

  busy: {
    /** "The next request at once": started at most this long after the previous answer (a long-poll's hand-over). */
    maxGapMs: 50,
    /**
     * A hand-over later than maxGapMs but within this does not break a run
     * when it is the only one among the run's last rateWindow links: a busy
     * machine delays a page's re-request now and then (the first ones
     * especially, while DevTools opens). A loop that waits between requests
     * is late on every link, and breaks at its second.
     */
    lateGapMs: 250,
    /**
     * "Answered at once": the median answer of the recent cycles came back
     * faster than this (a single slow answer on a busy machine does not
     * count); a cycle held RULES.longPoll.clearHoldMs breaks the run. A
     * long-poll server holds a request for seconds; a busy one answers in a
     * few ms.
     */
    maxHoldMs: 100,
    /**
     * Cycles in a row before it is flagged: a crawl of a few pages or a
     * short flurry is over long before; a loop keeps going.
     */
    minCycles: 10,
    /** The request rate is measured over the last this many cycles. */
    rateWindow: 20,
  },

  findings: {
    /** A polling loop that polls more often than this is busy: its finding suggests polling less or pushing. */
    busyPollMs: 1000,
  },
} as const;
