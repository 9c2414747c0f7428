// The Chromium launcher lives in scripts/lib so `npm start` uses the same flags as the tests.
export * from '../../../scripts/lib/chromium';
