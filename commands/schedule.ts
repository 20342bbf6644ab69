import {realpathSync} from 'node:fs'
import {userInfo} from 'node:os'
import {readFile} from 'node:fs/promises'
import {dirname, relative} from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {fromFsError} from '../src/errors/index.js'
import {humanDuration} from '../src/output/time.js'
import {SCHEDULE_FORMATS, type ScheduleFormat, scheduleFiles} from '../src/schedule/index.js'
import {configFacts, currentRotor, runCadence} from '../src/schedule/runner.js'
import type {ScheduleFile} from '../src/schedule/index.js'
import type {RunCadence} from '../src/schedule/runner.js'

/** `rotor schedule --json`: how often to run, and the files to install. */
export interface ScheduleResult {
  cadence: RunCadence
  format: ScheduleFormat
  files: ScheduleFile[]
}

export default class Schedule extends BaseCommand<typeof Schedule, ScheduleResult> {
  static override summary = 'Print a crontab entry, systemd units, a Kubernetes CronJob or a GitHub Actions workflow that runs `rotor apply` often enough.'
  static override description = `The cadence is a quarter of the shortest grace window or rotation interval in the config (5 min to 1 h), so no rotation or retirement is late by more than that. Cron and systemd run this rotor by absolute path, so they work under cron's bare PATH. The Kubernetes CronJob reads rotor.yaml from a ConfigMap and keys from Secrets that must exist, and forbids overlapping runs; the workflow uses a concurrency group and OIDC login steps for the clouds the config uses. A file-store primary is refused for Kubernetes and GitHub Actions unless persistent storage is named: every run there starts from an empty disk.`

  static override examples = [
    '<%= config.bin %> schedule | crontab -',
    '<%= config.bin %> schedule --format systemd',
    '<%= config.bin %> schedule --format kubernetes --image ghcr.io/acme/rotor:1.4 --volume-claim rotor-state > rotor-cronjob.yaml',
    '<%= config.bin %> schedule --format github > .github/workflows/rotor.yml',
  ]

  static override flags = {
    format: Flags.string({summary: 'Which scheduler to print for.', options: [...SCHEDULE_FORMATS], default: 'crontab'}),
    image: Flags.string({summary: 'Container image for the Kubernetes CronJob (required with --format kubernetes).'}),
    name: Flags.string({summary: 'Name of the job, units, and concurrency group.', default: 'rotor-apply'}),
    'volume-claim': Flags.string({summary: 'Kubernetes: PersistentVolumeClaim holding the config directory (store file, audit log).'}),
    'state-dir': Flags.string({summary: 'GitHub Actions: a directory on a self-hosted runner that survives between runs.'}),
  }

  async run(): Promise<ScheduleResult> {
    const config = await this.loadConfig()
    const cadence = runCadence(config)
    const configText = await readFile(config.file, 'utf8').catch((error: unknown) => {
      throw fromFsError(error, 'the config', config.file)
    })
    const format = this.flags.format as ScheduleFormat
    const files = scheduleFiles(format, {
      cadence,
      configFile: config.file,
      configText,
      repoConfig: relative(process.cwd(), config.file) || config.file,
      workdir: dirname(config.file),
      rotor: currentRotor(process.execPath, process.argv[1], realpathSync),
      name: this.flags.name,
      user: userInfo().username,
      ...configFacts(config),
      ...(this.flags.image ? {image: this.flags.image} : {}),
      ...(this.flags['volume-claim'] ? {volumeClaim: this.flags['volume-claim']} : {}),
      ...(this.flags['state-dir'] ? {stateDir: this.flags['state-dir']} : {}),
    })
    if (!this.jsonEnabled()) {
      const why = cadence.drivenBy
        ? ` (the shortest window is the ${cadence.drivenBy.what} of ${cadence.drivenBy.secret}: ${humanDuration(cadence.drivenBy.windowMs)})`
        : ''
      this.note(`Run rotor apply every ${cadence.everyMinutes} minutes${why}.`)
      if (files.length > 1) this.note(`Save as ${files.map((f) => f.path).join(' and ')}.`)
      this.log(files.map((f) => f.content.trimEnd()).join('\n\n'))
    }
    return {cadence, format, files}
  }
}
