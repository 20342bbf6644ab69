// `npm run bench`: start-up cost, planner scale and the fleet benchmark (bench/fleet.js: four cloud
// emulators, 1,000 secrets), measured the same way every time. Prints tables and writes
// bench/results.json and bench/fleet-results.json. Figures, not assertions: tests never time things.
//   npm run bench -- --quick        start-up and planner only
//   npm run bench -- --fleet-only   the fleet benchmark only (add --secrets N for a smaller fleet)
//   npm run bench -- --scan-only    the scan benchmark only (bench/scan.js: 200 MB, 1,000 values)
//   npm run bench -- --aws-plan-only  plan over 5,000 AWS secrets on the emulator (bench/aws-plan.js)
//   npm run bench -- --scale-only   the fleet-scale benchmark only (bench/scale.js; add --sizes 1000,10000)
//   npm run bench -- --package-only start-up, `get` vs the AWS CLI and installed size (bench/package.js)
import {execFileSync, spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {cpus} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const runs = Number(process.env.BENCH_RUNS ?? 15)

function scanBench() {
  const result = spawnSync(process.execPath, [join(root, 'bench/scan.js')], {stdio: 'inherit'})
  if (result.status !== 0) throw new Error(`bench/scan.js exited ${result.status}`)
}
if (process.argv.includes('--scan-only')) {
  scanBench()
  process.exit(0)
}

function awsPlan() {
  const result = spawnSync(process.execPath, [join(root, 'bench/aws-plan.js')], {stdio: 'inherit'})
  if (result.status !== 0) throw new Error(`bench/aws-plan.js exited ${result.status}`)
}
if (process.argv.includes('--aws-plan-only')) {
  awsPlan()
  process.exit(0)
}

const fleetOnly = process.argv.includes('--fleet-only')
function fleet() {
  const extra = process.argv.slice(2).filter((a) => a !== '--fleet-only' && a !== '--quick' && a !== '--scan-only')
  const result = spawnSync(process.execPath, [join(root, 'bench/fleet.js'), ...extra], {stdio: 'inherit'})
  if (result.status !== 0) throw new Error(`bench/fleet.js exited ${result.status}`)
}
if (fleetOnly) {
  fleet()
  process.exit(0)
}
function scale() {
  const extra = process.argv.slice(2).filter((a) => a !== '--scale-only' && a !== '--quick')
  const result = spawnSync(process.execPath, [join(root, 'bench/scale.js'), ...extra], {stdio: 'inherit'})
  if (result.status !== 0) throw new Error(`bench/scale.js exited ${result.status}`)
}
if (process.argv.includes('--scale-only')) {
  scale()
  process.exit(0)
}

// Start-up, `rotor get` vs the AWS CLI and the installed size: bench/package.js, side by side.
function packageBench() {
  const result = spawnSync(process.execPath, [join(root, 'bench/package.js'), '--runs', String(runs)], {stdio: 'inherit'})
  if (result.status !== 0) throw new Error(`bench/package.js exited ${result.status}`)
  return JSON.parse(readFileSync(join(root, 'bench/package-results.json'), 'utf8'))
}
const packageResults = packageBench()
if (process.argv.includes('--package-only')) process.exit(0)
const {bareNodeMs: bare, versionMs: version, statusJsonMs: status} = packageResults.startup

const planRuns = [10_000, 100_000].map((n) => {
  const out = execFileSync(process.execPath, [join(root, 'bench/plan-worker.js'), String(n)], {encoding: 'utf8'})
  return JSON.parse(out)
})

const results = {
  machine: {node: process.version, cpus: cpus().length, runs},
  startup: {
    bareNodeMs: bare,
    versionMs: version,
    versionRatio: version / bare,
    statusJsonMs: status,
    statusJsonRatio: status / bare,
    targets: {versionRatio: 2, statusJsonRatio: 2.5},
  },
  plan: planRuns,
  planScaling: planRuns[1].ms / planRuns[0].ms,
}
writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`)

const f = (x) => x.toFixed(1)
console.log(`node ${process.version}, ${cpus().length} cores, median of ${runs} runs\n`)
console.log('start-up                      ms     ratio to bare node   target')
console.log(`node -e ''               ${f(bare).padStart(7)}`)
console.log(`rotor --version          ${f(version).padStart(7)}     ${f(version / bare).padStart(5)}x              <= 2x`)
console.log(`rotor status --json      ${f(status).padStart(7)}     ${f(status / bare).padStart(5)}x              <= 2.5x`)
console.log('\nplan (pure planner)     secrets    ms      peak RSS MB   actions')
for (const r of planRuns) console.log(`                        ${String(r.n).padStart(7)} ${f(r.ms).padStart(8)} ${f(r.maxRssMb).padStart(10)}   ${r.actions}`)
console.log(`\n100k / 10k time: ${f(results.planScaling)}x (target <= 12x); 100k target < 2000 ms, < 512 MB`)

if (!process.argv.includes('--quick')) {
  fleet()
  scanBench()
  awsPlan()
  scale()
}
