import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type PanelSettings } from '../../../components/settings';
import { LayoutStore, NARROW_BELOW_PX, SHORT_BELOW_PX } from '../../../components/state/layout-store';
import { SettingsStore } from '../../../components/state/settings-store';
import { overviewHeightFor } from '../../../lib/timeline/overview';

function setup(initial: Partial<PanelSettings> = {}) {
  const saved: PanelSettings[] = [];
  const settings = new SettingsStore({ ...DEFAULT_SETTINGS, ...initial }, (s) => saved.push(s));
  return { layout: new LayoutStore(settings), settings, saved };
}

describe('LayoutStore', () => {
  it('is roomy until measured, and at a large size', () => {
    const { layout } = setup();
    expect([layout.short.value, layout.narrow.value, layout.overviewFolded.value]).toEqual([
      false,
      false,
      false,
    ]);
    layout.measure({ width: 1280, height: 800 });
    expect([layout.short.value, layout.narrow.value, layout.overviewFolded.value]).toEqual([
      false,
      false,
      false,
    ]);
    expect(layout.overviewHeight(30)).toBe(DEFAULT_SETTINGS.timelineHeight);
    expect(layout.detailWidth.value).toBe(DEFAULT_SETTINGS.detailWidth);
  });

  it('knows short (docked at the bottom) and narrow (docked at a side) apart', () => {
    const { layout } = setup();
    layout.measure({ width: 1280, height: SHORT_BELOW_PX - 1 });
    expect([layout.short.value, layout.narrow.value]).toEqual([true, false]);
    layout.measure({ width: NARROW_BELOW_PX - 1, height: 900 });
    expect([layout.short.value, layout.narrow.value]).toEqual([false, true]);
    layout.measure({ width: 480, height: 260 });
    expect([layout.short.value, layout.narrow.value]).toEqual([true, true]);
    layout.measure({ width: NARROW_BELOW_PX, height: SHORT_BELOW_PX });
    expect([layout.short.value, layout.narrow.value]).toEqual([false, false]);
  });

  it('folds the overview of a short panel by default; unfolding is remembered', () => {
    const { layout, saved } = setup();
    layout.measure({ width: 1280, height: 260 });
    expect(layout.overviewFolded.value).toBe(true);
    layout.toggleOverviewFold();
    expect(layout.overviewFolded.value).toBe(false);
    expect(saved.at(-1)?.foldOverviewWhenShort).toBe(false);
    // The choice is for short panels only: a roomy panel never folds it.
    const again = setup({ foldOverviewWhenShort: true }).layout;
    again.measure({ width: 1280, height: 800 });
    expect(again.overviewFolded.value).toBe(false);
  });

  it('gives an unfolded overview in a short panel no more than its lanes need or a share of the height', () => {
    const { layout } = setup({ timelineHeight: 300 });
    layout.measure({ width: 1280, height: 260 });
    expect(layout.overviewHeight(2)).toBe(overviewHeightFor(2));
    expect(layout.overviewHeight(50)).toBe(Math.floor(260 * 0.4));
    // Never below a usable minimum.
    layout.measure({ width: 1280, height: 60 });
    expect(layout.overviewHeight(50)).toBe(50);
  });

  it('caps the detail pane to half of a narrow panel', () => {
    const { layout } = setup({ detailWidth: 600 });
    layout.measure({ width: 480, height: 800 });
    expect(layout.detailWidth.value).toBe(240);
    layout.measure({ width: 300, height: 800 });
    expect(layout.detailWidth.value).toBe(180);
    layout.measure({ width: 1280, height: 800 });
    expect(layout.detailWidth.value).toBe(600);
  });

  it('follows a dragged splitter and remembers where it was let go', () => {
    const { layout, saved } = setup();
    layout.resize('sidebar', 300);
    layout.resize('sidebar', 320);
    expect(layout.sizes.value.sidebar).toBe(320);
    expect(saved).toHaveLength(0);
    layout.commit('sidebar', 320);
    layout.commit('timeline', 90);
    layout.commit('detail', 500);
    expect(saved.at(-1)).toMatchObject({ sidebarWidth: 320, timelineHeight: 90, detailWidth: 500 });
  });

  it('opens and closes the connections drop-down', () => {
    const { layout } = setup();
    layout.toggleConnections();
    expect(layout.connectionsOpen.value).toBe(true);
    layout.closeConnections();
    expect(layout.connectionsOpen.value).toBe(false);
  });

  it('turns the overview off and on as a setting', () => {
    const { layout, saved } = setup();
    layout.showOverview(false);
    expect(layout.overviewShown.value).toBe(false);
    expect(saved.at(-1)?.showTimeline).toBe(false);
  });
});
