// Findings: what the pattern detector found that the page's authors should
// fix, each with its state (ongoing, or ended and when), the likely fault in
// the page's code, the fix, the requests involved and where the page started
// them: poll storms, reconnect storms, HTTP retry storms and busy loops; a detector that words its own
// finding passes its text through `FindingsOptions.text`. `findingSentence`
// says in one sentence what is wrong with any pattern and how to fix it (the
// export's `finding`), or null for a healthy loop.

import { formatDuration } from '../format';
import type { CallSite } from '../model';
import type { Pattern } from './pattern';
import { RULES } from './rules';

export type FindingKind =
  | 'long-poll-storm'
  | 'polling-storm'
  | 'reconnect-storm'
  | 'retry-storm'
  | 'busy-loop';

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
  /** Requests of the loop in flight now (a reconnect loop: 1 while a connection lives). */
  inFlight: number;
  /** Reconnect storms: connection attempts; retry storms: failures; busy loops: requests; null for poll storms. */
  attempts?: number | null;
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

function socketWord(p: Pattern): string {
  return p.reconnect?.transport === 'eventsource' ? 'EventSource' : 'WebSocket';
}

function codesText(p: Pattern): string {
  const codes = p.reconnect?.closeCodes ?? [];
  return codes.length > 0 ? ` (close code${codes.length === 1 ? '' : 's'} ${codes.join(', ')})` : '';
}

function codesList(p: Pattern): string {
  const codes = p.reconnect?.closeCodes ?? [];
  return codes.length > 0 ? `, close code${codes.length === 1 ? '' : 's'} ${codes.join(', ')}` : '';
}

function reconnectStormText(p: Pattern): FindingText {
  const shortLived = p.storm?.cause === 'short-lived';
  const title = `Reconnect storm on ${socketWord(p)} ${pathOf(p.url)}: ${p.cycles} attempts, ${
    shortLived
      ? `each lived ${formatDuration(p.medianHoldMs)}`
      : `retried after ${formatDuration(p.medianGapMs)}`
  }`;
  const fault = shortLived
    ? `Each connection lives only about ${formatDuration(p.medianHoldMs)} before it closes${codesText(p)}, and the client opens it again at the same pace, without backing off: the server keeps refusing or dropping it (a rejected token, a protocol or origin check, an overloaded backend) and every retry repeats the failure.`
    : `The client reconnects at once after each close${codesText(p)}, about ${formatDuration(p.medianGapMs)} later, without backing off: its onclose / onerror handler opens a new connection straight away, so a server that is down or refusing gets a flood of connections.`;
  return {
    title,
    fault,
    fix: 'Back off: wait 1 s, 2 s, 4 s … (doubling up to a cap such as 30 s) with random jitter before each retry, reset the delay once a connection has stayed open a while, and stop after a few failures or on close codes that say retrying will not help (1008, 4xxx); find why the server closes it from the close code and reason.',
  };
}

function statusWords(p: Pattern): string {
  const codes = p.retry?.statuses ?? [];
  const http = codes.filter((c) => c !== 0);
  const words = http.length > 0 ? [http.join(' / ')] : [];
  if (codes.includes(0)) words.push('a network error');
  return words.join(' or ') || 'an error';
}

function retryStormText(p: Pattern): FindingText {
  const r = p.retry;
  const ignored = r?.retryAfterSent === true && !r.retryAfterHonoured;
  return {
    title: `Retry storm on ${p.method} ${pathOf(p.url)}: ${p.cycles} failures (${statusWords(p)}), re-sent after ${formatDuration(p.medianGapMs)}`,
    fault: `The request fails and the code re-sends it straight away from its error path (a catch, onerror, a status check), again and again, without waiting longer each time${ignored ? ' and without honouring the Retry-After the server sent' : ''}: a server that is down or overloaded gets a flood of the same request.`,
    fix: 'Back off: wait 1 s, 2 s, 4 s … (doubling up to a cap) with random jitter before each retry, wait at least as long as Retry-After says when the server sends it, and stop after a few tries (show the error, or try again on user action).',
  };
}

function busyLoopText(p: Pattern): FindingText {
  const rate = p.busy?.requestsPerSecond ?? 0;
  return {
    title: `Busy loop on ${p.method} ${pathOf(p.url)}: about ${Math.round(rate)} requests a second, each answered in ${formatDuration(p.medianHoldMs)}`,
    fault:
      'The page re-requests as soon as each answer arrives, like a long-poll, but the server answers at once instead of holding the request until there is news, so the loop spins as fast as the round trip allows.',
    fix: 'Let the server hold the request until there is news or a timeout (a real long-poll), or wait between requests (poll every few seconds); or let the server push (EventSource, WebSocket).',
  };
}

