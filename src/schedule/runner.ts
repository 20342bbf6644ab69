/**
 * How often `rotor apply` must run for a config, and the scheduler manifests that run it.
 *
 * A rotation is late by at most one run interval, and so is a retirement after its grace window.
 * rotor therefore runs at a quarter of the shortest grace window or rotation interval, clamped to
 * [5 min, 1 h] and rounded down to a step that divides an hour, so the cron line stays simple.
 */
import type {RotorConfig} from '../config/types.js'
import {rotationIntervalMs} from '../config/schedule.js'

const MINUTE = 60_000
const STEPS = [5, 10, 15, 20, 30, 60]

export interface RunCadence {
  everyMinutes: number
  cron: string
  /** The secret and window that set the cadence. */
  drivenBy?: {secret: string; windowMs: number; what: 'grace' | 'rotation interval'}
}

export function runCadence(config: RotorConfig): RunCadence {
  let tightest: RunCadence['drivenBy']
  for (const secret of config.secrets) {
    const interval = rotationIntervalMs(secret)
    const candidates: Array<[number | undefined, 'grace' | 'rotation interval']> = [
      [secret.graceMs, 'grace'],
      [interval, 'rotation interval'],
    ]
    for (const [windowMs, what] of candidates) {
      if (windowMs !== undefined && (!tightest || windowMs < tightest.windowMs)) tightest = {secret: secret.name, windowMs, what}
    }
  }
  const wanted = tightest ? tightest.windowMs / 4 / MINUTE : 60
  const everyMinutes = [...STEPS].reverse().find((step) => step <= wanted) ?? STEPS[0]
  return {everyMinutes, cron: everyMinutes === 60 ? '0 * * * *' : `*/${everyMinutes} * * * *`, ...(tightest ? {drivenBy: tightest} : {})}
}

export interface ManifestOptions {
  cadence: RunCadence
  /** Config path as the scheduled job sees it. */
  configPath: string
  workdir: string
  image: string
  name: string
}

export function crontabLine(o: ManifestOptions): string {
  return `${o.cadence.cron} cd ${shellQuote(o.workdir)} && rotor apply --yes --config ${shellQuote(o.configPath)} || logger -t rotor "rotor apply failed with exit $?"`
}

export function kubernetesCronJob(o: ManifestOptions): string {
  return `apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${o.name}
spec:
  schedule: "${o.cadence.cron}"
  # A run that is still going must not overlap the next one.
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: ${Math.max(60, (o.cadence.everyMinutes * 60) / 2)}
  successfulJobsHistoryLimit: 3
  failedJobsHistoryLimit: 5
  jobTemplate:
    spec:
      backoffLimit: 0
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: rotor
              image: ${o.image}
              args: ["apply", "--yes", "--json", "--config", "${o.configPath}"]
              env:
                - name: ROTOR_FILE_KEY
                  valueFrom: {secretKeyRef: {name: ${o.name}-file-key, key: key, optional: true}}
`
}

export function githubWorkflow(o: ManifestOptions): string {
  return `name: rotor apply
on:
  schedule:
    - cron: "${o.cadence.cron}"
  workflow_dispatch: {}
# One run at a time; a new run waits instead of overlapping.
concurrency:
  group: ${o.name}
  cancel-in-progress: false
permissions:
  contents: read
  id-token: write   # for OIDC federation to your clouds
jobs:
  apply:
    runs-on: ubuntu-latest
    timeout-minutes: ${Math.max(10, o.cadence.everyMinutes * 2)}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with: {node-version: 20}
      # Install rotor the way you ship it (a git URL, a tarball, an internal registry), set as the
      # repository variable ROTOR_PACKAGE. Never \`npx rotor\`: that could fetch another package.
      - run: npm install --global "$ROTOR_PACKAGE"
        env:
          ROTOR_PACKAGE: \${{ vars.ROTOR_PACKAGE }}
      - run: rotor apply --yes --json --config ${o.configPath}
`
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`
}
