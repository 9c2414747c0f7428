// The panel's view state: small stores, each about one thing, made once per
// panel. Components read their signals; the App shell wires them together.

import type { Timers } from '../../lib/timers';
import type { PanelSettings } from '../settings';
import { FilterStore } from './filter-store';
import { FindingsStore } from './findings-store';
import { LayoutStore } from './layout-store';
import { RowsStore } from './rows-store';
import { SelectionStore } from './selection-store';
import { SettingsStore } from './settings-store';
import { StatusStore } from './status-store';
import { TransferStore } from './transfer-store';

export interface ViewState {
  settings: SettingsStore;
  filter: FilterStore;
  findings: FindingsStore;
  selection: SelectionStore;
  layout: LayoutStore;
  rows: RowsStore;
  transfer: TransferStore;
  status: StatusStore;
}

export function createViewState(
  initial: PanelSettings,
  persist: (s: PanelSettings) => void,
  timers?: Timers,
): ViewState {
  const settings = new SettingsStore(initial, persist);
  return {
    settings,
    filter: new FilterStore(settings, timers),
    findings: new FindingsStore(),
    selection: new SelectionStore(),
    layout: new LayoutStore(settings),
    rows: new RowsStore(),
    transfer: new TransferStore(),
    status: new StatusStore(),
  };
}
