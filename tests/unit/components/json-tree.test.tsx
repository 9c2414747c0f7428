// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { CHILD_PAGE, JsonTree, STRING_PREVIEW, summarize } from '../../../components/JsonTree';
import { parsePayloadJson } from '../../../components/payload';

afterEach(cleanup);

describe('JsonTree', () => {
  it('shows the root expanded and children collapsed until asked', () => {
    const { container } = render(
      <JsonTree value={{ user: { name: 'Ann', tags: ['a', 'b'] }, n: 3, ok: true, x: null }} />,
    );
    expect(container.textContent).toContain('user:');
    expect(container.textContent).toContain('n: 3');
    const leaves = () => [...container.querySelectorAll('li.json-leaf')].map((li) => li.textContent);
    expect(leaves()).toEqual(['n: 3', 'ok: true', 'x: null']);
    fireEvent.click(screen.getByRole('button', { name: 'Expand user' }));
    expect(leaves()).toContain('name: "Ann"');
    expect(screen.getByRole('button', { name: 'Collapse user' }).getAttribute('aria-expanded')).toBe('true');
  });

  it('pages wide containers', () => {
    const wide = Array.from({ length: 5000 }, (_, i) => i);
    const { container } = render(<JsonTree value={wide} />);
    expect(container.querySelectorAll('li.json-leaf')).toHaveLength(CHILD_PAGE);
    fireEvent.click(screen.getByRole('button', { name: /Show 1,000 more of 4,900/ }));
    expect(container.querySelectorAll('li.json-leaf')).toHaveLength(CHILD_PAGE + 1000);
  });

  it('renders a 10,000-deep value without walking it', () => {
    const text = `${'['.repeat(10_000)}1${']'.repeat(10_000)}`;
    const parsed = parsePayloadJson(text);
    expect(parsed.ok).toBe(true);
    const value = parsed.ok ? parsed.value : null;
    const { container } = render(<JsonTree value={value} />);
    // Root open, one collapsed child: two levels rendered out of 10,000.
    expect(container.querySelectorAll('li.json-node')).toHaveLength(2);
  });

  it('cuts long strings with a show-all button', () => {
    const long = 'y'.repeat(STRING_PREVIEW * 3);
    const { container } = render(<JsonTree value={{ s: long }} />);
    expect(container.textContent?.length).toBeLessThan(STRING_PREVIEW + 200);
    fireEvent.click(screen.getByRole('button', { name: /show all 3,000 characters/ }));
    expect(container.textContent).toContain(long);
  });

  it('renders markup in keys and values as text', () => {
    const { container } = render(
      <JsonTree value={{ '<b>k</b>': '<img src=x onerror="window.__pwned=1">' }} />,
    );
    expect(container.querySelector('img, b')).toBeNull();
    expect(container.textContent).toContain('<img src=x onerror=');
  });

  it('summarizes without recursion', () => {
    expect(summarize([1, 'a', null, [2], { a: 1 }, 6])).toBe('(6) [1, "a", null, Array(1), {…}, …]');
    expect(summarize({ a: 1, b: 'two' })).toBe('{a: 1, b: "two"}');
  });
});

describe('parsePayloadJson', () => {
  it('parses objects and arrays only, below the limit', () => {
    expect(parsePayloadJson('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parsePayloadJson('hello').ok).toBe(false);
    expect(parsePayloadJson('42')).toMatchObject({ ok: false, reason: 'not-json' });
    expect(parsePayloadJson('{"a":', 100)).toMatchObject({ ok: false, reason: 'error' });
    expect(parsePayloadJson(`[${'1,'.repeat(100)}1]`, 50)).toMatchObject({ ok: false, reason: 'too-large' });
  });
});
