import { defineConfig } from '@playwright/test';

// Each test launches its own Chromium with the built extension (see
// tests/e2e/support/browser.ts); one worker keeps a 2-core machine steady.
export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: /.*\.spec\.ts$/,
  outputDir: 'test-results/output',
  workers: 1,
  // One retry everywhere (CI may not set CI=1): a test that passes only on its retry is
  // reported as flaky in the summary, never silently green.
  retries: 1,
  timeout: 60_000,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'test-results/html' }]],
});