/** The default words of a storm finding: the fault in the page's code and the fix. */
export function stormText(p: Pattern, kind: FindingKind): FindingText {
  if (kind === 'reconnect-storm') return reconnectStormText(p);
  if (kind === 'retry-storm') return retryStormText(p);
  if (kind === 'busy-loop') return busyLoopText(p);
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
    const kind: FindingKind =
      p.kind === 'reconnect-loop'
        ? 'reconnect-storm'
        : p.kind === 'retry-storm' || p.kind === 'busy-loop'
          ? p.kind
          : p.kind === 'long-poll'
            ? 'long-poll-storm'
            : 'polling-storm';
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
      attempts:
        p.kind === 'reconnect-loop' || p.kind === 'retry-storm' || p.kind === 'busy-loop' ? p.cycles : null,
      connectionKeys: p.cycleKeys,
      initiator: commonInitiator(p.cycleKeys, options.initiatorOf),
      text: text(p, kind),
    });
  }
  return out;
}

/**
 * What is wrong with a pattern and what a fix looks like, in one sentence
 * (the export's `finding`, and the line on the channel); null for a healthy
 * long-poll or polling loop.
 */
export function findingSentence(p: Pattern): string | null {
  const path = pathOf(p.url);
  if (p.kind === 'reconnect-loop') {
    const socket = socketWord(p);
    if (p.storm?.cause === 'short-lived')
      return `The ${socket} to ${path} lives only about ${formatDuration(p.medianHoldMs)} per connection${codesText(p)} and the client reopens it ${p.cycles} times without backing off; find why the server closes it (close code and reason) and back off with jitter between retries (1 s, 2 s, 4 s …), stopping after a few failures.`;
    if (p.storm)
      return `The client reconnects the ${socket} to ${path} at once after each close (${p.cycles} attempts, about ${formatDuration(p.medianGapMs)} apart${codesList(p)}); back off: wait 1 s, 2 s, 4 s … with jitter before each retry, and stop after a few failures.`;
    return `The ${socket} to ${path} keeps closing and is reopened ${p.cycles} times${codesText(p)}, with back-off as it should be; if the closes are unexpected, find why the server closes it (close code and reason).`;
  }
  if (p.kind === 'retry-storm') {
    const ignored = p.retry?.retryAfterSent === true && !p.retry.retryAfterHonoured;
    return `${p.method} ${path} failed ${p.cycles} times with ${statusWords(p)} and was re-sent at once each time (about ${formatDuration(p.medianGapMs)} apart${ignored ? ', ignoring Retry-After' : ''}); back off (1 s, 2 s, 4 s… with jitter), honour Retry-After, and stop after a few tries.`;
  }
  if (p.kind === 'busy-loop')
    return `${p.method} ${path} is re-requested as soon as each answer arrives and the server answers at once, about ${Math.round(p.busy?.requestsPerSecond ?? 0)} requests a second; let the server hold the request until there is news (long-poll), or wait between polls.`;
  if (p.storm && p.kind === 'long-poll')
    return p.httpTransport === 'fetch'
      ? `A new long-poll to ${path} starts while the previous one is still in flight (up to ${p.storm.peakConcurrency} at once); start the next poll from one place only, after the previous fetch has settled, and abort any earlier one.`
      : `The next poll to ${path} starts inside onreadystatechange before the request is done (it fires for readyState 2 and 3 too), so polls multiply up to ${p.storm.peakConcurrency} in flight; start the next poll only when readyState === 4, or in onloadend.`;
  if (p.storm && p.httpTransport === 'xhr')
    return `The next poll to ${path} is scheduled inside onreadystatechange before the request is done (it fires for readyState 2 and 3 too), so each answer schedules several and polls multiply up to ${p.storm.peakConcurrency} in flight; schedule exactly one next poll, when readyState === 4 or in onloadend.`;
  if (p.storm)
    return `Each answer from ${path} schedules more than one next poll (up to ${p.storm.peakConcurrency} in flight), e.g. a setInterval started again without clearing the old one; schedule exactly one next poll per answer, or keep a single interval.`;
  if (p.kind === 'polling' && p.medianIntervalMs > 0 && p.medianIntervalMs < RULES.findings.busyPollMs)
    return `${path} is polled every ${formatDuration(p.medianIntervalMs)}, busier than most pages need; poll less often, or let the server push (WebSocket, EventSource, long-poll).`;
  return null;
}
