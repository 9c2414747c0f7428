// The Firefox build passes Mozilla's add-on linter (web-ext lint) with no
// errors. Warnings are printed, not failed: some are about minified bundles.

import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { FIREFOX_EXTENSION_DIR } from './support/browser';
import { expect, test } from './support/test';

const run = promisify(execFile);
const WEB_EXT = resolve(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'web-ext');

interface LintMessage {
  code: string;
  message: string;
  description?: string;
  file?: string;
  line?: number;
}
interface LintReport {
  summary: { errors: number; warnings: number; notices: number };
  errors: LintMessage[];
  warnings: LintMessage[];
  notices: LintMessage[];
}

const formatMessage = (m: LintMessage) =>
  `${m.code}: ${m.message}${m.file ? ` (${m.file}${m.line ? `:${m.line}` : ''})` : ''}`;

test('web-ext lint finds no errors in the Firefox build', async () => {
  // web-ext exits non-zero when it finds errors; the JSON report is on stdout either way.
  const { stdout } = await run(WEB_EXT, ['lint', '--source-dir', FIREFOX_EXTENSION_DIR, '--output', 'json'], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch((err: { stdout?: string; stderr?: string }) => {
    if (!err.stdout) throw new Error(`web-ext lint did not run: ${err.stderr ?? err}`);
    return { stdout: err.stdout };
  });
  const report = JSON.parse(stdout) as LintReport;
  for (const w of report.warnings) console.log(`web-ext lint warning: ${formatMessage(w)}`);
  expect(report.errors.map(formatMessage)).toEqual([]);
  expect(report.summary.errors).toBe(0);
});
