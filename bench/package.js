/* eslint-disable no-console -- a benchmark prints its table */
// The package benchmark (issue 15, item 1): start-up against bare Node, `rotor get --reveal`
// against the AWS CLI on the same emulator and secret, and the installed size of the packed
// tarball. All commands of one measure run interleaved (A B C A B C ...), so a busy machine slows
// them alike; each figure is the median after two warm-up rounds.
//   node bench/package.js [--runs N] [--no-install]   (needs `npm run build`; scripts/bench.js does it)
// Writes bench/package-results.json and prints a table. Figures, not assertions.
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'bin/run.js')
const argAfter = (flag, fallback) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : fallback)
const runs = Number(argAfter('--runs', process.env.BENCH_RUNS ?? 15))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/**
 * CPU time of a child (user + system, from /usr/bin/time) besides wall time: on a machine shared
 * by many processes wall time mostly measures waiting; CPU time is what start-up costs. The same
 * wrapper runs every command, bare Node too, so the ratios compare like with like.
 */
const TIME = ['/usr/bin/time', '-f', '%U %S', '-o']
const haveTime = spawnSync(TIME[0], ['-f', '%U', 'true']).status === 0
const cpuFile = join(mkdtempSync(join(tmpdir(), 'rotor-bench-cpu-')), 'cpu')

