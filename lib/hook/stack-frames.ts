// Reads a call site out of an error's stack text, as V8 and Firefox print
// it, with page-proof string operations only (String.prototype's methods
// are the page's to replace): the first frame that is not the hook's own
// and that names a script location.
//
//   V8:       "Error\n    at longPoll (http://app/poll.js:12:9)\n    at http://app/:3:1"
//   Firefox:  "longPoll@http://app/poll.js:12:9\n@http://app/:3:1"

import type { CallSite } from '../model';
import type { Bare } from './pristine';

/** String operations taken before any page script ran (see pristine.ts). */
export interface TextOps {
  indexOf(s: string, part: string, from?: number): number;
  lastIndexOf(s: string, part: string, from?: number): number;
  slice(s: string, start: number, end?: number): string;
  code(s: string, i: number): number;
}

/** Longest function name and URL kept (the wire's own limits are larger; these keep the hook's work small). */
const MAX_NAME = 200;
const MAX_URL = 2048;
/** Frames looked at before giving up. */
const MAX_FRAMES = 64;

/** A positive decimal integer, or -1 (no page-replaceable Number/parseInt). */
function positiveInt(t: TextOps, s: string): number {
  if (s.length === 0 || s.length > 9) return -1;
  let out = 0;
  for (let i = 0; i < s.length; i++) {
    const digit = t.code(s, i) - 48;
    if (digit < 0 || digit > 9) return -1;
    out = out * 10 + digit;
  }
  return out > 0 ? out : -1;
}

function startsWith(t: TextOps, s: string, prefix: string): boolean {
  return t.indexOf(s, prefix) === 0;
}

/** The line without its leading spaces and tabs. */
function trimStart(t: TextOps, line: string): string {
  let i = 0;
  while (i < line.length) {
    const c = t.code(line, i);
    if (c !== 0x20 && c !== 0x09) break;
    i++;
  }
  return i === 0 ? line : t.slice(line, i);
}

/** "url:line:col" as a call site; null for anything else (native code, eval, "<anonymous>"). */
function location(t: TextOps, loc: string, fn: string): Bare<CallSite> | null {
  const colonCol = t.lastIndexOf(loc, ':');
  if (colonCol <= 0) return null;
  const colonLine = t.lastIndexOf(loc, ':', colonCol - 1);
  if (colonLine <= 0) return null;
  const column = positiveInt(t, t.slice(loc, colonCol + 1));
  const line = positiveInt(t, t.slice(loc, colonLine + 1, colonCol));
  const url = t.slice(loc, 0, colonLine);
  // A URL has no spaces or parentheses as printed here; eval frames ("eval at f (…), <anonymous>") do.
  if (column < 0 || line < 0 || url.length > MAX_URL) return null;
  if (t.indexOf(url, ' ') >= 0 || t.indexOf(url, '(') >= 0 || t.indexOf(url, ':') < 0) return null;
  const site = { __proto__: null, url, line, column } as Bare<CallSite>;
  if (fn.length > 0) site.fn = fn.length > MAX_NAME ? t.slice(fn, 0, MAX_NAME) : fn;
  return site;
}

/** One printed frame as a call site (V8 or Firefox form), or null. */
function frameOf(t: TextOps, raw: string): Bare<CallSite> | null {
  const line = trimStart(t, raw);
  if (startsWith(t, line, 'at ')) {
    // V8: "at fn (loc)", "at async fn (loc)", "at new Foo (loc)" or "at loc".
    let rest = t.slice(line, 3);
    if (startsWith(t, rest, 'async ')) rest = t.slice(rest, 6);
    const open = t.indexOf(rest, ' (');
    if (open > 0 && t.code(rest, rest.length - 1) === 0x29 /* ) */)
      return location(t, t.slice(rest, open + 2, rest.length - 1), t.slice(rest, 0, open));
    return location(t, rest, '');
  }
  // Firefox: "fn@loc", "@loc", "async*fn@loc"; eval code is "… line 2 > eval:1:1" (a space: refused).
  const at = t.indexOf(line, '@');
  if (at < 0) return null;
  let fn = t.slice(line, 0, at);
  if (startsWith(t, fn, 'async*')) fn = t.slice(fn, 6);
  return location(t, t.slice(line, at + 1), fn);
}

/**
 * The first frame of `stack` whose script is not `ownUrl` (the hook's) and
 * that names a location; frames of native code in between are passed over.
 * null when there is none (the page's frames were cut by its stackTraceLimit,
 * or only unreadable ones).
 */
export function firstOutsideFrame(t: TextOps, stack: string, ownUrl: string): Bare<CallSite> | null {
  // V8 prints a header line first ("Error", or a name the page gave Error.prototype): only "at" lines are frames.
  const v8 = t.indexOf(stack, '\n    at ') >= 0;
  let start = 0;
  for (let n = 0; n < MAX_FRAMES && start < stack.length; n++) {
    let end = t.indexOf(stack, '\n', start);
    if (end < 0) end = stack.length;
    const line = t.slice(stack, start, end);
    start = end + 1;
    if (t.indexOf(line, ownUrl) >= 0) continue;
    if (v8 && !startsWith(t, trimStart(t, line), 'at ')) continue;
    const site = frameOf(t, line);
    if (site) return site;
  }
  return null;
}
