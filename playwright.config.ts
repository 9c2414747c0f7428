import { defineConfig } from '@playwright/test';
import type { EngineOption } from './tests/e2e/support/test';

// Three projects, one per browser plus the packaging checks:
// - `name.spec.ts` is shared: it runs in Chromium and in Firefox, and drives
//   either through tests/e2e/support/engines.ts;
// - `name.chromium.spec.ts` and `name.firefox.spec.ts` run in that browser
//   only (what the other browser has no counterpart for, or tests in its own way);
// - `name.commands.spec.ts` runs the repository's commands (`npm start`) in
//   both browsers, after the browsers' files: it loads the machine;
// - `name.package.spec.ts` checks the built packages, no browser.
// Each browser spec launches its own browser with the built extension. One
// worker per core, each taking a file at a time, in the projects' order.
const SHARED = /(?<!\.(chromium|firefox|commands|package))\.spec\.ts$/;

export default defineConfig<EngineOption>({
  testDir: 'tests/e2e',
  outputDir: 'test-results/output',
  workers: 2,
  // One retry everywhere (CI may not set CI=1): a test that passes only on its retry is
  // reported as flaky in the summary, never silently green.
  retries: 1,
  timeout: 60_000,
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'test-results/html' }],
    ['./tests/e2e/support/browser-count-reporter.ts'],
  ],
  projects: [
    { name: 'chromium', testMatch: [SHARED, /\.chromium\.spec\.ts$/], use: { engine: 'chromium' } },
    { name: 'firefox', testMatch: [SHARED, /\.firefox\.spec\.ts$/], use: { engine: 'firefox' } },
    { name: 'commands', testMatch: /\.commands\.spec\.ts$/ },
    { name: 'package', testMatch: /\.package\.spec\.ts$/ },
  ],
});
