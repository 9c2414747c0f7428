// `npm start` (Chromium) and `npm start -- --firefox` without a display: the
// browser's build, the demo page with Wirescope open in the page's own
// DevTools, and after a short run the exported timeline, a 1280×800
// screenshot and a summary. It uses the build the e2e run already made
// (--no-build): rebuilding it here would change the files other tests'
// browsers are loading, and cost half a minute per browser.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isTimelineExport } from '../../scripts/demo/summary';
import type { TimelineExport } from './support/capture';
import { expect, test } from './support/test';

const ROOT = resolve(import.meta.dirname, '..', '..');

// A project of its own (`commands`), taken after the browsers' files: a run of
// `npm start` loads the machine (tsx, a browser with its DevTools, the demo's
// traffic), and beside it the pattern files' pages were starved of time.
for (const engine of ['chromium', 'firefox'] as const)
  test(`npm start${engine === 'firefox' ? ' -- --firefox' : ''} without a display runs headless and leaves an export, a screenshot and a summary`, async () => {
    test.setTimeout(120_000);
    const outDir = await mkdtemp(join(tmpdir(), 'wirescope-start-'));
    try {
      const env = { ...process.env };
      delete env.DISPLAY;
      delete env.WAYLAND_DISPLAY;
      const args = [
        'tsx',
        'scripts/start.ts',
        '--no-build',
        '--duration',
        '8',
        '--port',
        '0',
        '--out',
        outDir,
      ];
      if (engine === 'firefox') args.push('--firefox');
      const child = spawn('npx', args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => {
        output += d;
      });
      child.stderr.on('data', (d) => {
        output += d;
      });
      const code = await new Promise<number | null>((done) => child.on('close', done));
      expect(code, output).toBe(0);

      expect(output).toMatch(
        new RegExp(
          `Using the existing build at \\S*/${engine === 'firefox' ? 'firefox-mv2' : 'chrome-mv3'}\\n`,
        ),
      );
      expect(output).toContain('Wirescope demo summary');
      expect(output).toMatch(/Connections: \d+ \(.*websocket \d+/);
      expect(output).toMatch(/Events: \d+, of which \d+ messages/);
      expect(output).toMatch(/Patterns found: /);
      expect(output).toContain(join(outDir, 'demo-timeline.json'));
      expect(output).toContain(join(outDir, 'demo-panel.png'));

      const timeline: unknown = JSON.parse(await readFile(join(outDir, 'demo-timeline.json'), 'utf8'));
      expect(isTimelineExport(timeline)).toBe(true);
      const t = timeline as TimelineExport;
      expect(t.page.url).toContain('127.0.0.1');
      expect(
        t.connections.some((c) => c.transport === 'websocket' && new URL(c.url).pathname === '/chat'),
      ).toBe(true);

      const png = await readFile(join(outDir, 'demo-panel.png'));
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 800]);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
