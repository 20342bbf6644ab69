// The fleet benchmark: the four cloud emulators with 25 ms of latency on every call, 1,000 secrets
// each with a target in AWS (primary), Azure, GCP and Vault. Scenarios: `sync` with nothing to do,
// `sync` with 5% drift, `apply` rotating 100 secrets, and the same no-drift sync done by a plain
// script that calls each SDK one secret at a time. Each scenario runs in a fresh process
// (bench/fleet-run.js); API calls are counted by the emulators.
//   node bench/fleet.js [--secrets N] [--no-baseline] [--no-drift-only] [--per-store [stores]]   (needs `npm run build` first;
//   scripts/bench.js does it; --no-drift-only: seed and the no-drift sync only, e.g. to profile it)
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {compileEmulators} from './emulators.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const argAfter = (flag, fallback) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : fallback)
const SECRETS = Number(argAfter('--secrets', process.env.BENCH_FLEET_SECRETS ?? 1000))
const LATENCY_MS = 25
const DRIFT = 0.05
const ROTATE = Math.max(1, Math.round(SECRETS / 10))

const emu = compileEmulators()
const {startAwsEmulator} = await emu('aws/server.js')
const {startAzureEmulator, EMULATOR_TOKEN} = await emu('azure/server.js')
const {startGcpEmulator} = await emu('gcp/server.js')
const {startVaultEmulator} = await emu('vault/index.js')

const CREDENTIALS = {accessKeyId: 'AKIAROTORBENCH000001', secretAccessKey: 'rotor-bench-secret-key'}
const aws = await startAwsEmulator({credentials: [CREDENTIALS]})
const azure = await startAzureEmulator({})
// Writes are paced by rotor under its own configured quota; the emulator must not refuse them.
const gcp = await startGcpEmulator({writeQuotaPerMinute: 1e9})
const vault = await startVaultEmulator({})

// The limits rotor paces itself under in this run. AWS and Azure: the documented quotas (rotor's
// defaults). GCP: the documented 600 metadata reads a minute would make one pass over 1,000
// secrets take over three minutes, so the bench raises it as a project with a raised quota would
// (production keeps the documented default). Vault: set by its operators; these are the bench's.
const QUOTAS = {
  aws: {readPerSec: 5000, writePerSec: 50, concurrency: 32},
  azure: {readPerSec: 400, writePerSec: 30, concurrency: 16},
  gcp: {readPerSec: 1000, writePerSec: 1000, concurrency: 16, documentedReadPerSec: 10, documentedWritePerSec: 10},
  vault: {readPerSec: 1000, writePerSec: 200, concurrency: 16},
}

const work = mkdtempSync(join(tmpdir(), 'rotor-fleet-'))
writeFileSync(join(work, 'ca.pem'), azure.ca)
const name = (i) => `fleet-s${String(i).padStart(4, '0')}`
const lines = [
  'version: 1',
  'audit: {path: .rotor/audit.log}',
  'stores:',
  `  aws: {type: aws, region: ${aws.region}, endpoint: "${aws.endpoint}"}`,
  `  azure: {type: azure, vaultUrl: "${azure.vaultUrl}", disableChallengeResourceVerification: true, pollIntervalMs: 10}`,
  `  gcp: {type: gcp, project: rotor-bench, endpoint: "${gcp.endpoint}:${gcp.port}", insecure: true, rateLimit: {readsPerMinute: ${QUOTAS.gcp.readPerSec * 60}, writesPerMinute: ${QUOTAS.gcp.writePerSec * 60}, concurrency: ${QUOTAS.gcp.concurrency}}}`,
  `  vault: {type: vault, address: "${vault.address}", rateLimit: {readsPerSecond: ${QUOTAS.vault.readPerSec}, writesPerSecond: ${QUOTAS.vault.writePerSec}, concurrency: ${QUOTAS.vault.concurrency}}}`,
  'secrets:',
]
for (let i = 0; i < SECRETS; i++) {
  const n = name(i)
  lines.push(`  ${n}: {maxAge: 90d, grace: 24h, targets: ["aws:${n}", "azure:${n}", "gcp:${n}", "vault:${n}"]}`)
}
writeFileSync(join(work, 'rotor.yaml'), `${lines.join('\n')}\n`)
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AZURE_KEYVAULT_ACCESS_TOKEN: EMULATOR_TOKEN,
  VAULT_TOKEN: vault.rootToken,
  ROTOR_CONFIG: join(work, 'rotor.yaml'),
  // Trust the emulator's certificate the way a production host trusts Azure's: through the
  // process's trust store, not the store's `caFile` (which makes the SDK hand the whole CA bundle
  // to every request, a cost production does not have).
  NODE_EXTRA_CA_CERTS: join(work, 'ca.pem'),
}
delete env.NODE_OPTIONS

