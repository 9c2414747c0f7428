// Findings: what the pattern detector found that the page's authors should
// fix, each with its state (ongoing, or ended and when), the likely fault in
// the page's code, the fix, the requests involved and where the page started
// them. Today the findings are poll storms; a detector that words its own
// finding passes its text through `FindingsOptions.text`.

import type { CallSite } from '../model';
import type { Pattern } from './pattern';

export type FindingKind = 'long-poll-storm' | 'polling-storm';

export interface FindingText {
  /** One line: what is wrong, where. */
  title: string;
  /** The likely fault in the page's code. */
  fault: string;
  /** What to change. */
  fix: string;
}

export interface Finding {
  /** Stable while the pattern lives: `storm:p3`. */
  id: string;
  patternId: string;
  kind: FindingKind;
  state: 'ongoing' | 'ended';
  startedAt: number;
  endedAt: number | null;
  method: string;
  /** The endpoint (volatile query parameters removed). */
  url: string;
  peakConcurrency: number;
  /** Requests of the loop in flight now. */
  inFlight: number;
  /** Store keys of the requests involved (the loop's cycles). */
  connectionKeys: readonly string[];
  /** Where the page started most of them, when the hook recorded it. */
  initiator: CallSite | null;
  text: FindingText;
}

export interface FindingsOptions {
  /** The recorded call site of a request, by store key. */
  initiatorOf(connectionKey: string): CallSite | undefined;
  /** The words of a finding; `stormText` unless a detector supplies its own. */
  text?(pattern: Pattern, kind: FindingKind): FindingText;
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

/** The default words of a storm finding: the fault in the page's code and the fix. */
export function stormText(p: Pattern, kind: FindingKind): FindingText {
  const peak = p.storm?.peakConcurrency ?? 0;
  const what = kind === 'long-poll-storm' ? 'Long-poll storm' : 'Polling storm';
  const title = `${what} on ${p.method} ${pathOf(p.url)}: up to ${peak} requests in flight`;
  if (kind === 'polling-storm')
    return {
      title,
      fault:
        'Each answer schedules more than one next poll: the timer is set again from a handler that runs several times per response (onreadystatechange outside its readyState === 4 check fires for states 2, 3 and 4), or a new setInterval is started without clearing the old one.',
      fix: 'Schedule exactly one next poll per answer (in onloadend, or inside readyState === 4), or keep a single setInterval and clearInterval it before starting another; skip a tick while a poll is still in flight.',
    };
  if (p.httpTransport === 'fetch')
    return {
      title,
      fault:
        'A new long-poll starts before the previous one has settled: the code that calls fetch runs more than once per answer, e.g. on every reconnect, visibility or focus event, or in both .then and .catch / .finally.',
      fix: 'Keep one request in flight: start the next poll from one place only, after the previous promise settled, and guard it with a flag or abort the previous one (AbortController) before starting another.',
    };
  return {
    title,
    fault:
      'A new long-poll starts before the previous one has settled: the code that starts it runs more than once per response, e.g. from onreadystatechange outside its readyState === 4 check (it fires for states 2, 3 and 4), from both onerror and onloadend, or on every reconnect, visibility or focus event.',
    fix: 'Keep one request in flight: start the next poll once, when the previous one has settled (inside readyState === 4, or in onloadend alone), and guard with a flag or abort() the previous request before starting another.',
  };
}

function siteKey(s: CallSite): string {
  return `${s.url}:${s.line}:${s.column}`;
}

/** The call site most of the requests share (the first one met on a tie); null when none was recorded. */
export function commonInitiator(
  keys: readonly string[],
  initiatorOf: (key: string) => CallSite | undefined,
): CallSite | null {
  const counts = new Map<string, { site: CallSite; n: number }>();
  let best: { site: CallSite; n: number } | null = null;
  for (const key of keys) {
    const site = initiatorOf(key);
    if (!site) continue;
    const k = siteKey(site);
    let c = counts.get(k);
    if (!c) {
      c = { site, n: 0 };
      counts.set(k, c);
    }
    c.n++;
    if (!best || c.n > best.n) best = c;
  }
  return best ? best.site : null;
}

/** The findings of the given patterns, in the patterns' order. */
export function findingsOf(patterns: readonly Pattern[], options: FindingsOptions): Finding[] {
  const text = options.text ?? stormText;
  const out: Finding[] = [];
  for (const p of patterns) {
    const storm = p.storm;
    if (!storm) continue;
    const kind: FindingKind = p.kind === 'long-poll' ? 'long-poll-storm' : 'polling-storm';
    out.push({
      id: `storm:${p.id}`,
      patternId: p.id,
      kind,
      state: storm.endedAt === null ? 'ongoing' : 'ended',
      startedAt: storm.startedAt,
      endedAt: storm.endedAt,
      method: p.method,
      url: p.url,
      peakConcurrency: storm.peakConcurrency,
      inFlight: p.inFlight,
      connectionKeys: p.cycleKeys,
      initiator: commonInitiator(p.cycleKeys, options.initiatorOf),
      text: text(p, kind),
    });
  }
  return out;
}
