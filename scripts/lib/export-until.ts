// Exports a panel's timeline again and again until a condition holds: what a
// test waits for, read through the product's own "Export timeline". Shared by
// the Chromium and Firefox drivers.

import type { TimelineExport } from '../../lib/export/timeline';

/** Exports until `until` holds; throws with the last export after timeoutMs. */
export async function exportUntil(
  exportTimeline: () => Promise<TimelineExport>,
  until: (t: TimelineExport) => boolean,
  timeoutMs = 15_000,
  intervalMs = 250,
): Promise<TimelineExport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const timeline = await exportTimeline();
    if (until(timeline)) return timeline;
    if (Date.now() > deadline)
      throw new Error(
        `timeline condition not met within ${timeoutMs} ms; last export: ${JSON.stringify(timeline).slice(0, 4000)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