const READS = {
  aws: new Set(['DescribeSecret', 'ListSecretVersionIds', 'GetSecretValue', 'BatchGetSecretValue', 'ListSecrets']),
  azure: new Set(['GetSecret', 'GetSecretVersions', 'GetSecrets', 'GetDeletedSecret', 'GetDeletedSecrets']),
  gcp: new Set(['GetSecret', 'ListSecretVersions', 'AccessSecretVersion', 'GetSecretVersion', 'ListSecrets']),
}
function counters() {
  const split = (kind, calls) => {
    let reads = 0
    let writes = 0
    for (const [op, n] of Object.entries(calls)) {
      if (READS[kind].has(op)) reads += n
      else writes += n
    }
    return {reads, writes, byOperation: {...calls}}
  }
  const vaultOps = {}
  let vaultReads = 0
  for (const call of vault.calls) {
    const op = `${call.method} ${call.path.replace(/^(\/?(?:v1\/)?secret\/(?:data|metadata|delete|destroy|undelete)\/).*/, '$1*')}`
    vaultOps[op] = (vaultOps[op] ?? 0) + 1
    if (call.method === 'GET' || call.method === 'LIST') vaultReads++
  }
  return {
    aws: split('aws', aws.calls),
    azure: split('azure', azure.calls),
    gcp: split('gcp', gcp.calls),
    vault: {reads: vaultReads, writes: vault.calls.length - vaultReads, byOperation: vaultOps},
  }
}
const minus = (after, before) =>
  Object.fromEntries(
    Object.keys(after).map((store) => {
      const ops = {}
      for (const [op, n] of Object.entries(after[store].byOperation)) if (n - (before[store].byOperation[op] ?? 0) > 0) ops[op] = n - (before[store].byOperation[op] ?? 0)
      return [store, {reads: after[store].reads - before[store].reads, writes: after[store].writes - before[store].writes, calls: after[store].reads + after[store].writes - before[store].reads - before[store].writes, byOperation: ops}]
    }),
  )

// When each store saw its first and last call (ms since the scenario started): which store ends last.
const spans = {}
const mark = (store) => {
  const t = performance.now()
  const span = (spans[store] ??= {firstMs: t, lastMs: t})
  span.lastMs = t
}
aws.beforeOperation = () => mark('aws')
azure.beforeOperation = () => mark('azure')
gcp.beforeOperation = () => mark('gcp')

function latency(ms) {
  aws.faults.set('*', {latencyMs: ms})
  azure.faults.set('*', {latencyMs: ms})
  gcp.faults.set('*', {latencyMs: ms})
  vault.faults.latencyMs = ms
}

/** The bound no client can beat: per store, calls over allowed concurrency times latency, or the quota. */
function lowerBound(calls, {sequential = false} = {}) {
  const perStore = {}
  // One call at a time across every store: the bound is the sum of all calls' latency.
  if (sequential) {
    const total = Object.values(calls).reduce((n, c) => n + c.calls, 0) * LATENCY_MS
    return {ms: total, perStore: Object.fromEntries(Object.entries(calls).map(([store, c]) => [store, c.calls * LATENCY_MS]))}
  }
  for (const [store, c] of Object.entries(calls)) {
    const q = QUOTAS[store]
    const concurrency = sequential ? 1 : q.concurrency
    // A listing's pages follow one another: each needs the previous page's token.
    const byLatency = Math.max((c.calls / concurrency) * LATENCY_MS, (c.sequentialPages ?? 0) * LATENCY_MS)
    const byQuota = Math.max((c.reads / q.readPerSec) * 1000, (c.writes / q.writePerSec) * 1000)
    perStore[store] = Math.max(byLatency, byQuota)
  }
  return {ms: Math.max(...Object.values(perStore)), perStore}
}

/**
 * The fewest calls each store's API allows for a fresh, complete read of N secrets (what a sync
 * with nothing to do must make; docs/decisions.md, "Bulk inventory: the minimum calls"). The bound
 * of that scenario comes from these, not from the calls rotor made, so a rotor that makes more
 * calls than it needs cannot raise its own bound.
 * - AWS: ListSecrets pages (100 a page, one after another) for tags and labels, plus one
 *   ListSecretVersionIds a secret (the listing lags up to five minutes and has no version dates).
 * - Azure: one GetSecretVersions a secret. A listing shows only the latest version's attributes and
 *   tags; roles come from the order and state of every version (previous, strays).
 * - GCP: ListSecrets pages (25,000 a page) for aliases and annotations, plus one
 *   ListSecretVersions a secret (version states are not in the Secret resource).
 * - Vault: one metadata read a secret (LIST gives only key names), plus the mount's KV-version
 *   preflight.
 */
