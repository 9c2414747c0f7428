// The seed's long-poll snippet as the tutorial writes it (DESIGN.md), against
// a server that holds each poll: it storms, more polls in flight every
// second, until the page sets `window.stopStorm`. Shared by the storm-finding
// specs in Chromium and Firefox.

import type { TestServer } from './server';

/** How long the server holds each poll. */
export const STORM_HOLD_MS = 300;

export const STORM_PAGE = `<!doctype html><title>storm</title>
<script>
function longPoll() {
  if (window.stopStorm) return;
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '/storm/poll', true);
  xhr.onreadystatechange = function () {
    if (xhr.readyState === 4 && xhr.status === 200) {
      console.log(xhr.responseText);
    }
    setTimeout(longPoll, 1000);
  };
  xhr.send();
}
longPoll();
</script>`;

/** Serves the storm page at /storm and its held poll at /storm/poll. */
export function serveStorm(server: TestServer): void {
  server.route('/storm/poll', (_req, res) => {
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-store');
      res.end('{"messages":[]}');
    }, STORM_HOLD_MS);
  });
  server.page('/storm', STORM_PAGE);
}
