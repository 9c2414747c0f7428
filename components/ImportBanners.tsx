// Banners under the toolbar: why an import failed, and that an imported file
// (read-only) is shown instead of the live capture.

import type { ImportedTimeline } from './state/transfer-store';

export interface ImportBannersProps {
  error: string | null;
  onDismissError(): void;
  imported: ImportedTimeline | null;
  onLeave(): void;
}

export function ImportBanners({ error, onDismissError, imported, onLeave }: ImportBannersProps) {
  return (
    <>
      {error && (
        <div class="banner error" role="alert">
          {error}
          <button type="button" aria-label="Dismiss import error" onClick={onDismissError}>
            ✕
          </button>
        </div>
      )}
      {imported && (
        <div class="banner info" role="status">
          Viewing imported file {imported.name} (read-only).
          {imported.note && <span class="muted"> {imported.note}</span>}
          <button type="button" onClick={onLeave}>
            Back to live capture
          </button>
        </div>
      )}
    </>
  );
}
