import { describe, expect, it } from 'vitest';
import { openResourceArgs, sourceOpener } from '../../entrypoints/panel/open-source';

describe('opening an initiator in DevTools', () => {
  it('passes 0-based line and column, as devtools.panels.openResource counts them', () => {
    expect(openResourceArgs({ url: 'https://app.test/a.js', line: 9, column: 7 })).toEqual([
      'https://app.test/a.js',
      8,
      6,
    ]);
  });

  it('a popped-out panel, or one without the API, cannot open sources', () => {
    expect(sourceOpener(true)).toBeUndefined();
    expect(sourceOpener(false)).toBeUndefined();
  });

  it('inside DevTools it calls openResource', () => {
    const calls: unknown[][] = [];
    const g = globalThis as { chrome?: unknown };
    g.chrome = { devtools: { panels: { openResource: (...args: unknown[]) => calls.push(args) } } };
    try {
      sourceOpener(false)?.({ url: 'https://app.test/a.js', line: 1, column: 1 });
      expect(calls).toEqual([['https://app.test/a.js', 0, 0]]);
    } finally {
      delete g.chrome;
    }
  });
});
