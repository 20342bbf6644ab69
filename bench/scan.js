// The scan benchmark: `rotor scan` through the built CLI over a generated 200 MB tree of text
// files (code-like lines with random tokens, hashes and base64 blobs), with 1,000 managed values
// (one file store each, so setting them up does not queue on one store's lock). Some files carry
// planted values: plain, inside `Authorization: Basic`, hex and UTF-16LE. Reports MB/s end to end
// and with the fixed cost (start-up, reading 1,000 values, building the automaton) taken out.
// Everything is written to a temporary folder; results go to bench/scan-results.json.
//   node bench/scan.js [--mb 200] [--secrets 1000]     (needs `npm run build` first)
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = (line) => process.stdout.write(`${line}\n`)
const bin = join(root, 'bin/run.js')
const argAfter = (flag, fallback) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : fallback)
const MB = Number(argAfter('--mb', process.env.BENCH_SCAN_MB ?? 200))
const SECRETS = Number(argAfter('--secrets', process.env.BENCH_SCAN_SECRETS ?? 1000))
const FILE_BYTES = 256 * 1024
const PLANTED_FILES = 50

const work = mkdtempSync(join(tmpdir(), 'rotor-scan-bench-'))
const env = {...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: join(work, '.user-config')}
delete env.ROTOR_CONFIG
delete env.ROTOR_FILE_KEY
const rotor = (args, options = {}) => spawnSync(process.execPath, [bin, ...args], {cwd: work, env, encoding: 'utf8', maxBuffer: 1 << 28, ...options})

