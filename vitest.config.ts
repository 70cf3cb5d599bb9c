import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property runs are CPU-bound; two forks match the two cores the project's machines have.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests must leave no open handles: a dangling socket or timer fails the run instead of hanging it.
    teardownTimeout: 10_000,
    // The JSON report lets .ci/run print one closing line of counts that any CI can read.
    reporters: ['default', ['json', { outputFile: 'artifacts/vitest.json' }]],
  },
});