function minimumReads(secrets) {
  const pages = (perPage) => Math.ceil(secrets / perPage)
  return {
    aws: {reads: pages(100) + secrets, writes: 0, calls: pages(100) + secrets, sequentialPages: pages(100)},
    azure: {reads: secrets, writes: 0, calls: secrets, sequentialPages: 0},
    gcp: {reads: pages(25_000) + secrets, writes: 0, calls: pages(25_000) + secrets, sequentialPages: pages(25_000)},
    vault: {reads: secrets + 1, writes: 0, calls: secrets + 1, sequentialPages: 0},
  }
}

async function scenario(label, args, {minimum} = {}) {
  const before = counters()
  for (const store of Object.keys(spans)) delete spans[store]
  const spawned = performance.now()
  const parentCpu = process.cpuUsage()
  const child = await new Promise((resolve, reject) => {
    // Async spawn: the emulators in this process must keep answering while the child runs.
    const proc = spawnChild(args)
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (d) => (stdout += d))
    proc.stderr.on('data', (d) => (stderr += d))
    proc.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').at(-1))) : reject(new Error(`${label} exited ${code}\n${stderr}`))))
  })
  const calls = minus(counters(), before)
  const emulatorCpu = process.cpuUsage(parentCpu)
  child.emulatorCpuMs = (emulatorCpu.user + emulatorCpu.system) / 1000
  const bound = lowerBound(minimum ?? calls, {sequential: args[0] === 'baseline'})
  const extra = minimum ? Object.fromEntries(Object.keys(minimum).map((store) => [store, calls[store].calls - minimum[store].calls])) : undefined
  // From the process's spawn (its start-up, config load and store opening come first).
  const storeSpansMs = Object.fromEntries(Object.entries(spans).map(([store, span]) => [store, {first: Math.round(span.firstMs - spawned), last: Math.round(span.lastMs - spawned)}]))
  return {label, ...child, calls, storeSpansMs, ...(minimum ? {minimumCalls: minimum, extraCalls: extra} : {}), lowerBoundMs: bound.ms, lowerBoundPerStoreMs: bound.perStore, ratio: child.ms / bound.ms}
}

// BENCH_NODE_FLAGS: extra node flags for the scenario processes (e.g. to measure a V8 setting).
const spawnChild = (args) => spawn(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []), ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), join(root, 'bench/fleet-run.js'), args[0], join(work, 'rotor.yaml'), ...args.slice(1)], {cwd: work, env, stdio: ['ignore', 'pipe', 'pipe']})

/** 5% of the secrets drift, on a non-primary target each, in three ways another tool would cause. */
async function injectDrift() {
  const drifting = Math.round(SECRETS * DRIFT)
  const kinds = {'azure: value written by hand (no rotation id)': 0, 'gcp: secret deleted': 0, 'vault: value written by hand (no rotation id)': 0}
  const azureSecrets = new Map([...azure.state.secrets.values()].map((secret) => [secret.name, secret]))
  for (let i = 0; i < drifting; i++) {
    const n = name(SECRETS - 1 - i)
    const kind = i % 3
    if (kind === 0) {
      // As the portal would: a new version carrying the secret's tags but not rotor's per-version ones.
      const {'rotor-rotation': _rotation, 'rotor-seq': _seq, ...tags} = azureSecrets.get(n).versions.at(-1).tags ?? {}
      azure.state.set(n, {value: `changed-by-hand-${i}`, tags})
    } else if (kind === 1) {
      if (!gcp.state.secrets.delete(`projects/rotor-bench/secrets/${n}`)) throw new Error(`gcp: no secret ${n}`)
    } else {
      const response = await fetch(`${vault.address}/v1/secret/data/${n}`, {method: 'POST', headers: {'x-vault-token': vault.rootToken}, body: JSON.stringify({data: {value: `changed-by-hand-${i}`}})})
      if (!response.ok) throw new Error(`vault write: ${response.status}`)
    }
    kinds[Object.keys(kinds)[kind]]++
  }
  return {drifting, kinds}
}

