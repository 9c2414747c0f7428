// Pages and readers for the command path (hook-command*.spec.ts): a page
// whose frames hold known connections open, a hostile page that tries every
// route a page has to drive the hook (pages/forge-commands.js), and a reader
// of what the panel's hook status says.

import type { TestServer } from './server';

/** Routes: an echoing socket, an event stream that stays open, a request that never answers. */
export function serveCommandRoutes(server: TestServer): { release(): void } {
  const held: Array<() => void> = [];
  server.socket('/echo', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.route('/events', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write('retry: 60000\ndata: hello\n\n');
    held.push(() => res.end());
  });
  server.route('/hang', (_req, res) => {
    held.push(() => res.writeHead(204).end());
  });
  // The top page: 2 sockets open, 1 opened and closed, 1 event source, 1 fetch in flight, and a frame.
  server.page(
    '/status.html',
    `<!doctype html><title>loading</title><body><script>
      const url = 'ws://' + location.host + '/echo';
      window.kept = [new WebSocket(url), new WebSocket(url)];
      const closing = new WebSocket(url);
      closing.onopen = () => closing.close();
      window.source = new EventSource('/events');
      fetch('/hang').catch(() => {});
      let frameReady = false;
      addEventListener('message', (e) => { if (e.data === 'frame ready') frameReady = true; });
      closing.onclose = () => {
        const check = setInterval(() => {
          if (frameReady && window.kept.every((ws) => ws.readyState === 1)) { clearInterval(check); document.title = 'ready'; }
        }, 20);
      };
      const frame = document.createElement('iframe');
      frame.src = '/status-frame.html';
      document.body.appendChild(frame);
    </script></body>`,
  );
  server.page(
    '/status-frame.html',
    `<!doctype html><title>frame</title><script>
      window.kept = new WebSocket('ws://' + location.host + '/echo');
      window.kept.onopen = () => parent.postMessage('frame ready', '*');
    </script>`,
  );
  // The hostile page, with a same-origin frame that attacks too (its parent among others).
  server.page(
    '/forge-commands.html',
    `<!doctype html><title>loading</title><body><script src="/pages/forge-commands.js"></script><script>
      window.kept = new WebSocket('ws://' + location.host + '/echo');
      window.kept.onopen = () => {
        const frame = document.createElement('iframe');
        frame.src = '/forge-frame.html' + location.search;
        frame.onload = () => { document.title = 'ready'; };
        document.body.appendChild(frame);
      };
    </script></body>`,
  );
  server.page(
    '/forge-frame.html',
    `<!doctype html><title>frame</title><script src="/pages/forge-commands.js"></script>`,
  );
  return {
    release() {
      for (const end of held.splice(0)) end();
    },
  };
}

/** One frame's lines of the hook status tooltip. */
export interface FrameStatusText {
  /** "Top frame URL" or "Frame N URL". */
  where: string;
  text: string;
  commandsAnswered: number | null;
}

/** The tooltip of the panel's hook status, split per frame. */
export function framesOf(tooltip: string): FrameStatusText[] {
  const frames: FrameStatusText[] = [];
  for (const line of tooltip.split('\n')) {
    if (line.startsWith('  ')) {
      const last = frames.at(-1);
      if (last) last.text += `\n${line}`;
    } else {
      const m = /^(Top frame|Frame \d+) (\S+?):(?: |$)/.exec(line);
      if (m) frames.push({ where: `${m[1]} ${m[2]}`, text: line, commandsAnswered: null });
    }
  }
  for (const f of frames) {
    const m = /(\d+) commands? answered/.exec(f.text);
    f.commandsAnswered = m ? Number(m[1]) : null;
  }
  return frames;
}
