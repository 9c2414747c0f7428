import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/unit/**/*.test.tsx'],
    environment: 'node',
    // Every core (Vitest leaves one free by default: half the machine here),
    // in worker threads, which start faster than forked processes. Nothing
    // else runs beside the unit tests in `npm test`.
    pool: 'threads',
    maxWorkers: availableParallelism(),
  },
});
