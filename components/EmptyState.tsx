// What the panel says when there is nothing to list, and what to do about it.

export type EmptyKind = 'no-tab' | 'no-traffic' | 'paused' | 'no-match' | 'no-patterns' | 'empty-import';

export interface EmptyStateProps {
  kind: EmptyKind;
  onReload?: () => void;
  onResetFilters?: () => void;
}

export function EmptyState({ kind, onReload, onResetFilters }: EmptyStateProps) {
  const clearFilters = onResetFilters && (
    <button type="button" onClick={onResetFilters}>
      Clear all filters
    </button>
  );
  return (
    <div class="empty" role="status" data-testid="empty" data-kind={kind}>
      {kind === 'no-tab' && (
        <>
          <h3>Not attached to a tab</h3>
          <p>
            Open Wirescope from the browser's DevTools (the “Wirescope” tab), or open this page as{' '}
            <code>panel.html?tabId=N</code> to attach it to tab N.
          </p>
        </>
      )}
      {kind === 'no-traffic' && (
        <>
          <h3>No realtime traffic captured yet</h3>
          <p>
            Wirescope records WebSocket, XHR, fetch and EventSource traffic from page load. Connections opened
            before Wirescope was installed or enabled are not visible: reload the page to capture them.
          </p>
          {onReload && (
            <p>
              <button type="button" onClick={onReload}>
                Reload page
              </button>
            </p>
          )}
          <p class="muted">
            Not in the timeline: sockets and requests made inside Web Workers, SharedWorkers and Service
            Workers. Wirescope hooks the page's own window, and workers run in contexts a page hook cannot
            reach. In Chrome's DevTools, the ones DevTools' network log saw are listed apart, under "Seen only
            by DevTools".
          </p>
        </>
      )}
      {kind === 'paused' && (
        <>
          <h3>Recording is paused</h3>
          <p>Press the record button in the toolbar to capture traffic again.</p>
        </>
      )}
      {kind === 'no-match' && (
        <>
          <h3>No events match the filters</h3>
          <p>
            Change the filter text, the transport and direction toggles, the selected connection or the time
            range.
          </p>
          {clearFilters}
        </>
      )}
      {kind === 'no-patterns' && (
        <>
          <h3>No long-poll or polling channels detected yet</h3>
          <p>
            A channel appears once the same endpoint has been requested in a loop three times. Turn off
            “Patterns only” to see all traffic.
          </p>
          {clearFilters}
        </>
      )}
      {kind === 'empty-import' && (
        <>
          <h3>The imported file holds no events</h3>
          <p>Go back to the live capture with the button above, or import another file.</p>
        </>
      )}
    </div>
  );
}
