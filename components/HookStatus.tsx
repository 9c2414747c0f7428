// The page hooks' status in the status bar: a one-line summary, each frame's
// counters in its tooltip; a click asks every frame again.

import type { HookStatusStore } from './state/hook-status-store';

export function HookStatus({ store }: { store: HookStatusStore }) {
  const summary = store.summary.value;
  const details = store.details.value;
  return (
    <button
      type="button"
      class={`link hook-status${store.unreachable.value ? ' unreachable' : ''}`}
      data-testid="hook-status"
      title={details}
      aria-label={`${summary}. ${details}`}
      onClick={() => store.refresh()}
    >
      {summary}
    </button>
  );
}
