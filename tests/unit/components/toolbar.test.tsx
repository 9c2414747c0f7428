// @vitest-environment jsdom
// The transport chips behave like DevTools' type filter, and a filter error
// gets its own line in the toolbar.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { createRef } from 'preact';
import { useState } from 'preact/hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { FILTER_PLACEHOLDERS, FILTER_SYNTAX, placeholderFor } from '../../../components/filter-placeholder';
import { DEFAULT_SETTINGS } from '../../../components/settings';
import { FilterStore } from '../../../components/state/filter-store';
import { SettingsStore } from '../../../components/state/settings-store';
import { Toolbar, type ToolbarProps } from '../../../components/Toolbar';
import type { FilterError } from '../../../lib/filter';
import { TRANSPORTS } from '../../../lib/model';
import { FakeTimers } from '../fake-timers';

afterEach(cleanup);

const noop = () => {};

function props(over: Partial<ToolbarProps>): ToolbarProps {
  return {
    recording: true,
    onToggleRecording: noop,
    onClear: noop,
    preserveLog: false,
    onPreserveLog: noop,
    query: '',
    queryErrors: [],
    onQuery: noop,
    filterRef: createRef(),
    transports: new Set(TRANSPORTS),
    onTransport: noop,
    onAllTransports: noop,
    directions: new Set(['out', 'in', 'lifecycle'] as const),
    onToggleDirection: noop,
    patternsOnly: false,
    decodeProtocols: true,
    onDecodeProtocols: noop,
    onPatternsOnly: noop,
    exportable: true,
    onExportTimeline: noop,
    onExportFiltered: noop,
    filteredActive: false,
    onExportHar: noop,
    onImport: null,
    payloadCap: 1024 * 1024,
    onPayloadCap: null,
    showTimeline: true,
    onShowTimeline: noop,
    onPopOut: null,
    readOnly: false,
    ...over,
  };
}

/** The toolbar over a real FilterStore, re-rendered when the remembered transports change. */
function renderWithStore() {
  const saved: string[][] = [];
  const settings = new SettingsStore({ ...DEFAULT_SETTINGS }, (s) => saved.push(s.transports));
  const filter = new FilterStore(settings, new FakeTimers());
  function Harness() {
    const [, bump] = useState(0);
    return (
      <Toolbar
        {...props({
          transports: filter.transports.value,
          onTransport: (t, additive) => {
            if (additive) filter.toggleTransport(t);
            else filter.showOnlyTransport(t);
            bump((n) => n + 1);
          },
          onAllTransports: () => {
            filter.showAllTransports();
            bump((n) => n + 1);
          },
        })}
      />
    );
  }
  render(<Harness />);
  return { filter, saved };
}

const chip = (name: string) => screen.getByRole('button', { name });
const pressed = () =>
  [
    'Show all transports',
    'Show WebSocket',
    'Show XMLHttpRequest',
    'Show fetch',
    'Show EventSource (SSE)',
  ].filter((n) => chip(n).getAttribute('aria-pressed') === 'true');

describe('transport chips', () => {
  it('click shows only that type, Ctrl/Cmd-click adds and removes, All shows all', () => {
    const { filter, saved } = renderWithStore();
    expect(pressed()).toHaveLength(5);
    fireEvent.click(chip('Show fetch'));
    expect(pressed()).toEqual(['Show fetch']);
    expect([...filter.transports.value]).toEqual(['fetch']);
    fireEvent.click(chip('Show WebSocket'), { ctrlKey: true });
    expect(pressed()).toEqual(['Show WebSocket', 'Show fetch']);
    fireEvent.click(chip('Show fetch'), { metaKey: true });
    expect(pressed()).toEqual(['Show WebSocket']);
    fireEvent.click(chip('Show all transports'));
    expect(pressed()).toHaveLength(5);
    // Each choice is a remembered setting.
    expect(saved).toEqual([['fetch'], ['fetch', 'websocket'], ['websocket'], [...TRANSPORTS]]);
  });

  it('an off chip is marked off (aria-pressed=false) in the chip group that dims it', () => {
    render(<Toolbar {...props({ transports: new Set(['xhr'] as const) })} />);
    const ws = chip('Show WebSocket');
    expect(ws.getAttribute('aria-pressed')).toBe('false');
    expect(chip('Show all transports').getAttribute('aria-pressed')).toBe('false');
    expect(chip('Show XMLHttpRequest').getAttribute('aria-pressed')).toBe('true');
    // jsdom does not apply panel.css: check the chip sits where the dimming rule applies, and that the rule dims.
    expect(ws.closest('fieldset.types')).not.toBeNull();
    const css = readFileSync(join(process.cwd(), 'components/panel.css'), 'utf8');
    expect(css).toMatch(/fieldset\.types button\[aria-pressed="false"\] \{[^}]*opacity: 0\.[0-5]/);
  });
});

