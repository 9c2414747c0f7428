import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type PanelSettings } from '../../../components/settings';
import { FilterStore, SAVE_QUERY_AFTER_MS } from '../../../components/state/filter-store';
import { SettingsStore } from '../../../components/state/settings-store';
import type { ListEntry } from '../../../lib/timeline/channels';
import { FakeTimers } from '../fake-timers';
import { listEntry } from '../store-fixtures';

function setup(initial: Partial<PanelSettings> = {}) {
  const saved: PanelSettings[] = [];
  const settings = new SettingsStore({ ...DEFAULT_SETTINGS, ...initial }, (s) => saved.push(s));
  const timers = new FakeTimers();
  const filter = new FilterStore(settings, timers);
  return { settings, filter, timers, saved };
}

const entry = (id: string, kind: ListEntry['kind'], keys: string[]): ListEntry => listEntry(id, kind, keys);

describe('FilterStore', () => {
  it('starts from the remembered text and parses what is typed', () => {
    const { filter } = setup({ query: 'dir:in' });
    expect(filter.query.value).toBe('dir:in');
    filter.setQuery('/po(ng/');
    expect(filter.parsed.value.errors[0]?.message).toMatch(/invalid regular expression/);
  });

  it('saves the text once typing pauses, not on every key', () => {
    const { filter, timers, saved } = setup();
    filter.setQuery('p');
    timers.advance(SAVE_QUERY_AFTER_MS - 1);
    filter.setQuery('pi');
    timers.advance(SAVE_QUERY_AFTER_MS - 1);
    filter.setQuery('ping');
    expect(saved).toHaveLength(0);
    timers.advance(SAVE_QUERY_AFTER_MS);
    expect(saved.map((s) => s.query)).toEqual(['ping']);
  });

  it('does not save text that is already saved, and a pending save dies with the panel', () => {
    const { filter, timers, saved } = setup({ query: 'a' });
    filter.setQuery('ab');
    filter.setQuery('a');
    timers.advance(SAVE_QUERY_AFTER_MS * 2);
    expect(saved).toHaveLength(0);
    filter.setQuery('abc');
    filter.dispose();
    timers.advance(SAVE_QUERY_AFTER_MS * 2);
    expect(saved).toHaveLength(0);
  });

  it('toggles transports and directions as remembered settings', () => {
    const { filter, saved } = setup();
    filter.toggleTransport('websocket');
    expect(filter.transports.value.has('websocket')).toBe(false);
    expect(saved.at(-1)?.transports).not.toContain('websocket');
    filter.toggleTransport('websocket');
    expect(filter.transports.value.has('websocket')).toBe(true);
    filter.toggleDirection('lifecycle');
    expect([...filter.directions.value]).toEqual(['out', 'in']);
  });

  it('shows only one transport, adds and removes others, and all again', () => {
    const { filter, saved } = setup();
    filter.showOnlyTransport('xhr');
    expect([...filter.transports.value]).toEqual(['xhr']);
    expect(saved.at(-1)?.transports).toEqual(['xhr']);
    filter.toggleTransport('fetch');
    expect([...filter.transports.value].sort()).toEqual(['fetch', 'xhr']);
    filter.toggleTransport('xhr');
    filter.toggleTransport('fetch');
    // Removing the last one is "all", never an empty list.
    expect(filter.transports.value.size).toBe(4);
    filter.showOnlyTransport('eventsource');
    filter.showAllTransports();
    expect(saved.at(-1)?.transports).toHaveLength(4);
  });

  it('keeps the same transport set while other settings change (no re-filtering)', () => {
    const { filter, settings } = setup();
    const before = filter.transports.value;
    settings.update({ sidebarWidth: 300 });
    expect(filter.transports.value).toBe(before);
    filter.toggleTransport('xhr');
    expect(filter.transports.value).not.toBe(before);
  });

  it('resets everything that narrows the list', () => {
    const { filter, timers, saved } = setup({ transports: ['xhr'], directions: ['in'] });
    filter.setQuery('ping');
    filter.patternsOnly.value = true;
    filter.entryId.value = 'conn:x';
    filter.range.value = [1, 2];
    filter.reset();
    timers.advance(SAVE_QUERY_AFTER_MS * 2);
    expect(filter.query.value).toBe('');
    expect(filter.patternsOnly.value).toBe(false);
    expect(filter.entryId.value).toBeNull();
    expect(filter.range.value).toBeNull();
    expect(filter.transports.value.size).toBe(4);
    expect(filter.directions.value.size).toBe(3);
    // One save: the reset; the text typed before it is not saved afterwards.
    expect(saved.map((s) => s.query)).toEqual(['']);
  });

  it('clears the connection and time range when another store is shown, keeping the rest', () => {
    const { filter } = setup();
    filter.setQuery('x');
    filter.entryId.value = 'conn:x';
    filter.range.value = [1, 2];
    filter.clearScope();
    expect([filter.entryId.value, filter.range.value, filter.query.value]).toEqual([null, null, 'x']);
  });

  it('narrows to the selected entry, or to every channel with "patterns only"', () => {
    const { filter } = setup();
    const entries = [entry('conn:a', 'connection', ['a']), entry('pattern:p', 'channel', ['b', 'c'])];
    expect(filter.connectionScope(entries)).toBeNull();
    filter.entryId.value = 'conn:a';
    expect([...(filter.connectionScope(entries) ?? [])]).toEqual(['a']);
    filter.entryId.value = null;
    filter.patternsOnly.value = true;
    expect([...(filter.connectionScope(entries) ?? [])]).toEqual(['b', 'c']);
    // An entry that is gone (cleared store) narrows nothing.
    filter.patternsOnly.value = false;
    filter.entryId.value = 'conn:gone';
    expect(filter.connectionScope(entries)).toBeNull();
  });

  it('keeps the same key set until membership changes', () => {
    const { filter } = setup();
    filter.entryId.value = 'pattern:p';
    const first = filter.connectionScope([entry('pattern:p', 'channel', ['b'])]);
    expect(filter.connectionScope([entry('pattern:p', 'channel', ['b'])])).toBe(first);
    const grown = filter.connectionScope([entry('pattern:p', 'channel', ['b', 'c'])]);
    expect(grown).not.toBe(first);
    expect(grown?.has('c')).toBe(true);
  });
});
