// Recording never reads a fetch body ahead of the page: a page that keeps an
// endless download unread, or reads it slowly, makes the server send no more
// with the extension than the page itself takes, plus the browser's own
// buffers (a loopback server counts the bytes it could write, respecting
// backpressure). Bounds, not timings: without the extension Chromium lets
// about 7 MB through to an unread body here, and the bound is 64 MiB plus
// the payload cap; a hook that copied the body through a clone let hundreds
// of megabytes through in the same seconds.
//
// Firefox's fetch itself reads a response body ahead of the page, with or
// without the extension (an unread download is buffered without bound: 243 MB
// in 6 s with no extension installed), so the server's count says nothing
// about the hook there: in Firefox these tests check what is recorded (an
// unread body recorded as unread, a slow reader's pieces as it took them, cut
// at the payload cap), not the bound.

import type { ServerResponse } from 'node:http';
import { DEFAULT_PAYLOAD_CAP } from '../../lib/wire/envelope';
import { connectionsOf, eventsOf } from './support/capture';
import type { EngineBrowser } from './support/engine';
import { captureTimeline, launchEngine } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: EngineBrowser;
/** Bytes each download (by its `id` parameter) could hand to its socket so far. */
const written = new Map<string, number>();

const MiB = 1024 * 1024;
/** Buffers between the server and the page (socket, network service, data pipe), generously. */
const BUFFERS = 64 * MiB;
const BOUND = BUFFERS + DEFAULT_PAYLOAD_CAP;
/** How long the page holds the download open while the server's count is watched. */
const WATCH_MS = 6000;

/** Writes 64 KiB chunks for as long as the connection lasts, each only once the socket took the last. */
function endlessOctets(res: ServerResponse, id: string): void {
  written.set(id, 0);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
  const chunk = Buffer.alloc(64 * 1024, 0x78);
  let open = true;
  res.on('close', () => {
    open = false;
  });
  const pump = () => {
    while (open) {
      written.set(id, (written.get(id) ?? 0) + chunk.length);
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

test.beforeAll(async ({ engine }) => {
  server = await startServer();
  server.route('/endless', (_req, res, url) => endlessOctets(res, url.searchParams.get('id') ?? ''));
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Watches the download for WATCH_MS: fails as soon as the server has written
 * more than the page took plus BOUND. Chromium only (see the top of this file).
 */
async function watch(id: string): Promise<void> {
  const deadline = Date.now() + WATCH_MS;
  while (Date.now() < deadline) {
    // Sampling is the point: the bound must hold all through the watch, not once.
    await new Promise((r) => setTimeout(r, 250));
    const sent = written.get(id) ?? 0;
    const taken = await takenByPage();
    expect(
      sent,
      `${(sent / MiB).toFixed(1)} MiB sent, the page took ${(taken / MiB).toFixed(1)} MiB`,
    ).toBeLessThan(taken + BOUND);
  }
}

/** Bytes the page itself has read of its download. */
function takenByPage(): Promise<number> {
  return browser.page.evaluate(() => (window as unknown as { taken: number }).taken);
}

/** Leaves the page, which ends its endless download (Firefox would otherwise keep buffering it). */
async function leave(): Promise<void> {
  await browser.page.goto('about:blank');
}

test('an endless download the page keeps unread is recorded unread; in Chromium the server sends no more than to a page without the hook', async () => {
  server.page(
    '/unread.html',
    `<!doctype html><title>unread</title><script>
      window.taken = 0;
      fetch('/endless?id=unread').then((res) => { window.kept = res; window.answered = res.status; });
    </script>`,
  );
  const t = await captureTimeline(browser, `${server.origin}/unread.html`, {
    pageDone: 'window.answered === 200',
    // The hook notes a body still unread a second after the response.
    until: (t) => t.events.some((e) => e.type === 'close'),
  });
  expect(written.get('unread')).toBeGreaterThan(0);
  if (browser.engine === 'chromium') await watch('unread');
  await leave();
  // Its status and headers, and the exchange complete at their time, the close saying why.
  const [download] = connectionsOf(t, 'fetch');
  const events = eventsOf(t, download?.id as string);
  expect(events.map((e) => e.type)).toEqual(['open', 'receive', 'close']);
  expect(events[1]).toMatchObject({ status: 200 });
  expect(events[1]?.data).toBeUndefined();
  expect(events[2]).toMatchObject({
    status: 200,
    time: events[1]?.headersAt,
    reason: expect.stringMatching(/^response body not read by the page/),
  });
  expect(download).toMatchObject({ status: 200, endedAt: events[1]?.headersAt });
});

test('an endless download the page reads slowly is recorded as the page read it, cut at the payload cap; in Chromium it is read no faster than the page reads it', async () => {
  server.page(
    '/slow.html',
    `<!doctype html><title>slow</title><script>
      window.taken = 0;
      fetch('/endless?id=slow').then((res) => {
        // One small read every 200 ms: 256 KiB at most, about 1.3 MB a second.
        const reader = res.body.getReader({ mode: 'byob' });
        const readOne = async () => {
          const { value, done } = await reader.read(new Uint8Array(256 * 1024));
          if (done) return;
          window.taken += value.byteLength;
          setTimeout(readOne, 200);
        };
        readOne();
      });
    </script>`,
  );
  const t = await captureTimeline(browser, `${server.origin}/slow.html`, {
    pageDone: `window.taken > ${DEFAULT_PAYLOAD_CAP}`,
    // The piece that passes the cap is the last one recorded.
    until: (t) => t.events.some((e) => e.type === 'receive' && e.truncated),
  });
  if (browser.engine === 'chromium') await watch('slow');
  expect(await takenByPage()).toBeGreaterThan(DEFAULT_PAYLOAD_CAP);
  await leave();
  const [download] = connectionsOf(t, 'fetch');
  expect(download).toMatchObject({ status: 200, endedAt: null });
  // Read 200 ms apart, the body is recorded in pieces as the page got them, up to the cap; the
  // piece past the cap is marked cut, and nothing more is recorded.
  const receives = eventsOf(t, download?.id as string).filter((e) => e.type === 'receive');
  expect(receives[0]).toMatchObject({ status: 200, chunk: 0 });
  expect(receives.map((e) => e.chunk)).toEqual(receives.map((_, i) => i));
  const recorded = Buffer.concat(
    receives.map((e) =>
      e.data && 'base64' in e.data ? Buffer.from(e.data.base64, 'base64') : Buffer.alloc(0),
    ),
  );
  const pieces = JSON.stringify(receives.map((e) => [e.chunk, e.size, e.truncated]));
  expect(recorded.length, pieces).toBe(DEFAULT_PAYLOAD_CAP);
  expect(
    recorded.findIndex((b) => b !== 0x78),
    pieces,
  ).toBe(-1);
  expect(receives.slice(0, -1).every((e) => !e.truncated)).toBe(true);
  expect(receives.at(-1)).toMatchObject({
    truncated: true,
    reason: expect.stringMatching(/^payload cap reached/),
  });
});