describe('filter error line', () => {
  it('shows the first error with a count, as the toolbar last child, described by the input', () => {
    const errors: FilterError[] = [
      { message: "unknown filter key 'foo:'", start: 0, end: 7 },
      { message: 'other', start: 8, end: 9 },
    ];
    render(<Toolbar {...props({ query: 'foo:bar x:', queryErrors: errors })} />);
    const line = screen.getByRole('alert');
    expect(line.textContent).toBe("unknown filter key 'foo:' (and 1 more)");
    expect(line.parentElement?.lastElementChild).toBe(line);
    expect(line.parentElement?.getAttribute('role')).toBe('toolbar');
    expect(screen.getByRole('searchbox', { name: 'Filter events' }).getAttribute('aria-describedby')).toBe(
      'filter-error',
    );
  });
});

describe('export buttons', () => {
  const exportButtons = () =>
    ['Export timeline', 'Export filtered view', 'Export HAR'].map(
      (name) => screen.getByRole('button', { name }) as HTMLButtonElement,
    );

  it('are disabled, saying why, while there is nothing to export', () => {
    render(<Toolbar {...props({ exportable: false, filteredActive: true })} />);
    for (const button of exportButtons()) {
      expect(button.disabled).toBe(true);
      expect(button.title).toMatch(/^Nothing to export yet/);
    }
  });

  it('are enabled as soon as there is something, the filtered one once a filter is set', () => {
    const exported: string[] = [];
    const { rerender } = render(
      <Toolbar {...props({ exportable: true, onExportTimeline: () => exported.push('timeline') })} />,
    );
    const [timeline, filtered, har] = exportButtons();
    expect(timeline?.disabled).toBe(false);
    expect(har?.disabled).toBe(false);
    expect(filtered?.disabled).toBe(true);
    expect(filtered?.title).toMatch(/No filter is set/);
    fireEvent.click(timeline as HTMLButtonElement);
    expect(exported).toEqual(['timeline']);
    rerender(<Toolbar {...props({ exportable: true, filteredActive: true })} />);
    expect(exportButtons()[1]?.disabled).toBe(false);
  });
});

describe('filter placeholder', () => {
  const width = (text: string) => text.length * 6;

  it('is the fullest hint that fits the box, and the short one while the box is unmeasured', () => {
    expect(placeholderFor(0, width)).toBe('Filter');
    expect(placeholderFor(1000, width)).toBe(FILTER_PLACEHOLDERS[0]);
    const second = FILTER_PLACEHOLDERS[1];
    expect(placeholderFor(width(second), width)).toBe(second);
    expect(placeholderFor(width(second) - 1, width)).toBe(FILTER_PLACEHOLDERS[2]);
    expect(placeholderFor(20, width)).toBe('Filter');
  });

  it('keeps the whole syntax in the box tooltip', () => {
    render(<Toolbar {...props({})} />);
    const box = screen.getByRole('searchbox', { name: 'Filter events' }) as HTMLInputElement;
    // jsdom lays nothing out: the box has no width, so the shortest hint is shown.
    expect(box.placeholder).toBe('Filter');
    expect(box.title).toBe(FILTER_SYNTAX);
    expect(box.title).toMatch(/status:404.*size>1k.*a leading - excludes/);
  });
});
