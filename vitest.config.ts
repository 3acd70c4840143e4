import {availableParallelism} from 'node:os'
import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most test files wait on subprocesses (the CLI, `up`, real etcd and kubectl) more than they
    // compute, so one file per core keeps the cores busy; vitest's default (cores - 1) ran the
    // suite one file at a time on a 2-core machine.
    maxWorkers: Math.max(2, availableParallelism()),
    minWorkers: 1,
    reporters: ['default', './test/summary-reporter.ts'],
    // Temporary folders on tmpfs where the machine has one (test/support/memory-temp.ts).
    globalSetup: ['./test/support/memory-temp.ts'],
    // A HOME per test file: kubectl's discovery cache must not carry over from other runs.
    setupFiles: ['./test/support/isolated-home.ts'],
  },
})
