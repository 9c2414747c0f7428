// The bar a compact panel shows above the event list, in place of what it
// has no room for: the connections list as a drop-down (narrow panel) and a
// toggle that folds or unfolds the timeline overview (short panel).

import type { ComponentChildren } from 'preact';

export interface ViewBarProps {
  /** The connections list and what goes with it; shown as a drop-down when given. */
  connections: ComponentChildren | null;
  /** Title of the entry the list is narrowed to (null: all connections). */
  connectionTitle: string | null;
  connectionsOpen: boolean;
  onToggleConnections(): void;
  /** Null when the overview is not offered (not short, or turned off in settings). */
  overviewFolded: boolean | null;
  onToggleOverview(): void;
}

export function ViewBar(p: ViewBarProps) {
  return (
    <div class="viewbar">
      {p.connections !== null && (
        <div class="conn-dropdown-wrap">
          <button
            type="button"
            class="conn-dropdown-button"
            aria-expanded={p.connectionsOpen}
            aria-controls="conn-dropdown"
            title="Choose the connection the list shows"
            onClick={p.onToggleConnections}
          >
            <span class="muted">Connection:</span>{' '}
            <span class="conn-current">{p.connectionTitle ?? 'All'}</span> ▾
          </button>
          {/* Kept in the page while closed (hidden), so what it lists is still there to find. */}
          <div class="conn-dropdown" id="conn-dropdown" hidden={!p.connectionsOpen}>
            {p.connections}
          </div>
        </div>
      )}
      {p.overviewFolded !== null && (
        <button
          type="button"
          class="overview-toggle"
          aria-label="Timeline overview"
          aria-expanded={!p.overviewFolded}
          title={p.overviewFolded ? 'Show the timeline overview' : 'Fold the timeline overview away'}
          onClick={p.onToggleOverview}
        >
          {p.overviewFolded ? '▸' : '▾'} <span class="roomy-only">Timeline </span>overview
        </button>
      )}
    </div>
  );
}
