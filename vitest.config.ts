import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // oclif writes to process.stdout directly; vitest must not swallow it.
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default is one worker less than the cores: one worker on a 2-core machine, while
    // most e2e time is a CLI child waiting on fsync or an emulator. Two workers keep both cores busy.
    maxWorkers: 2,
    setupFiles: ['test/support/user-dir-setup.ts'],
  },
})
