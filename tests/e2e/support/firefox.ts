// The Firefox launcher lives in scripts/lib so `npm start -- --firefox` uses the
// same setup as the tests.
export * from '../../../scripts/lib/firefox';
