// One HTTP exchange as the detector sees it, and the verdicts about how it
// ended that the long-poll and polling rules are built from.

import type { Connection } from '../timeline/store';
import type { ParsedUrl, Route } from './params';
import { RULES } from './rules';
import type { KnownTransport } from './transports';

/** A chain of long-poll links ending at a request (a tree when polls fan out). */
export interface LongPollRun {
  /** Requests in the chain, this one included. */
  depth: number;
  /** Earlier cycles of the chain that were clearly held (long, or ended by timeout). */
  clear: number;
  /** Earlier cycles of the chain that were answered successfully. */
  ok: number;
  root: Req;
}

/** A run of regular polling links ending at a request. */
export interface PollRun {
  len: number;
  /** The last few start-to-start intervals and idle gaps of the run. */
  intervals: number[];
  gaps: number[];
  root: Req;
}

export interface PatternMember {
  readonly id: string;
}

export interface Req {
  readonly conn: Connection;
  readonly route: Route;
  readonly url: ParsedUrl;
  readonly known: KnownTransport;
  readonly sockjsBase: string | null;
  /** Current endpoint key and display URL (may change while parameter decisions settle). */
  channelKey: string;
  displayUrl: string;
  start: number;
  /** When the exchange completed (close or error), as recorded; null while in flight. */
  done: number | null;
  status: number | null;
  failure: 'timeout' | 'abort' | 'error' | null;
  bytes: number;
  headersAt: number | null;
  /** The response's Retry-After header, when it sent one. */
  retryAfter: string | null;
  /** The response's text so far (up to MAX_ANSWER_TEXT): a cursor's next value may be in it. */
  answerText: string;
  /** Parameters that moved since the route's request before this one (see Route.observe), judged once its answer is in. */
  readonly moves: ReadonlyArray<[string, string]>;
  /** Later requests of the route whose moves wait for this request's answer. */
  awaitingAnswer: Req[] | null;

  // Analysis state, owned by the request's channel and rebuilt with it.
  /** Completion as the channel has processed it. */
  end: number | null;
  resolved: boolean;
  pred: Req | null;
  gap: number;
  conc: number;
  lp: LongPollRun | null;
  poll: PollRun | null;
  /** The pattern this request is a cycle of, or whose send it is. */
  member: PatternMember | null;
  sendOf: PatternMember | null;
}

export function holdOf(r: Req): number {
  return r.end === null ? 0 : r.end - r.start;
}

export function isSuccess(r: Req): boolean {
  if (r.end === null || r.failure !== null) return false;
  return r.status === null || (r.status >= 200 && r.status < 400);
}

/** Ended by a timeout (or an abort / 408 / 504 after a long hold: a client- or proxy-side timeout). */
export function endedByTimeout(r: Req): boolean {
  if (r.end === null) return false;
  if (r.failure === 'timeout') return true;
  const long = holdOf(r) >= RULES.longPoll.clearHoldMs;
  if (r.failure === 'abort') return long;
  return r.failure === null && (r.status === 408 || r.status === 504) && long;
}

export function isEmptyAnswer(r: Req): boolean {
  return isSuccess(r) && (r.status === 204 || r.bytes === 0);
}

/**
 * Held long (≥ clearHoldMs), or to a timeout, or held and then answered empty
 * (the server waited for news, had none, and let go: an inbox that holds a
 * few hundred ms). A crawl answered at once, with data, is none of these.
 */
export function clearlyHeld(r: Req): boolean {
  return (
    holdOf(r) >= RULES.longPoll.clearHoldMs ||
    endedByTimeout(r) ||
    (isEmptyAnswer(r) && holdOf(r) >= RULES.longPoll.emptyHoldMs)
  );
}

/** Failed in a way that breaks a loop: network error, HTTP error, early abort. */
export function failedForLoop(r: Req): boolean {
  return !isSuccess(r) && !endedByTimeout(r);
}

export function failureOf(reason: string | undefined): 'timeout' | 'abort' | 'error' {
  if (reason && /time(d)?[\s_-]?out/i.test(reason)) return 'timeout';
  if (reason && /abort/i.test(reason)) return 'abort';
  return 'error';
}
