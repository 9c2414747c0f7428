import { test } from './test';

/**
 * For a spec file whose loops are told apart by their timing, which the other
 * worker's heaviest files (floods of messages, the panel in Chrome's
 * DevTools) can starve for a second: its tests get two retries, where others
 * get one, and are reported flaky if they need one. Called at the file's top.
 */
export function retryTimedTests(): void {
  test.describe.configure({ retries: 2 });
}