// `--no-drift-only`: seed and the no-drift sync, nothing else (profiling one scenario).
const SKIP_REST = Symbol('skip the remaining scenarios')
const report = {secrets: SECRETS, targets: SECRETS * 4, latencyMs: LATENCY_MS, quotas: QUOTAS, scenarios: []}
try {
  latency(0)
  const seeded = await scenario('seed (no latency, not reported)', ['seed'])
  if (seeded.outcomes['create:ok'] !== SECRETS) throw new Error(`seeding failed: ${JSON.stringify(seeded.outcomes)}`)
  latency(LATENCY_MS)
  // `--per-store [aws,gcp]` with a list: those stores' reads alone, and no scenario.
  const onlyStores = argAfter('--per-store', '')
  const perStore = /^[a-z,]+$/.test(onlyStores) ? onlyStores.split(',') : undefined
  if (!perStore) report.scenarios.push(await scenario('sync, nothing differs', ['sync'], {minimum: minimumReads(SECRETS)}))
  if (process.argv.includes('--per-store')) {
    // Each store's reads of the no-drift sync alone, in a process of its own: CPU per store.
    report.perStore = {}
    for (const store of perStore ?? ['aws', 'azure', 'gcp', 'vault']) {
      const s = await scenario(`read ${store} alone`, ['read-store', store])
      report.perStore[store] = {ms: s.ms, runCpuMs: s.runCpuMs, runMainThreadCpuMs: s.runMainThreadCpuMs, runMainThreadRunQueueMs: s.runMainThreadRunQueueMs, emulatorCpuMs: s.emulatorCpuMs, openedMs: s.openedMs, calls: s.calls[store].calls, cpuUsPerCall: (s.runCpuMs * 1000) / s.calls[store].calls, errors: s.errors}
    }
  }
  if (process.argv.includes('--no-drift-only') || perStore) throw SKIP_REST
  latency(0)
  report.drift = await injectDrift()
  latency(LATENCY_MS)
  report.scenarios.push(await scenario(`sync, ${DRIFT * 100}% drift`, ['sync']))
  report.scenarios.push(await scenario(`apply rotating ${ROTATE} secrets`, ['apply-rotate', String(ROTATE)]))
  if (!process.argv.includes('--no-baseline')) report.scenarios.push(await scenario('baseline script, nothing differs (one SDK call at a time)', ['baseline']))
} catch (error) {
  if (error !== SKIP_REST) throw error
} finally {
  await Promise.allSettled([aws.close(), azure.close(), gcp.close(), vault.close()])
  rmSync(work, {recursive: true, force: true})
}

const gcpReads = report.scenarios[0]?.calls.gcp.reads ?? 0
report.gcpDocumentedQuotaBoundMs = (gcpReads / QUOTAS.gcp.documentedReadPerSec) * 1000
if (report.scenarios.length > 0) writeFileSync(join(root, 'bench/fleet-results.json'), `${JSON.stringify(report, null, 2)}\n`)

const f = (x, d = 1) => x.toFixed(d)
const say = (line = '') => process.stdout.write(`${line}\n`)
say(`\nfleet: ${SECRETS} secrets x 4 stores (primary aws; azure, gcp, vault), ${LATENCY_MS} ms per call`)
say('scenario                                          wall s   bound s  ratio  peak RSS MB  calls aws/azure/gcp/vault')
for (const s of report.scenarios) {
  const calls = ['aws', 'azure', 'gcp', 'vault'].map((k) => s.calls[k].calls).join('/')
  say(`${s.label.padEnd(48)} ${f(s.ms / 1000, 2).padStart(7)} ${f(s.lowerBoundMs / 1000, 2).padStart(8)} ${f(s.ratio, 2).padStart(6)} ${f(s.maxRssMb).padStart(11)}  ${calls}`)
}
const noDrift = report.scenarios[0]
if (noDrift?.storeSpansMs) say(`no-drift calls from spawn (ms, first-last): ${Object.entries(noDrift.storeSpansMs).map(([store, span]) => `${store} ${span.first}-${span.last}`).join(', ')} (vault not hooked)`)
if (noDrift?.minimumCalls) {
  const stores = ['aws', 'azure', 'gcp', 'vault']
  say(`no-drift bound from the APIs' minimum calls ${stores.map((k) => noDrift.minimumCalls[k].calls).join('/')}; rotor made ${stores.map((k) => noDrift.extraCalls[k]).join('/')} more`)
}
for (const [store, p] of Object.entries(report.perStore ?? {})) say(`${store} alone: ${f(p.ms / 1000, 2)} s wall (${f(p.openedMs / 1000, 2)} s opening it), ${f(p.runCpuMs, 0)} ms CPU (${f(p.runMainThreadCpuMs, 0)} main thread, ${f(p.runMainThreadRunQueueMs ?? 0, 0)} waiting for a core), ${f(p.cpuUsPerCall, 0)} us CPU a call over ${p.calls} calls${p.errors ? `, ${p.errors} errors` : ''}`)
const base = report.scenarios.find((s) => s.label.startsWith('baseline'))
if (base) say(`\nbaseline / rotor (nothing differs): ${f(base.ms / report.scenarios[0].ms)}x slower`)
say(`GCP at its documented 600 reads/min: the no-drift sync's ${gcpReads} GCP reads alone need >= ${f(report.gcpDocumentedQuotaBoundMs / 1000)} s`)
say('per-operation calls: bench/fleet-results.json')
