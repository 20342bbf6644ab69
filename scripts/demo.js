// `npm run demo`: rotor's main job on the embedded file store, then what it did. No cloud, no setup.
// State goes to examples/.rotor/ (git-ignored); run it again to see an idempotent second run.
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const config = 'examples/quickstart.yaml'
const steps = [
  ['plan', '--config', config],
  ['apply', '--yes', '--config', config],
  ['status', '--config', config],
  ['audit', 'verify', '--config', config],
]
for (const args of steps) {
  process.stdout.write(`\n$ rotor ${args.join(' ')}\n`)
  const result = spawnSync(process.execPath, ['bin/run.js', ...args], {cwd: root, stdio: 'inherit'})
  if (result.status !== 0) process.exit(result.status ?? 1)
}
process.stdout.write('\nDone. Try: bin/run.js rotate payments-api --config examples/quickstart.yaml --yes\n')
