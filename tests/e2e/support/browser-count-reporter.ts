// Prints, at the end of an e2e run, how many tests passed, were flaky, failed
// or were skipped in each browser (each Playwright project), and how long
// that browser's tests took, so one line says whether the feature list is
// green in both.

import type { FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';

interface Tally {
  passed: number;
  flaky: number;
  failed: number;
  skipped: number;
  ms: number;
}

export default class BrowserCountReporter implements Reporter {
  private root: Suite | null = null;
  private readonly msByProject = new Map<string, number>();
  private started = Date.now();

  onBegin(_config: unknown, suite: Suite): void {
    this.root = suite;
    this.started = Date.now();
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const project = test.parent.project()?.name ?? '';
    this.msByProject.set(project, (this.msByProject.get(project) ?? 0) + result.duration);
  }

  onEnd(result: FullResult): void {
    if (!this.root) return;
    const lines: string[] = [];
    for (const projectSuite of this.root.suites) {
      const name = projectSuite.project()?.name ?? projectSuite.title;
      const tally: Tally = {
        passed: 0,
        flaky: 0,
        failed: 0,
        skipped: 0,
        ms: this.msByProject.get(name) ?? 0,
      };
      for (const test of projectSuite.allTests()) {
        const outcome = test.outcome();
        if (outcome === 'expected') tally.passed++;
        else if (outcome === 'flaky') tally.flaky++;
        else if (outcome === 'skipped') tally.skipped++;
        else tally.failed++;
      }
      const total = tally.passed + tally.flaky + tally.failed + tally.skipped;
      lines.push(
        `  ${name.padEnd(9)} ${String(total).padStart(4)} tests: ${tally.passed} passed, ${tally.flaky} flaky, ` +
          `${tally.failed} failed, ${tally.skipped} skipped; ${(tally.ms / 60_000).toFixed(1)} min of test time`,
      );
    }
    console.log(
      `\nEnd-to-end tests by browser (${result.status}, ${((Date.now() - this.started) / 60_000).toFixed(1)} min wall):`,
    );
    for (const line of lines) console.log(line);
  }

  printsToStdio(): boolean {
    return false;
  }
}
