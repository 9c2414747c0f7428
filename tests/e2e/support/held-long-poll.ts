// A page running a correct XHR long-poll, and its server side: the first
// poll is held long enough to be told a long-poll (docs/patterns.md), the
// others less to keep tests short; one answer is a 503; after ANSWERS answers
// the next poll is held until the server closes, a cycle still pending.

import type { PatternServer } from './pattern-servers';

export const ANSWERS = 8;
/** The answer that is a 503. */
export const FAILING = 6;
/** Cycles the channel has once every answer was given: the answers and the poll left held. */
export const CYCLES = ANSWERS + 1;
const FIRST_HOLD_MS = 1200;
const HOLD_MS = 300;
const FAILING_HOLD_MS = 50;

/** How long the server holds the nth poll. */
export function holdOf(n: number): number {
  if (n > ANSWERS) return 120_000;
  return n === 1 ? FIRST_HOLD_MS : n === FAILING ? FAILING_HOLD_MS : HOLD_MS;
}

const page = (path: string) => `<!doctype html><title>inbox</title>
<script>
window.answered = 0;
function poll() {
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '${path}?room=main', true);
  xhr.onreadystatechange = function () {
    if (xhr.readyState !== 4) return;
    window.answered += 1;
    poll();
  };
  xhr.send();
}
poll();
</script>`;

/**
 * Serves the page at /inbox/<name> polling /inbox/<name>/wait (its own path,
 * so the server counts its answers from one); returns the page's URL. The
 * page sets `window.answered` to the answers it got.
 */
export function serveHeldLongPoll(server: PatternServer, name: string): string {
  const path = `/inbox/${name}/wait`;
  server.page(`/inbox/${name}`, page(path));
  server.route(path, async (_req, res) => {
    const n = server.hits(path);
    if (!(await server.hold(res, holdOf(n)))) return;
    if (n === FAILING) {
      res.writeHead(503, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('busy');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ messages: [{ id: n, text: `update ${n}` }] }));
  });
  return `${server.origin}/inbox/${name}`;
}