try {
  const name = (i) => `bench-s${String(i).padStart(4, '0')}`
  const config = ['version: 1', 'audit: {path: .rotor/audit.log}', 'stores:']
  // One embedded store holds them all: its per-call cost no longer grows with the number of secrets.
  config.push('  st: {type: file, path: .rotor/store.enc}')
  config.push('secrets:')
  for (let i = 0; i < SECRETS; i++) config.push(`  ${name(i)}: {generator: {length: 40, prefix: rk_, checksum: crc32}, maxAge: 30d, grace: 1h, targets: ["st:key-${i}"]}`)
  writeFileSync(join(work, 'rotor.yaml'), `${config.join('\n')}\n`)
  let started = performance.now()
  const applied = rotor(['apply', '--yes'], {stdio: 'ignore'})
  if (applied.status !== 0) throw new Error(`rotor apply exited ${applied.status}`)
  const setupS = (performance.now() - started) / 1000
  const exported = rotor(['export', '--format', 'json', '--output', join(work, 'values.json')])
  if (exported.status !== 0) throw new Error(`rotor export exited ${exported.status}: ${exported.stderr}`)
  const values = Object.values(JSON.parse(readFileSync(join(work, 'values.json'), 'utf8')))
  rmSync(join(work, 'values.json'))

  // A pool of code-like lines; each file is a window of it, so files differ but generation is fast.
  const random = (n, alphabet) => Array.from({length: n}, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('')
  const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  const words = ['const', 'return', 'function', 'value', 'config', 'export', 'import', 'await', 'if', 'else', 'for', 'let', 'the', 'user', 'token', 'id', 'name']
  const lines = []
  for (let size = 0; size < 8 * 1024 * 1024; ) {
    const kind = Math.random()
    const line =
      kind < 0.6
        ? `${'  '.repeat(Math.floor(Math.random() * 4))}${Array.from({length: 4 + Math.floor(Math.random() * 8)}, () => words[Math.floor(Math.random() * words.length)]).join(' ')}(${random(8, B62)});`
        : kind < 0.8
          ? `  id: "${random(24, B62)}", hash: "${random(40, '0123456789abcdef')}",`
          : `  blob: "${Buffer.from(random(60, B62)).toString('base64')}",`
    lines.push(line)
    size += line.length + 1
  }
  const pool = Buffer.from(lines.join('\n'))
  const tree = join(work, 'tree')
  const files = Math.ceil((MB * 1024 * 1024) / FILE_BYTES)
  let planted = 0
  for (let i = 0; i < files; i++) {
    const dir = join(tree, `pkg${Math.floor(i / 50)}`)
    if (i % 50 === 0) mkdirSync(dir, {recursive: true})
    const at = Math.floor(Math.random() * (pool.length - FILE_BYTES))
    const start = pool.indexOf(10, at) + 1
    let content = pool.subarray(start, start + FILE_BYTES)
    if (i % Math.max(1, Math.floor(files / PLANTED_FILES)) === 0 && planted < PLANTED_FILES * 3) {
      const v = values[(i * 7) % values.length]
      content = Buffer.concat([
        content,
        Buffer.from(`\nexport KEY=${v}\nAuthorization: Basic ${Buffer.from(`svc:${v}`).toString('base64')}\ndump: ${Buffer.from(v).toString('hex')}\n`),
      ])
      planted += 3
    }
    writeFileSync(join(dir, `file${i}.ts`), content)
  }
  mkdirSync(join(tree, 'windows'))
  writeFileSync(join(tree, 'windows/settings.reg'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`"Key"="${values[1]}"\r\n`, 'utf16le')]))
  planted++
  mkdirSync(join(work, 'empty'))

  // CPU time too (user + system, from /usr/bin/time): on a shared machine wall time includes waiting for a core.
  const hasTime = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0
  const time = (args) => {
    started = performance.now()
    const result = hasTime
      ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, bin, ...args], {cwd: work, env, encoding: 'utf8', maxBuffer: 1 << 28})
      : rotor(args)
    const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr ?? '')
    return {ms: performance.now() - started, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined, result}
  }
  const fixed = [time(['scan', 'empty', '--json']), time(['scan', 'empty', '--json'])].sort((a, b) => a.ms - b.ms)[0]
  if (fixed.result.status !== 0) throw new Error(`rotor scan empty exited ${fixed.result.status}: ${fixed.result.stderr}`)
  time(['scan', 'tree', '--json']) // warms the file cache
  const runs = [time(['scan', 'tree', '--json']), time(['scan', 'tree', '--json'])].sort((a, b) => a.ms - b.ms)
  const best = runs[0]
  if (best.result.status !== 4) throw new Error(`rotor scan tree exited ${best.result.status} (expected 4, leaks): ${best.result.stderr}`)
  const doc = JSON.parse(best.result.stdout)
  if (doc.leaks.length !== planted) throw new Error(`found ${doc.leaks.length} leaks, planted ${planted}`)
  const mb = doc.scanned.bytes / (1024 * 1024)
  const results = {
    machine: {node: process.version, cpus: cpus().length},
    secrets: SECRETS,
    values: doc.scanned.values,
    files: doc.scanned.files,
    megabytes: Number(mb.toFixed(1)),
    planted,
    found: doc.leaks.length,
    setupSeconds: Number(setupS.toFixed(1)),
    fixedMs: Math.round(fixed.ms),
    scanMs: Math.round(best.ms),
    mbPerSecond: Number((mb / (best.ms / 1000)).toFixed(1)),
    mbPerSecondWithoutFixedCost: Number((mb / ((best.ms - fixed.ms) / 1000)).toFixed(1)),
    ...(best.cpuMs === undefined
      ? {}
      : {
          cpuMs: Math.round(best.cpuMs),
          fixedCpuMs: Math.round(fixed.cpuMs),
          mbPerCpuSecond: Number((mb / (best.cpuMs / 1000)).toFixed(1)),
          mbPerCpuSecondWithoutFixedCost: Number((mb / ((best.cpuMs - fixed.cpuMs) / 1000)).toFixed(1)),
        }),
    loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
    target: {mbPerSecond: 100},
  }
  writeFileSync(join(root, 'bench/scan-results.json'), `${JSON.stringify(results, null, 2)}\n`)
  out(`\nscan: ${results.megabytes} MB in ${results.files} files, ${results.values} values of ${SECRETS} secrets`)
  out(`  rotor scan tree --json   ${results.scanMs} ms   ${results.mbPerSecond} MB/s (target >= 100)`)
  out(`  fixed cost (empty dir)   ${results.fixedMs} ms; without it ${results.mbPerSecondWithoutFixedCost} MB/s`)
  if (results.cpuMs !== undefined) out(`  CPU time ${results.cpuMs} ms: ${results.mbPerCpuSecond} MB per CPU second (${results.mbPerCpuSecondWithoutFixedCost} without the fixed cost); load average ${results.loadAverage.join(' ')}`)
  out(`  leaks found ${results.found} of ${planted} planted (plain, Basic auth, hex, UTF-16LE)`)
} finally {
  rmSync(work, {recursive: true, force: true})
}
