// The cloud emulators for the benchmarks. They are TypeScript under test/: compile them once,
// outside dist/ (which is published), and import the compiled modules.
import {execFileSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

/** `import()` of one compiled emulator module, e.g. `emulator('aws/server.js')`. */
export function compileEmulators() {
  // Inside this checkout (tmp/ is git-ignored), not node_modules/.cache: node_modules may be
  // shared by several checkouts, whose benches would then load each other's emulators. Packages
  // still resolve from here, through the checkout's node_modules.
  const out = join(root, 'tmp/bench-emulators')
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'bench/tsconfig.emulators.json'), '--outDir', join(out, 'emulators')], {stdio: 'inherit'})
  mkdirSync(out, {recursive: true})
  writeFileSync(join(out, 'package.json'), '{"type": "module"}\n')
  return (path) => import(join(out, 'emulators', path))
}
