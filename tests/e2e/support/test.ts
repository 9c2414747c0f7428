// Playwright's `test`, with one automatic addition: when a test fails, every
// page of every browser it used is screenshotted and its trace kept, under
// test-results/ (open a trace with `npx playwright show-trace <zip>`).

import { test as base } from '@playwright/test';
import { openBrowsers } from './browser';
import type { Engine } from './engine';
import { screenshotters } from './failure-shots';

export { expect, type Page } from '@playwright/test';

/** The browser a project runs its specs in (playwright.config.ts sets it per project). */
export interface EngineOption {
  engine: Engine;
}

export const test = base.extend<{ failureArtifacts: undefined }, EngineOption>({
  engine: ['chromium', { scope: 'worker', option: true }],
  failureArtifacts: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as the first argument
    async ({}, use, testInfo) => {
      // Browsers launched in beforeAll are shared by the file's tests: one trace chunk per test.
      for (const state of openBrowsers.values()) state.chunkOpen = true;
      for (const browser of openBrowsers.keys()) await browser.context.tracing.startChunk().catch(() => {});
      await use(undefined);
      const failed = testInfo.status !== testInfo.expectedStatus;
      if (failed) {
        let m = 0;
        for (const shoot of screenshotters) {
          m++;
          await shoot((name) => testInfo.outputPath(`firefox-${m}-${name}`)).catch(() => {});
        }
      }
      let n = 0;
      for (const [browser, state] of openBrowsers) {
        n++;
        if (failed) {
          for (const [i, page] of browser.context.pages().entries()) {
            await page
              .screenshot({ path: testInfo.outputPath(`browser-${n}-page-${i}.png`) })
              .catch(() => {});
          }
        }
        if (state.chunkOpen) {
          await browser.context.tracing
            .stopChunk(failed ? { path: testInfo.outputPath(`browser-${n}-trace.zip`) } : undefined)
            .catch(() => {});
          state.chunkOpen = false;
        }
      }
    },
    { auto: true },
  ],
});
