import { effect } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type PanelSettings, sanitizeSettings } from '../../../components/settings';
import { SettingsStore } from '../../../components/state/settings-store';

describe('SettingsStore', () => {
  it('applies a change, tells its readers, and hands the whole settings to be saved once', () => {
    const saved: PanelSettings[] = [];
    const store = new SettingsStore({ ...DEFAULT_SETTINGS }, (s) => saved.push(s));
    const seen: boolean[] = [];
    const stop = effect(() => {
      seen.push(store.settings.value.preserveLog);
    });
    store.update({ preserveLog: true });
    stop();
    expect(seen).toEqual([false, true]);
    expect(saved).toEqual([{ ...DEFAULT_SETTINGS, preserveLog: true }]);
    expect(store.value.preserveLog).toBe(true);
  });

  it('remembers the overview fold of short panels as a boolean, folded unless told otherwise', () => {
    expect(sanitizeSettings({}).foldOverviewWhenShort).toBe(true);
    expect(sanitizeSettings({ foldOverviewWhenShort: false }).foldOverviewWhenShort).toBe(false);
    expect(sanitizeSettings({ foldOverviewWhenShort: 'no' }).foldOverviewWhenShort).toBe(true);
  });
});
