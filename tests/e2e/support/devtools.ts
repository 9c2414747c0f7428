// The DevTools driver lives in scripts/lib so `npm start` selects the panel the same way the tests do.
export * from '../../../scripts/lib/devtools';
