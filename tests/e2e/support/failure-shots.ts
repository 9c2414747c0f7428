// Browsers that are not traced by Playwright (Firefox, driven by puppeteer)
// register here how to screenshot their pages, so a failing test leaves
// screenshots of them too (support/test.ts).

/** Screenshots every page of one browser; `pathFor(name)` gives the file for a name. */
export type Screenshotter = (pathFor: (name: string) => string) => Promise<void>;

export const screenshotters = new Set<Screenshotter>();
