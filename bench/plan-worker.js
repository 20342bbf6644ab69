// One measurement in a fresh process so peak RSS belongs to it alone:
// build a synthetic config + inventory of N secrets, then time plan(config, inventory, now).
import {performance} from 'node:perf_hooks'

const n = Number(process.argv[2])
const {plan} = await import('../dist/src/plan/planner.js')
const {DEFAULT_POLICY} = await import('../dist/src/keys/types.js')

const DAY = 86_400_000
const base = Date.parse('2026-01-01T00:00:00Z')
const schedules = [
  {cron: '0 3 * * 1', timezone: 'Europe/Berlin'},
  {cron: '0 0 1 * *', timezone: 'UTC'},
  {cron: '30 2 * * *', timezone: 'America/New_York'},
  undefined,
]
const secrets = []
const inventory = new Map()
for (let i = 0; i < n; i++) {
  const name = `secret-${i}`
  const targets = [{store: 'local', path: `app/${i}`}, {store: 'replica', path: `app/${i}`}]
  secrets.push({
    name,
    generator: DEFAULT_POLICY,
    schedule: schedules[i % 4],
    maxAgeMs: i % 4 === 3 ? 30 * DAY : undefined,
    graceMs: DAY,
    retire: 'disable',
    labels: {},
    adopt: false,
    targets,
  })
  const promotedAt = new Date(base + (i % 1000) * 3_600_000).toISOString()
  const versions = [
    {id: '2', role: 'current', createdAt: new Date(promotedAt), enabled: true, destroyed: false, rotationId: `rot-${i}-2`},
    {id: '1', role: 'previous', createdAt: new Date(base - DAY), enabled: true, destroyed: false, rotationId: `rot-${i}-1`},
  ]
  const meta = {promotedVersion: '2', promotedAt, graceEndsAt: new Date(Date.parse(promotedAt) + DAY).toISOString()}
  const snapshot = (path) => ({path, exists: true, owned: true, versions, meta, labels: {'managed-by': 'rotor'}})
  inventory.set(name, targets.map((target) => ({target, snapshot: snapshot(target.path)})))
}
const config = {file: '/bench/rotor.yaml', baseDir: '/bench', version: 1, audit: {path: '/bench/audit.log'}, stores: {}, secrets}
const now = new Date('2026-02-15T00:00:00Z')
const started = performance.now()
const result = plan(config, inventory, now)
const ms = performance.now() - started
process.stdout.write(JSON.stringify({n, ms, actions: result.actions.length, maxRssMb: process.resourceUsage().maxRSS / 1024}))
