// One fleet scenario in a fresh process, so its wall time and peak RSS are the engine's alone (the
// emulators run in the parent, bench/fleet.js). Prints one JSON line.
//   node bench/fleet-run.js <seed|sync|apply-rotate|baseline|read-store> <rotor.yaml> [count|store]
import {performance} from 'node:perf_hooks'
import {readFileSync} from 'node:fs'
import {dirname} from 'node:path'

const [scenario, file, countText] = process.argv.slice(2)
const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href)
const {loadConfig} = await dist('src/config/load.js')
const {StoreSet} = await dist('src/engine/stores.js')
const {AuditLog} = await dist('src/audit/index.js')
const {applyChanges} = await dist('src/run/session.js')
const {syncChanges} = await dist('src/run/sync.js')

const config = await loadConfig(file, process.env)
const now = () => new Date()
const stores = new StoreSet(config, {baseDir: dirname(file), env: process.env, now, warn: () => {}})
const audit = await AuditLog.open(config.audit.path, {now})
const outcomes = (report) => {
  const out = {}
  for (const r of report?.results ?? []) out[`${r.action.kind}:${r.outcome}`] = (out[`${r.action.kind}:${r.outcome}`] ?? 0) + 1
  return out
}

/**
 * The main thread's time on a CPU and time spent waiting for one (Linux: /proc schedstat), in ms;
 * undefined elsewhere. Wall time minus both is what the thread spent idle (waiting on the network).
 */
const mainThreadSched = () => {
  try {
    const [onCpu, waiting] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number)
    return {cpuMs: onCpu / 1e6, waitMs: waiting / 1e6}
  } catch {
    return undefined
  }
}

let result
const startCpu = process.cpuUsage()
const startSched = mainThreadSched()
const started = performance.now()
if (scenario === 'seed') {
  const {report, plan} = await applyChanges({config, secrets: config.secrets, stores, audit, now, concurrency: 64})
  result = {actions: plan.actions.length, outcomes: outcomes(report), blocked: plan.blocked.length}
} else if (scenario === 'sync') {
  const {report, plan, drift} = await syncChanges({config, secrets: config.secrets, stores, audit, now})
  result = {actions: plan.actions.length, drifting: drift.filter((d) => d.drift).length, outcomes: outcomes(report), blocked: plan.blocked.length}
} else if (scenario === 'apply-rotate') {
  const count = Number(countText ?? 100)
  const force = new Map(config.secrets.slice(0, count).map((s) => [s.name, {emergency: false}]))
  const {report, plan} = await applyChanges({config, secrets: config.secrets, stores, audit, now, planOptions: {force}, concurrency: 64})
  result = {actions: plan.actions.length, outcomes: outcomes(report), blocked: plan.blocked.length}
} else if (scenario === 'read-store') {
  // One store's part of the no-drift sync's reads alone (bench/fleet.js --per-store): its CPU per call.
  const {readInventory} = await dist('src/engine/inventory.js')
  const only = config.secrets.map((s) => ({...s, targets: s.targets.filter((t) => t.store === countText)}))
  await stores.get(countText)
  const openedMs = performance.now() - started
  const inventory = await readInventory(only, stores)
  let errors = 0
  for (const targets of inventory.values()) for (const t of targets) if (t.error) errors++
  result = {store: countText, errors, openedMs}
} else if (scenario === 'baseline') {
  const {baselineSync} = await import('./fleet-baseline.js')
  result = await baselineSync(config, process.env)
} else {
  throw new Error(`unknown scenario ${scenario}`)
}
const ms = performance.now() - started
const cpu = process.cpuUsage()
const runCpu = process.cpuUsage(startCpu)
const sched = mainThreadSched()
await stores.closeAll()
await audit.close()
process.stdout.write(`${JSON.stringify({scenario, ms, maxRssMb: process.resourceUsage().maxRSS / 1024, cpuMs: (cpu.user + cpu.system) / 1000, runCpuMs: (runCpu.user + runCpu.system) / 1000, ...(sched && startSched ? {runMainThreadCpuMs: sched.cpuMs - startSched.cpuMs, runMainThreadRunQueueMs: sched.waitMs - startSched.waitMs} : {}), ...result})}\n`)
