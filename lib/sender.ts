// Who is on the other end of a port: only the extension's own panel may
// issue commands (and link to a relay). A port's `sender` is filled in by the
// browser, not by whoever opened the port, so it cannot be forged; a page
// cannot open a port to the relay or the background at all (no
// externally_connectable, and runtime.onConnect in content scripts and the
// background hears only this extension), so this check is the second wall:
// it keeps every other context of the extension (a content script in any
// frame, another extension page) from acting as the panel.

/** The fields of runtime.MessageSender this check reads (Chrome and Firefox). */
export interface PortSender {
  id?: string;
  url?: string;
  /** Chrome only. */
  origin?: string;
  tab?: unknown;
}

/** This extension: its id and the base of its pages' URLs (runtime.getURL('/'), with the trailing slash). */
export interface OwnExtension {
  id: string;
  base: string;
}

/** The panel's page, relative to the extension's base (DevTools and popped out alike). */
export const PANEL_PAGE = 'panel.html';

/**
 * Whether a port was opened by this extension's panel page: the sender is this
 * extension, and the page is panel.html under this extension's own origin. A
 * content script (this extension's relay in any frame) has the page's URL,
 * never one under the extension's origin, and always a `tab`. Chrome gives a
 * port the panel opened with tabs.connect no `tab`, docked or popped out, so
 * there a `tab` is refused too; Firefox gives the popped-out panel's
 * runtime.connect the tab it is shown in (`tabAllowed`), and the URL decides.
 */
export function isOwnPanel(
  sender: PortSender | undefined,
  own: OwnExtension,
  options: { tabAllowed?: boolean } = {},
): boolean {
  if (!sender || typeof sender.id !== 'string' || sender.id !== own.id) return false;
  if (sender.tab !== undefined && !options.tabAllowed) return false;
  if (!own.base.endsWith('/') || typeof sender.url !== 'string' || !sender.url.startsWith(own.base))
    return false;
  const rest = sender.url.slice(own.base.length);
  const end = rest.search(/[?#]/);
  if ((end === -1 ? rest : rest.slice(0, end)) !== PANEL_PAGE) return false;
  // Chrome also names the sender's origin; where it does, it must be the extension's.
  return sender.origin === undefined || sender.origin === own.base.slice(0, -1);
}
