// The fleet-scale benchmark: 1,000 / 10,000 / 100,000 secrets, two targets each on two embedded
// (`file`) stores, every command run through the built CLI in a fresh process. Measures:
// `config validate`, `apply` creating everything, `plan` and `status --json` with nothing due, and
// `apply` when 10% are due (a fake clock moves 20 days on; those secrets have maxAge 10d, the
// others 90d). Wall time, CPU time (user + sys: the machine may be shared) and peak RSS of each
// command. A command that runs past its budget is stopped and reported "skipped: exceeds budget",
// and the measures that need its result are skipped too, so the bench never hangs.
//   node bench/scale.js [--sizes 1000,10000,100000] [--budget-s 600] [--measures validate,apply-create,plan,status,apply-due] [--syncs]
// --syncs counts each command's fsync/fdatasync calls with `strace -c -f --seccomp-bpf` (Linux,
// when strace is installed): the number the audit log's and the file store's group commits cut.
// --keep leaves each size's work dir in place (its path on stderr), to rerun a command by hand.
// --fixtures DIR (or BENCH_SCALE_FIXTURES): keep the fleet `apply-create` made at each size in DIR
// (the project, its stores and the user state with the stores' last generations), and when a
// later run does not measure apply-create, start plan/status/apply-due from that copy instead of
// creating the fleet again (minutes at 100k). A fixture is used only when made from the same
// config text by the same store format (fixture.json says so); delete DIR to make them anew.
// Writes bench/scale-results.json. Needs `npm run build` first (scripts/bench.js does it).
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'bin/run.js')
const fakeClock = join(root, 'test/support/fake-clock.mjs')
const argAfter = (flag, fallback) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : fallback)
const SIZES = argAfter('--sizes', process.env.BENCH_SCALE_SIZES ?? '1000,10000,100000')
  .split(',')
  .map((n) => Number(n.replace(/_/g, '')))
  .filter((n) => Number.isInteger(n) && n > 0)
/** Longest any one command may run, in seconds; the issue's slowest target is 300 s. */
const BUDGET_S = Number(argAfter('--budget-s', process.env.BENCH_SCALE_BUDGET_S ?? 600))
const CREATED_AT = '2027-03-01T12:00:00.000Z'
const DUE_AT = '2027-03-21T12:00:00.000Z'
const DUE_SHARE = 10 // every 10th secret: maxAge 10d

// The issue's targets on this machine (https: issue 14), by measure and size.
const TARGETS = {
  validate: {100000: {wallS: 3}},
  'apply-create': {10000: {wallS: 30}, 100000: {wallS: 300, rssMb: 1536}},
  plan: {100000: {wallS: 6, rssMb: 1024}},
  status: {100000: {wallS: 6, rssMb: 1024}},
  'apply-due': {100000: {wallS: 60}},
}
const MAX_GROWTH = 12 // from 10k to 100k

const ALL_MEASURES = [
  {name: 'validate', args: ['config', 'validate'], at: CREATED_AT},
  {name: 'apply-create', args: ['apply', '--yes'], at: CREATED_AT},
  {name: 'plan', args: ['plan'], at: CREATED_AT, needs: 'apply-create'},
  {name: 'status', args: ['status', '--json'], at: CREATED_AT, needs: 'apply-create'},
  {name: 'apply-due', args: ['apply', '--yes'], at: DUE_AT, needs: 'apply-create'},
]

const only = argAfter('--measures', '')
  .split(',')
  .filter(Boolean)
const MEASURES = only.length > 0 ? ALL_MEASURES.filter((m) => only.includes(m.name)) : ALL_MEASURES
const FIXTURES = argAfter('--fixtures', process.env.BENCH_SCALE_FIXTURES)
/** --keep: leave each size's work dir (project, stores, user state) in place to profile from. */
const KEEP = process.argv.includes('--keep')

function configText(n) {
  const lines = [
    'version: 1',
    'audit:',
    '  path: .rotor/audit.log',
    'stores:',
    '  one:',
    '    type: file',
    '    path: .rotor/one.enc',
    '  two:',
    '    type: file',
    '    path: .rotor/two.enc',
    'secrets:',
  ]
  for (let i = 0; i < n; i++) {
    const name = `s${String(i).padStart(6, '0')}`
    lines.push(
      `  ${name}:`,
      // A yearly schedule in a DST time zone: validated (and its zone canonicalised) per secret,
      // never due in the 20 days the bench covers.
      '    schedule: {cron: "0 3 1 1 *", timezone: Europe/Berlin}',
      `    maxAge: ${i % DUE_SHARE === 0 ? '10d' : '90d'}`,
      `    labels: {team: t${i % 50}}`,
      `    targets: [one:app/${name}, two:app/${name}]`,
    )
  }
  return `${lines.join('\n')}\n`
}

