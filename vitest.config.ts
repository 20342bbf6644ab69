import {readdirSync, readFileSync} from 'node:fs'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import {defineConfig} from 'vitest/config'
import {BaseSequencer, type TestSpecification} from 'vitest/node'

const root = fileURLToPath(new URL('.', import.meta.url))

/**
 * Tests that run in-process (unit, provider and conformance tests) share their workers' module
 * cache: no new process and no fresh import of rotor and the SDKs for every file (in isolation,
 * half of their CPU time). A file that replaces a module or a global for its own tests (vi.mock,
 * vi.stubGlobal, fake timers, a module reset) would leak that into the files after it: it runs isolated, found
 * here by reading the files, so a new one needs no entry in this config. Tests of the built CLI
 * (test/e2e, test/fault) keep one process per file.
 */
const SHARED_DIRS = ['test/unit', 'test/providers', 'test/conformance']
const REPLACES_GLOBALS = /\bvi\.(mock|doMock|stubGlobal|stubEnv|useFakeTimers|resetModules)\(/

function testFiles(dir: string): string[] {
  return readdirSync(join(root, dir), {recursive: true, encoding: 'utf8'})
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => `${dir}/${name.split(sep).join('/')}`)
}
const shared = SHARED_DIRS.flatMap(testFiles).filter((file) => !REPLACES_GLOBALS.test(readFileSync(join(root, file), 'utf8')))

/**
 * Longest first, so that no long file starts last while the other worker idles. Without vitest's
 * cache of durations (a fresh CI checkout) its default order is by file size, which runs the
 * crash matrices (short files, the longest runs: a whole rotation per kill point) last. Coarse
 * ranks by kind of test, then vitest's own order (cached duration, else size) within a rank.
 */
function rank(file: string): number {
  if (file.startsWith('test/fault/crash-matrix')) return 0
  if (file.startsWith('test/e2e/') || file.startsWith('test/fault/')) return 1
  if (file.startsWith('test/providers/') || file.startsWith('test/conformance/')) return 2
  return 3
}

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const rankOf = (spec: TestSpecification) => rank(relative(root, spec.moduleId).split(sep).join('/'))
    return sorted.map((spec, i) => ({spec, i, r: rankOf(spec)})).sort((a, b) => a.r - b.r || a.i - b.i).map(({spec}) => spec)
  }
}

export default defineConfig({
  test: {
    // oclif writes to process.stdout directly; vitest must not swallow it.
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default is one worker less than the cores: one worker on a 2-core machine, while
    // most e2e time is a CLI child waiting on fsync or an emulator. Two workers keep both cores busy.
    maxWorkers: 2,
    setupFiles: ['test/support/user-dir-setup.ts'],
    sequence: {sequencer: LongestFirst},
    projects: [
      {extends: true, test: {name: 'shared', include: shared, isolate: false}},
      {extends: true, test: {name: 'isolated', include: ['test/**/*.test.ts'], exclude: shared}},
    ],
  },
})
