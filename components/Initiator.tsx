// Where the page started a request (its initiator), as DevTools' Initiator
// column shows it: "longPoll @ seed:9:7". Inside DevTools a click opens the
// line in the Sources panel; where DevTools cannot be asked (a popped-out
// panel, Firefox), the location is text to read or copy.

import type { CallSite } from '../lib/model';

/** The script's file name (or host for "/"), as DevTools names it in the Initiator column. */
export function scriptName(url: string): string {
  try {
    const u = new URL(url);
    const name = u.pathname.split('/').filter(Boolean).pop();
    return name ?? u.host ?? url;
  } catch {
    return url;
  }
}

export function callSiteText(site: CallSite): string {
  const where = `${scriptName(site.url)}:${site.line}:${site.column}`;
  return site.fn ? `${site.fn} @ ${where}` : where;
}

export interface InitiatorProps {
  site: CallSite;
  /** Opens the line in DevTools' Sources panel; absent where that cannot be done. */
  onOpen?: ((site: CallSite) => void) | undefined;
}

export function Initiator({ site, onOpen }: InitiatorProps) {
  const full = `${site.url}:${site.line}:${site.column}`;
  if (!onOpen)
    return (
      <span class="initiator" data-testid="initiator" title={full}>
        {callSiteText(site)}
      </span>
    );
  return (
    <button
      type="button"
      class="link initiator"
      data-testid="initiator"
      title={`Open ${full} in the Sources panel`}
      onClick={() => onOpen(site)}
    >
      {callSiteText(site)}
    </button>
  );
}