const hasTime = existsSync('/usr/bin/time')
const STRACE = ['/usr/bin/strace', '/bin/strace'].find((p) => existsSync(p))
const COUNT_SYNCS = process.argv.includes('--syncs') && STRACE !== undefined

/** fsync + fdatasync calls in an `strace -c` summary. */
function syncCount(file) {
  if (!existsSync(file)) return undefined
  let count = 0
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const cols = line.trim().split(/\s+/)
    if (cols.at(-1) === 'fsync' || cols.at(-1) === 'fdatasync') count += Number(cols[3])
  }
  return count
}

/** Runs the CLI once; resolves with wall, CPU and peak RSS, or {skipped} after BUDGET_S. */
function run(cwd, args, at, env) {
  return new Promise((resolve) => {
    const stats = join(cwd, '.time')
    const syncs = join(cwd, '.syncs')
    rmSync(syncs, {force: true})
    const traced = COUNT_SYNCS ? [STRACE, '--seccomp-bpf', '-c', '-f', '-e', 'trace=fsync,fdatasync', '-o', syncs, process.execPath] : [process.execPath]
    const command = hasTime ? '/usr/bin/time' : traced[0]
    const argv = hasTime ? ['-f', '%e %U %S %M', '-o', stats, ...traced, bin, ...args] : [...traced.slice(1), bin, ...args]
    const started = performance.now()
    const child = spawn(command, argv, {
      cwd,
      detached: true, // its own process group: a timeout stops /usr/bin/time and node together
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {...env, ROTOR_TEST_NOW: at, NODE_OPTIONS: `--import ${fakeClock}`, NO_COLOR: '1'},
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000)
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }, BUDGET_S * 1000)
    child.on('close', (code) => {
      clearTimeout(timer)
      const wallS = (performance.now() - started) / 1000
      if (timedOut) return resolve({skipped: `exceeds budget (stopped after ${BUDGET_S} s)`})
      const outcome = code === 0 ? {} : {failed: `exit ${code}: ${stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`}
      if (COUNT_SYNCS) outcome.syncs = syncCount(syncs)
      if (!hasTime) return resolve({wallS, ...outcome})
      const [, user, sys, maxKb] = readFileSync(stats, 'utf8').trim().split('\n').at(-1).split(' ').map(Number)
      resolve({wallS, cpuS: user + sys, rssMb: maxKb / 1024, ...outcome})
    })
  })
}

/**
 * What a fixture was made from: the config text and the store format (the file store's
 * STORE_FORMAT in the built code). A fixture with another identity is not used.
 */
function fixtureIdentity(config) {
  const db = readFileSync(join(root, 'dist/providers/file/db.js'), 'utf8')
  const format = /STORE_FORMAT = (\d+)/.exec(db)?.[1] ?? '?'
  return {config: createHash('sha256').update(config).digest('hex'), storeFormat: format}
}

/** Copies the cached fleet of this size into `work`; true when there was one to copy. */
function restoreFixture(n, config, work) {
  if (!FIXTURES) return false
  const dir = join(FIXTURES, `scale-${n}`)
  const file = join(dir, 'fixture.json')
  if (!existsSync(file)) return false
  const made = JSON.parse(readFileSync(file, 'utf8'))
  const want = fixtureIdentity(config)
  if (made.config !== want.config || made.storeFormat !== want.storeFormat) {
    process.stderr.write(`  ${n}: fixture ${dir} was made from another config or store format; not used\n`)
    return false
  }
  // The audit key in home/audit-keys is named after the log's path when the fixture was made:
  // the first apply finds it there (the one the log verifies under) and copies it to the new
  // path's name, as for any project moved to another folder (src/audit/key.ts).
  for (const part of ['.rotor', 'home']) cpSync(join(dir, part), join(work, part), {recursive: true})
  return true
}

/** Keeps the fleet `apply-create` made in `work` (before anything else changes it). */
function saveFixture(n, config, work) {
  if (!FIXTURES) return
  const dir = join(FIXTURES, `scale-${n}`)
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  for (const part of ['.rotor', 'home']) cpSync(join(work, part), join(dir, part), {recursive: true})
  writeFileSync(join(dir, 'fixture.json'), `${JSON.stringify({...fixtureIdentity(config), secrets: n, made: new Date().toISOString()}, null, 2)}\n`)
}

