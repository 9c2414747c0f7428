import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';

// Firefox add-on id: required by web-ext lint for MV3 and stable across installs.
const GECKO_ID = 'wirescope@wirescope.dev';

export default defineConfig({
  // WIRESCOPE_OUT_DIR lets parallel builds (e.g. several checkouts' test runs) not clobber each other.
  outDir: process.env.WIRESCOPE_OUT_DIR ?? '.output',
  modules: ['@wxt-dev/webextension-polyfill'],
  vite: () => ({ plugins: [preact()] }),
  // The Firefox sources zip (for add-on review) holds what builds the add-on, not local test output.
  zip: { excludeSources: ['test-results/**', 'artifacts/**', '**/*.log'] },
  manifest: ({ browser }) => ({
    name: 'Wirescope',
    description:
      'One realtime timeline of WebSocket, XHR, fetch, EventSource and polling traffic, in a DevTools panel, with JSON export.',
    // storage: panel settings (payload cap, preserve log, filters) survive restarts.
    permissions: ['storage'],
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: GECKO_ID,
              strict_min_version: '140.0',
              data_collection_permissions: { required: ['none'] },
            },
            // Firefox for Android reads data_collection_permissions from 142 on. (It has no
            // DevTools, so the panel never shows there; the range only keeps the manifest valid.)
            gecko_android: { strict_min_version: '142.0' },
          },
        }
      : {}),
  }),
});