/** Runs without blocking this process's event loop (the AWS emulator lives in it). Returns {ms, cpuMs}. */
function timeOnce([file, ...args], options) {
  return new Promise((resolve, reject) => {
    const argv = haveTime ? [...TIME.slice(1), cpuFile, file, ...args] : args
    const started = performance.now()
    const child = spawn(haveTime ? TIME[0] : file, argv, {...options, stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = performance.now() - started
      if (code !== 0) return reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${stderr}`))
      const cpuMs = haveTime ? readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).reduce((sum, s) => sum + Number(s) * 1000, 0) : undefined
      resolve({ms, cpuMs})
    })
  })
}

/** commands: {label: argv}; returns {label: median ms} and, in `cpu`, {label: median CPU ms}. */
async function interleaved(commands, options) {
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]))
  const cpu = Object.fromEntries(Object.keys(commands).map((k) => [k, []]))
  for (let i = 0; i < runs + 2; i++) {
    for (const [label, argv] of Object.entries(commands)) {
      const t = await timeOnce(argv, options)
      if (i >= 2) {
        samples[label].push(t.ms)
        if (t.cpuMs !== undefined) cpu[label].push(t.cpuMs)
      }
    }
  }
  const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
  return {...medians, cpu: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v.length > 0 ? median(v) : undefined]))}
}

const env = {...process.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'}
delete env.NODE_OPTIONS
delete env.ROTOR_CONFIG

// --- start-up: the quick-start config, applied once ----------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'rotor-bench-package-'))
cpSync(join(root, 'examples/quickstart.yaml'), join(work, 'rotor.yaml'))
execFileSync(process.execPath, [bin, 'apply', '--yes'], {cwd: work, stdio: 'ignore', env})
const startup = await interleaved(
  {bare: [process.execPath, '-e', ''], version: [process.execPath, bin, '--version'], status: [process.execPath, bin, 'status', '--json']},
  {cwd: work, env},
)

// --- rotor get --reveal vs aws secretsmanager get-secret-value -----------------------------------
const awsCli = spawnSync('aws', ['--version'], {encoding: 'utf8'})
let get = {skipped: 'the `aws` CLI is not installed'}
if (awsCli.status === 0) {
  const out = join(root, 'node_modules/.cache/rotor-bench')
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'bench/tsconfig.emulators.json')], {stdio: 'inherit'})
  mkdirSync(out, {recursive: true})
  writeFileSync(join(out, 'package.json'), '{"type": "module"}\n')
  const {startAwsEmulator} = await import(join(out, 'emulators/aws/server.js'))
  const credentials = {accessKeyId: 'AKIAROTORBENCH000002', secretAccessKey: 'rotor-bench-package-key'}
  const aws = await startAwsEmulator({credentials: [credentials]})
  const getWork = join(work, 'get')
  mkdirSync(getWork)
  writeFileSync(
    join(getWork, 'rotor.yaml'),
    ['version: 1', 'stores:', `  aws: {type: aws, region: ${aws.region}, endpoint: "${aws.endpoint}"}`, 'secrets:', '  bench-api-key: {maxAge: 90d, targets: ["aws:bench/api-key"]}', ''].join('\n'),
  )
  const awsEnv = {...env, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_DEFAULT_REGION: aws.region, AWS_PAGER: ''}
  await timeOnce([process.execPath, bin, 'apply', '--yes'], {cwd: getWork, env: awsEnv})
  const medians = await interleaved(
    {
      rotor: [process.execPath, bin, 'get', 'bench-api-key', '--reveal'],
      aws: ['aws', 'secretsmanager', 'get-secret-value', '--secret-id', 'bench/api-key', '--endpoint-url', aws.endpoint, '--region', aws.region],
    },
    {cwd: getWork, env: awsEnv},
  )
  await aws.close?.()
  get = {
    rotorMs: medians.rotor,
    awsCliMs: medians.aws,
    ratio: medians.rotor / medians.aws,
    rotorCpuMs: medians.cpu.rotor,
    awsCliCpuMs: medians.cpu.aws,
    cpuRatio: medians.cpu.rotor / medians.cpu.aws,
    awsCli: awsCli.stdout.trim() || awsCli.stderr.trim(),
  }
}

// --- installed size: npm pack, then npm i -g into a temporary prefix, offline --------------------
let install = {skipped: '--no-install'}
if (!process.argv.includes('--no-install')) {
  const packDir = join(work, 'pack')
  const prefix = join(work, 'prefix')
  mkdirSync(packDir)
  execFileSync(process.execPath, [join(root, 'scripts/build-package.js'), '--pack-destination', packDir], {cwd: root, stdio: ['ignore', 'ignore', 'pipe']})
  const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')))
  const result = spawnSync('npm', ['i', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], {encoding: 'utf8'})
  if (result.status !== 0) install = {failed: result.stderr.trim().split('\n').slice(-5).join('\n')}
  else {
    const kb = (path) => Number(execFileSync('du', ['-sk', path], {encoding: 'utf8'}).split('\t')[0])
    const modules = join(prefix, 'lib/node_modules/rotor/node_modules')
    install = {
      installedMb: kb(prefix) / 1024,
      tarballKb: kb(tarball),
      packages: Number(execFileSync('sh', ['-c', `find ${JSON.stringify(modules)} -name package.json -path '*/node_modules/*/package.json' -not -path '*/node_modules/*/*/*/package.json' | wc -l`], {encoding: 'utf8'}).trim()),
      command: 'npm i -g --prefix TMP --offline ./rotor-0.1.0.tgz',
    }
  }
}
rmSync(work, {recursive: true, force: true})
rmSync(dirname(cpuFile), {recursive: true, force: true})

const results = {
  machine: {node: process.version, cpus: cpus().length, runs},
  startup: {
    bareNodeMs: startup.bare,
    versionMs: startup.version,
    versionRatio: startup.version / startup.bare,
    statusJsonMs: startup.status,
    statusJsonRatio: startup.status / startup.bare,
    // CPU time (user + system): what start-up costs whatever else the machine is doing.
    bareNodeCpuMs: startup.cpu.bare,
    versionCpuRatio: startup.cpu.version / startup.cpu.bare,
    statusJsonCpuMs: startup.cpu.status,
    statusJsonCpuRatio: startup.cpu.status / startup.cpu.bare,
  },
  get,
  install,
  targets: {versionRatio: 2, statusJsonRatio: 2.5, getRatio: 0.4, installedMb: 40},
}
writeFileSync(join(root, 'bench/package-results.json'), `${JSON.stringify(results, null, 2)}\n`)

const f = (x) => x.toFixed(1)
console.log(`\npackage: node ${process.version}, ${cpus().length} cores, median of ${runs} interleaved runs`)
const cpuCol = (label, ratio) => (startup.cpu[label] === undefined ? '' : `   cpu ${f(startup.cpu[label]).padStart(6)} ms${ratio === undefined ? '' : ` ${f(ratio).padStart(5)}x`}`)
console.log('measure                                 ms     ratio    target')
console.log(`node -e ''                         ${f(startup.bare).padStart(7)}                    ${cpuCol('bare')}`)
console.log(`rotor --version                    ${f(startup.version).padStart(7)}   ${f(results.startup.versionRatio).padStart(5)}x   <= 2x bare node  ${cpuCol('version', results.startup.versionCpuRatio)}`)
console.log(`rotor status --json (quick-start)  ${f(startup.status).padStart(7)}   ${f(results.startup.statusJsonRatio).padStart(5)}x   <= 2.5x bare node${cpuCol('status', results.startup.statusJsonCpuRatio)}`)
if (get.skipped) console.log(`rotor get --reveal vs aws CLI: skipped (${get.skipped})`)
else {
  console.log(`aws secretsmanager get-secret-value ${f(get.awsCliMs).padStart(6)}`)
  console.log(`rotor get NAME --reveal            ${f(get.rotorMs).padStart(7)}   ${f(get.ratio).padStart(5)}x   <= 0.4x the aws CLI${get.rotorCpuMs === undefined ? '' : `   cpu ${f(get.rotorCpuMs)} vs ${f(get.awsCliCpuMs)} ms: ${f(get.cpuRatio)}x`}`)
}
if (install.installedMb !== undefined) console.log(`installed size (${install.command}): ${f(install.installedMb)} MB in ${install.packages} packages, tarball ${install.tarballKb} kB (target < 40 MB)`)
else console.log(`installed size: ${install.skipped ?? `install failed:\n${install.failed}`}`)