const results = []
for (const n of SIZES) {
  const work = mkdtempSync(join(tmpdir(), `rotor-scale-${n}-`))
  const env = {...process.env, ROTOR_HOME: join(work, 'home'), ROTOR_FILE_KEY: Buffer.alloc(32, 7).toString('base64')}
  mkdirSync(join(work, 'home'), {recursive: true})
  const config = configText(n)
  writeFileSync(join(work, 'rotor.yaml'), config)
  const done = new Set()
  if (!MEASURES.some((m) => m.name === 'apply-create') && MEASURES.some((m) => m.needs === 'apply-create') && restoreFixture(n, config, work)) {
    done.add('apply-create')
    process.stderr.write(`  ${n}: the fleet from fixture ${join(FIXTURES, `scale-${n}`)}\n`)
    // The config cache is keyed by the config's absolute path and the build: fill it, unmeasured,
    // as the apply that created the fleet would have (a plan of one secret loads the whole config).
    const warm = await run(work, ['plan', '--select', 's000000'], CREATED_AT, env)
    if (warm.failed || warm.skipped) process.stderr.write(`  ${n}: warming the config cache: ${warm.failed ?? warm.skipped}\n`)
  }
  for (const measure of MEASURES) {
    const row = {measure: measure.name, secrets: n}
    if (measure.needs && !done.has(measure.needs)) {
      row.skipped = MEASURES.some((m) => m.name === measure.needs) ? `${measure.needs} did not finish` : `needs ${measure.needs}, not measured`
    } else {
      Object.assign(row, await run(work, measure.args, measure.at, env))
      // A run that finished with some secrets failed (exit 3: today's file store times out on its
      // own lock under load) still leaves a fleet to plan over; the row says it failed.
      if (row.wallS !== undefined) done.add(measure.name)
      if (measure.name === 'apply-create' && row.wallS !== undefined && !row.failed) saveFixture(n, config, work)
    }
    results.push(row)
    process.stderr.write(`  ${n} ${measure.name}: ${row.skipped ? `skipped: ${row.skipped}` : `${row.wallS.toFixed(1)} s${row.failed ? `, failed: ${row.failed}` : ''}`}\n`)
  }
  if (KEEP) process.stderr.write(`  ${n}: kept ${work}\n`)
  else rmSync(work, {recursive: true, force: true})
}

// Targets and growth: a verdict only where both the figure and the target exist.
for (const row of results) {
  const target = TARGETS[row.measure]?.[row.secrets]
  if (target) row.target = target
  if (target && row.wallS !== undefined && !row.failed) {
    row.meetsTarget = row.wallS < target.wallS && (target.rssMb === undefined || row.rssMb === undefined || row.rssMb < target.rssMb)
  }
  if (row.secrets === 100000 && row.wallS !== undefined) {
    const base = results.find((r) => r.measure === row.measure && r.secrets === 10000 && r.wallS !== undefined && !r.failed)
    if (base) {
      row.growthFrom10k = row.wallS / base.wallS
      row.meetsGrowth = row.growthFrom10k <= MAX_GROWTH
    }
  }
}

const out = {machine: {node: process.version, cpus: cpus().length, budgetS: BUDGET_S}, sizes: SIZES, results}
writeFileSync(join(root, 'bench/scale-results.json'), `${JSON.stringify(out, null, 2)}\n`)

const say = (line) => process.stdout.write(`${line}\n`)
const f = (x, digits = 1) => (x === undefined ? '' : x.toFixed(digits))
const targetText = (t) => (t ? `< ${t.wallS} s${t.rssMb ? `, < ${(t.rssMb / 1024).toFixed(1)} GB` : ''}` : '')
say(`\nfleet scale (two file-store targets per secret; node ${process.version}, ${cpus().length} cores, budget ${BUDGET_S} s a command)`)
say(`measure         secrets   wall s    cpu s   peak RSS MB   target                 10k->100k${COUNT_SYNCS ? '   syncs' : ''}`)
for (const r of results) {
  const verdict = r.meetsTarget === undefined ? '' : r.meetsTarget ? ' ok' : ' MISSED'
  const growth = r.growthFrom10k === undefined ? '' : `${f(r.growthFrom10k)}x${r.meetsGrowth ? '' : ' (> 12x)'}`
  const figures = r.skipped ? `skipped: ${r.skipped}` : `${f(r.wallS).padStart(8)} ${f(r.cpuS).padStart(8)} ${f(r.rssMb, 0).padStart(13)}${r.failed ? ` ${r.failed.split(':')[0]}` : ''}`
  const syncs = COUNT_SYNCS && r.syncs !== undefined ? String(r.syncs).padStart(8) : ''
  say(`${r.measure.padEnd(15)} ${String(r.secrets).padStart(7)}  ${figures.padEnd(32)}   ${(targetText(r.target) + verdict).padEnd(22)} ${growth.padEnd(9)}${syncs}`)
}
for (const r of results.filter((row) => row.failed)) say(`${r.measure} ${r.secrets}: ${r.failed}`)
say('Every measure should grow at most 12x from 10k to 100k. Written to bench/scale-results.json.')
