// `npm run demo`: only the demo server, for a browser where Wirescope was
// installed by hand. Options: --port N (or PORT=N), --host H. Ctrl+C stops it.

import { DEFAULT_DEMO_HOST, DEFAULT_DEMO_PORT, startDemoServer } from './demo/server';
import { optionValue, parsePort } from './lib/args';

const argv = process.argv.slice(2);
const port = parsePort(optionValue(argv, 'port') ?? process.env.PORT, DEFAULT_DEMO_PORT);
const host = optionValue(argv, 'host') ?? DEFAULT_DEMO_HOST;

const server = await startDemoServer({ port, host });
if (port !== 0 && server.port !== port) console.log(`Port ${port} is busy; using ${server.port} instead.`);
console.log(`Wirescope demo running at ${server.url}`);
console.log('Open it in a browser with Wirescope installed, then DevTools → Wirescope. Ctrl+C stops it.');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
