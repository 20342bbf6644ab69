// `rotor plan` over many AWS secrets on the emulator with 25 ms on every call, through the built
// CLI: how close a read of the whole inventory comes to the bound set by the fewest calls the API
// allows (docs/decisions.md, "Bulk inventory: the minimum calls"). The secrets are
// seeded straight into the emulator (owned by rotor, promotion recorded, nothing due), so the
// plan is all reading. Calls are counted by the emulator.
//   node bench/aws-plan.js [--secrets N]      (needs `npm run build` first; scripts/bench.js does it)
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'
import {compileEmulators} from './emulators.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const argAfter = (flag, fallback) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : fallback)
const SECRETS = Number(argAfter('--secrets', process.env.BENCH_AWS_PLAN_SECRETS ?? 5000))
const LATENCY_MS = 25
// rotor's AWS pacing (providers/aws/runtime.ts): 32 requests in flight.
const CONCURRENCY = 32
const LIST_PAGE = 100

const emu = compileEmulators()
const {startAwsEmulator} = await emu('aws/server.js')
const {requestTokenFor} = await import(new URL('../dist/providers/aws/tokens.js', import.meta.url).href)

const CREDENTIALS = {accessKeyId: 'AKIAROTORBENCH000002', secretAccessKey: 'rotor-bench-secret-key'}
const aws = await startAwsEmulator({credentials: [CREDENTIALS]})
const name = (i) => `plan/s${String(i).padStart(5, '0')}`
const promotedAt = new Date(Date.now() - 86_400_000).toISOString()
for (let i = 0; i < SECRETS; i++) {
  const version = requestTokenFor(`rot-bench-${i}`)
  const secret = aws.state.create(name(i), {
    tags: [
      {Key: 'managed-by', Value: 'rotor'},
      {Key: 'rotor:promotedVersion', Value: version},
      {Key: 'rotor:promotedAt', Value: promotedAt},
    ],
  })
  aws.state.addVersion(secret, version, {secretString: `bench-value-${i}`}, ['AWSCURRENT'])
}

const work = mkdtempSync(join(tmpdir(), 'rotor-aws-plan-'))
const lines = ['version: 1', 'stores:', `  aws: {type: aws, region: ${aws.region}, endpoint: "${aws.endpoint}"}`, 'secrets:']
for (let i = 0; i < SECRETS; i++) lines.push(`  s${i}: {maxAge: 90d, grace: 24h, targets: ["aws:${name(i)}"]}`)
writeFileSync(join(work, 'rotor.yaml'), `${lines.join('\n')}\n`)
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NO_COLOR: '1',
}
delete env.NODE_OPTIONS
const cpuFile = join(work, 'cpu.json')
env.BENCH_CPU_FILE = cpuFile

function plan() {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    // Async spawn: the emulator in this process must keep answering while the CLI runs.
    const proc = spawn(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []), '--import', join(root, 'bench/cpu-report.mjs'), join(root, 'bin/run.js'), 'plan', '--json', '--config', join(work, 'rotor.yaml')], {cwd: work, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (d) => (stdout += d))
    proc.stderr.on('data', (d) => (stderr += d))
    proc.on('close', (code) => {
      const ms = performance.now() - started
      if (code !== 0) return reject(new Error(`plan exited ${code}\n${stderr.slice(-2000)}`))
      resolve({ms, ...JSON.parse(readFileSync(cpuFile, 'utf8')), document: JSON.parse(stdout)})
    })
  })
}

let report
try {
  aws.faults.set('*', {latencyMs: Number(process.env.BENCH_LATENCY ?? LATENCY_MS)})
  const before = {...aws.calls}
  const parentCpu = process.cpuUsage()
  const {ms, cpuMs, maxRssMb, document} = await plan()
  const emulatorCpu = process.cpuUsage(parentCpu)
  // The emulator answers in this process: on two cores, its CPU competes with the CLI's.
  const emulatorCpuMs = (emulatorCpu.user + emulatorCpu.system) / 1000
  const calls = Object.fromEntries(Object.entries(aws.calls).flatMap(([op, n]) => (n - (before[op] ?? 0) > 0 ? [[op, n - (before[op] ?? 0)]] : [])))
  const total = Object.values(calls).reduce((a, b) => a + b, 0)
  // The bound comes from the fewest calls the Secrets Manager API allows for a fresh, complete
  // inventory, not from the calls rotor made (docs/decisions.md, "Bulk inventory: the minimum calls"):
  // ListSecrets pages (100 secrets each, one after the other: each needs the previous page's token)
  // for tags and labels, plus one ListSecretVersionIds a secret, the only strongly consistent read
  // with version creation dates and unlabelled versions (ListSecrets may lag five minutes).
  const minimum = {ListSecrets: Math.ceil(SECRETS / LIST_PAGE), ListSecretVersionIds: SECRETS}
  const minimumTotal = minimum.ListSecrets + minimum.ListSecretVersionIds
  // Everything besides the pages can run CONCURRENCY at a time alongside them.
  const boundMs = Math.max(minimum.ListSecrets * LATENCY_MS, (minimumTotal / CONCURRENCY) * LATENCY_MS)
  const actions = (document.actions ?? document.plan?.actions ?? []).length
  report = {secrets: SECRETS, latencyMs: LATENCY_MS, concurrency: CONCURRENCY, ms, cpuMs, emulatorCpuMs, maxRssMb, loadAverage: loadavg()[0], calls, totalCalls: total, minimumCalls: minimum, extraCalls: total - minimumTotal, boundMs, ratio: ms / boundMs, actions,
    // Without bulk inventory: one DescribeSecret + one ListSecretVersionIds a secret.
    perSecretBoundMs: ((2 * SECRETS) / CONCURRENCY) * LATENCY_MS,
    listingOnlyMs: Math.ceil(SECRETS / LIST_PAGE) * LATENCY_MS}
} finally {
  await aws.close()
  rmSync(work, {recursive: true, force: true})
}
writeFileSync(join(root, 'bench/aws-plan-results.json'), `${JSON.stringify(report, null, 2)}\n`)
const f = (x, d = 2) => x.toFixed(d)
const say = (line = '') => process.stdout.write(`${line}\n`)
say(`\naws plan: ${SECRETS} secrets, ${LATENCY_MS} ms per call, ${CONCURRENCY} in flight, through the built CLI`)
say(`wall ${f(report.ms / 1000)} s, bound ${f(report.boundMs / 1000)} s (the API's minimum: ${JSON.stringify(report.minimumCalls)}), ratio ${f(report.ratio)} (target <= 1.5)`)
say(`CLI CPU ${f(report.cpuMs / 1000)} s (emulator ${f(report.emulatorCpuMs / 1000)} s), peak RSS ${f(report.maxRssMb, 0)} MB, load average ${f(report.loadAverage, 1)} on this machine`)
say(`calls made: ${JSON.stringify(report.calls)} (${report.extraCalls} over the minimum); per-secret describe would need >= ${f(report.perSecretBoundMs / 1000)} s`)
