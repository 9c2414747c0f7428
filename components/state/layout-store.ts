// Pane sizes and how the panel arranges itself for the room it has. Docked
// at the bottom of the window, DevTools is often 250-350 px high; docked at
// the side, 400-500 px wide. There the event list must keep most of the
// room: when short, the timeline overview folds to a bar (the user may
// unfold it; the choice is remembered); when narrow, the connections list
// becomes a drop-down and the detail pane takes at most half the width.

import { computed, type ReadonlySignal, signal } from '@preact/signals';
import { overviewHeightFor } from '../../lib/timeline/overview';
import type { PanelSettings } from '../settings';
import type { SettingsStore } from './settings-store';

/** Panel heights below this are "short" (DevTools docked at the bottom). */
export const SHORT_BELOW_PX = 420;
/** Panel widths below this are "narrow" (DevTools docked at a side). */
export const NARROW_BELOW_PX = 700;
/** The most of a short panel's height an unfolded overview takes. */
const SHORT_OVERVIEW_SHARE = 0.4;
/** The most of a narrow panel's width the detail pane takes. */
const NARROW_DETAIL_SHARE = 0.5;
const MIN_OVERVIEW_PX = 50;
const MIN_NARROW_DETAIL_PX = 180;

export type Pane = 'sidebar' | 'detail' | 'timeline';

export type PaneSizes = Record<Pane, number>;

const SETTING_OF: Record<Pane, keyof PanelSettings> = {
  sidebar: 'sidebarWidth',
  detail: 'detailWidth',
  timeline: 'timelineHeight',
};

export interface Size {
  width: number;
  height: number;
}

export class LayoutStore {
  /** Pane sizes as shown: they follow a dragged splitter, and are saved when it is let go. */
  readonly sizes;
  /** The panel's size as measured (0 while unknown: then nothing is compact). */
  readonly panel = signal<Size>({ width: 0, height: 0 });
  readonly short: ReadonlySignal<boolean>;
  readonly narrow: ReadonlySignal<boolean>;
  /** The overview is shown at all (a setting). */
  readonly overviewShown: ReadonlySignal<boolean>;
  /** The overview is folded to a bar: only ever in a short panel, by the user's remembered choice. */
  readonly overviewFolded: ReadonlySignal<boolean>;
  /** The detail pane's width. */
  readonly detailWidth: ReadonlySignal<number>;
  /** Whether the connections drop-down (narrow panels) is open. */
  readonly connectionsOpen = signal(false);

  constructor(private readonly settings: SettingsStore) {
    const s = settings.value;
    this.sizes = signal<PaneSizes>({
      sidebar: s.sidebarWidth,
      detail: s.detailWidth,
      timeline: s.timelineHeight,
    });
    this.short = computed(() => {
      const h = this.panel.value.height;
      return h > 0 && h < SHORT_BELOW_PX;
    });
    this.narrow = computed(() => {
      const w = this.panel.value.width;
      return w > 0 && w < NARROW_BELOW_PX;
    });
    this.overviewShown = computed(() => settings.settings.value.showTimeline);
    this.overviewFolded = computed(() => this.short.value && settings.settings.value.foldOverviewWhenShort);
    this.detailWidth = computed(() => {
      const wanted = this.sizes.value.detail;
      if (!this.narrow.value) return wanted;
      const room = Math.floor(this.panel.value.width * NARROW_DETAIL_SHARE);
      return Math.min(wanted, Math.max(MIN_NARROW_DETAIL_PX, room));
    });
  }

  /**
   * The overview's height when unfolded: the size the user chose; in a short
   * panel no more than its lanes need and a share of the height.
   */
  overviewHeight(lanes: number): number {
    const wanted = this.sizes.value.timeline;
    if (!this.short.value) return wanted;
    const room = Math.floor(this.panel.value.height * SHORT_OVERVIEW_SHARE);
    return Math.max(MIN_OVERVIEW_PX, Math.min(wanted, room, overviewHeightFor(lanes)));
  }

  /** The panel was measured. */
  measure(size: Size): void {
    const now = this.panel.peek();
    if (now.width !== size.width || now.height !== size.height) this.panel.value = size;
  }

  /** A splitter moved: the pane follows. */
  resize(pane: Pane, value: number): void {
    this.sizes.value = { ...this.sizes.peek(), [pane]: value };
  }

  /** A splitter was let go: the size is remembered. */
  commit(pane: Pane, value: number): void {
    this.settings.update({ [SETTING_OF[pane]]: value });
  }

  showOverview(shown: boolean): void {
    this.settings.update({ showTimeline: shown });
  }

  /** Folds or unfolds the overview of a short panel; remembered for the next short panel. */
  toggleOverviewFold(): void {
    this.settings.update({ foldOverviewWhenShort: !this.settings.value.foldOverviewWhenShort });
  }

  toggleConnections(): void {
    this.connectionsOpen.value = !this.connectionsOpen.peek();
  }

  closeConnections(): void {
    this.connectionsOpen.value = false;
  }
}
