// `npm run bench`: start-up cost, planner scale and the fleet benchmark (bench/fleet.js: four cloud
// emulators, 1,000 secrets), measured the same way every time. Prints tables and writes
// bench/results.json and bench/fleet-results.json. Figures, not assertions: tests never time things.
//   npm run bench -- --quick        start-up and planner only
//   npm run bench -- --fleet-only   the fleet benchmark only (add --secrets N for a smaller fleet)
//   npm run bench -- --scan-only    the scan benchmark only (bench/scan.js: 200 MB, 1,000 values)
//   npm run bench -- --aws-plan-only  plan over 5,000 AWS secrets on the emulator (bench/aws-plan.js)
//   npm run bench -- --scale-only   the fleet-scale benchmark only (bench/scale.js; add --sizes 1000,10000)
import {execFileSync, spawnSync} from 'node:child_process'
import {cpSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'bin/run.js')
const runs = Number(process.env.BENCH_RUNS ?? 15)

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
function timeCommand(args, cwd) {
  const samples = []
  for (let i = 0; i < runs + 2; i++) {
    const started = performance.now()
    const result = spawnSync(process.execPath, args, {cwd, stdio: 'ignore', env: {...process.env, NO_COLOR: '1'}})
    const ms = performance.now() - started
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`)
    if (i >= 2) samples.push(ms) // two warm-up runs fill the OS file cache
  }
  return median(samples)
}

function scanBench() {
  const result = spawnSync(process.execPath, [join(root, 'bench/scan.js')], {stdio: 'inherit'})
  if (result.status !== 0) throw new Error(`bench/scan.js exited ${result.status}`)
}
if (process.argv.includes('--scan-only')) {
  scanBench()
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

const work = mkdtempSync(join(tmpdir(), 'rotor-bench-'))
cpSync(join(root, 'examples/quickstart.yaml'), join(work, 'rotor.yaml'))
execFileSync(process.execPath, [bin, 'apply', '--yes'], {cwd: work, stdio: 'ignore'})

const bare = timeCommand(['-e', ''], work)
const version = timeCommand([bin, '--version'], work)
const status = timeCommand([bin, 'status', '--json'], work)
rmSync(work, {recursive: true, force: true})

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
    targets: {versionRatio: 2.5, statusJsonRatio: 3},
  },
  plan: planRuns,
  planScaling: planRuns[1].ms / planRuns[0].ms,
}
writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`)

const f = (x) => x.toFixed(1)
console.log(`node ${process.version}, ${cpus().length} cores, median of ${runs} runs\n`)
console.log('start-up                      ms     ratio to bare node   target')
console.log(`node -e ''               ${f(bare).padStart(7)}`)
console.log(`rotor --version          ${f(version).padStart(7)}     ${f(version / bare).padStart(5)}x              <= 2.5x`)
console.log(`rotor status --json      ${f(status).padStart(7)}     ${f(status / bare).padStart(5)}x              <= 3x`)
console.log('\nplan (pure planner)     secrets    ms      peak RSS MB   actions')
for (const r of planRuns) console.log(`                        ${String(r.n).padStart(7)} ${f(r.ms).padStart(8)} ${f(r.maxRssMb).padStart(10)}   ${r.actions}`)
console.log(`\n100k / 10k time: ${f(results.planScaling)}x (target <= 12x); 100k target < 2000 ms, < 512 MB`)

if (!process.argv.includes('--quick')) {
  fleet()
  scanBench()
  awsPlan()
  scale()
}
