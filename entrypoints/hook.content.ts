import { installHook } from '../lib/hook/install';

// MAIN world, before any page script, in every frame. globalName: false keeps
// the bundle from leaving a global variable on the page's window.
export default defineContentScript({
  matches: ['<all_urls>'],
  runAt: 'document_start',
  world: 'MAIN',
  allFrames: true,
  matchAboutBlank: true,
  matchOriginAsFallback: true,
  globalName: false,
  main() {
    installHook(window);
  },
});
