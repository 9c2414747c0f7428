// Which modules each context's bundle can reach, from the source's imports
// (type-only imports excluded: they leave nothing in a bundle). The page hook
// runs in every page and must depend on nothing but its own code and the
// wire's constants; the content script must not carry panel code.

import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Modules a file imports for their values: repo-relative paths, or npm package names. */
function valueImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of source.matchAll(/^import\s+(type\s+)?([^'"]*?)\s*from\s*'([^']+)';/gms)) {
    const [, typeOnly, names = '', spec = ''] = m;
    // `import type {…}` and `import { type A, type B }` leave nothing in the bundle.
    if (typeOnly) continue;
    const braces = /^\{([^}]*)\}$/s.exec(names.trim());
    if (braces?.[1]?.split(',').every((n) => !n.trim() || n.trim().startsWith('type '))) continue;
    out.push(spec.startsWith('.') ? relative(ROOT, resolve(dirname(file), spec)) : spec);
  }
  return out;
}

function resolveModule(path: string): string | null {
  for (const ext of ['.ts', '.tsx', '/index.ts', '.js'])
    try {
      readFileSync(resolve(ROOT, path + ext));
      return path + ext;
    } catch {
      // try the next extension
    }
  return null;
}

/** Every module reachable from `entry` by value imports, and every package it names. */
function reach(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (modules.has(file)) continue;
    modules.add(file);
    for (const spec of valueImports(resolve(ROOT, file))) {
      if (!spec.startsWith('lib/') && !spec.startsWith('components/') && !spec.startsWith('entrypoints/')) {
        packages.add(spec);
        continue;
      }
      const found = resolveModule(spec);
      if (found) todo.push(found);
    }
  }
  return { modules, packages };
}

const PANEL_ONLY = [
  'components/',
  'lib/timeline/',
  'lib/patterns/',
  'lib/filter/',
  'lib/export/',
  'lib/import/',
];

describe('bundles', () => {
  it('the page hook reaches only its own code and the wire, and no package', () => {
    const { modules, packages } = reach('entrypoints/hook.content.ts');
    expect([...packages]).toEqual([]);
    for (const m of modules)
      expect(
        m.startsWith('lib/hook/') || m.startsWith('lib/wire/') || m === 'entrypoints/hook.content.ts',
        m,
      ).toBe(true);
  });

  it('the relay content script reaches no panel module', () => {
    const { modules, packages } = reach('entrypoints/relay.content.ts');
    expect(modules.has('lib/relay/core.ts')).toBe(true);
    for (const m of modules)
      expect(
        PANEL_ONLY.some((p) => m.startsWith(p)),
        m,
      ).toBe(false);
    expect([...packages].sort()).toEqual(['wxt/browser']);
  });

  it('the background reaches no panel module', () => {
    const { modules } = reach('entrypoints/background.ts');
    for (const m of modules)
      expect(
        PANEL_ONLY.some((p) => m.startsWith(p)),
        m,
      ).toBe(false);
  });
});
