// `npm start`: builds the extension, starts the demo server and opens Chromium
// (or, with --firefox, Firefox ESR) with Wirescope loaded and DevTools open on
// the demo page, Wirescope's panel selected. Without a display (no DISPLAY / WAYLAND_DISPLAY) the same session
// runs headless for a while, then leaves the exported timeline and a
// screenshot of the panel in artifacts/ and prints a summary.
//
// Options: --port N (or PORT=N), --duration SECONDS (headless run, default 15),
// --storm (start the demo's poll storm on load), --headless (even with a display),
// --out DIR (artifacts folder, default artifacts/), --no-build (use the existing build),
// --firefox (Firefox ESR and the Firefox build instead of Chromium).

import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { writeArtifacts } from './demo/report';
import { DEFAULT_DEMO_PORT, startDemoServer } from './demo/server';
import { formatSummary, summarize } from './demo/summary';
import { hasFlag, optionValue, parsePort } from './lib/args';
import { CHROMIUM_DEMO } from './lib/start-chromium';
import { FIREFOX_DEMO } from './lib/start-firefox';

const ROOT = resolve(import.meta.dirname, '..');

/** A path as the user would type it from here: relative when inside the working directory. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

interface StartOptions {
  port: number;
  durationSec: number;
  storm: boolean;
  outDir: string;
  build: boolean;
  headless: boolean;
  firefox: boolean;
}

function readOptions(argv: readonly string[]): StartOptions {
  const durationText = optionValue(argv, 'duration') ?? '15';
  const durationSec = Number(durationText);
  if (!Number.isFinite(durationSec) || durationSec <= 0)
    throw new Error(`--duration: not a number of seconds: ${durationText}`);
  const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  return {
    port: parsePort(optionValue(argv, 'port') ?? process.env.PORT, DEFAULT_DEMO_PORT),
    durationSec,
    storm: hasFlag(argv, 'storm'),
    outDir: resolve(ROOT, optionValue(argv, 'out') ?? 'artifacts'),
    build: !hasFlag(argv, 'no-build'),
    headless: hasFlag(argv, 'headless') || !hasDisplay,
    firefox: hasFlag(argv, 'firefox'),
  };
}

function step(text: string): void {
  console.log(`▸ ${text}`);
}

/** `npx wxt build [-b firefox]`, quiet unless it fails (it honours WIRESCOPE_OUT_DIR through wxt.config.ts). */
function buildExtension(buildArgs: readonly string[]): Promise<void> {
  return new Promise((resolveBuild, reject) => {
    const child = spawn('npx', ['wxt', ...buildArgs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolveBuild();
      else reject(new Error(`the extension build failed (exit ${code}):\n${output}`));
    });
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  const { port, durationSec, storm, outDir, build, headless, firefox } = readOptions(process.argv.slice(2));
  const target = firefox ? FIREFOX_DEMO : CHROMIUM_DEMO;
  await target.assertInstalled();
  const wxtCommand = ['wxt', ...target.buildArgs].join(' ');
  if (build) {
    step(`Building the extension (${wxtCommand})…`);
    await buildExtension(target.buildArgs);
    step(`Built ${shown(target.extensionDir)}`);
  } else {
    await access(join(target.extensionDir, 'manifest.json')).catch(() => {
      throw new Error(`--no-build: there is no build at ${target.extensionDir} (run npx ${wxtCommand})`);
    });
    step(`Using the existing build at ${shown(target.extensionDir)}`);
  }

  const server = await startDemoServer({ port });
  if (port !== 0 && server.port !== port) step(`Port ${port} is busy; the demo uses ${server.port} instead.`);
  step(`Demo server at ${server.url}`);

  const url = storm ? `${server.url}?storm=1` : server.url;
  let session: Awaited<ReturnType<typeof target.open>> | null = null;
  try {
    step(
      `Opening ${headless ? 'headless ' : ''}${firefox ? 'Firefox' : 'Chromium'} with Wirescope and DevTools…`,
    );
    session = await target.open({ url, headless });
    step(`${session.label} is showing the demo page.`);

    if (!headless) {
      step('Wirescope is open in DevTools on the demo page. Close the browser or press Ctrl+C to stop.');
      await session.closedByUser();
      return 0;
    }

    step(`No display: letting the demo run for ${durationSec} s…`);
    await new Promise((r) => setTimeout(r, durationSec * 1000));
    const timeline = await session.exportTimeline();
    const screenshot = await session.screenshot();
    const { timelinePath, screenshotPath } = await writeArtifacts(outDir, timeline, screenshot);

    console.log('');
    console.log(
      `Wirescope demo summary (${durationSec} s of traffic, headless ${firefox ? 'Firefox' : 'Chromium'})`,
    );
    for (const line of formatSummary(summarize(timeline))) console.log(`  ${line}`);
    console.log('');
    console.log(`  Timeline export: ${shown(timelinePath)}`);
    console.log(`  Panel screenshot: ${shown(screenshotPath)}`);
    console.log(`  (took ${Math.round((Date.now() - started) / 1000)} s)`);
    return 0;
  } finally {
    await session?.close().catch(() => {});
    await server.close().catch(() => {});
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
