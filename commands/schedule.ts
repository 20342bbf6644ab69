import {relative} from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {crontabLine, githubWorkflow, kubernetesCronJob, type ManifestOptions, runCadence} from '../src/schedule/runner.js'
import {humanDuration} from '../src/output/time.js'

export default class Schedule extends BaseCommand<typeof Schedule> {
  static override summary = 'Print a crontab line, a Kubernetes CronJob and a GitHub Actions workflow that run `rotor apply` often enough.'
  static override description = `The cadence is a quarter of the shortest grace window or rotation interval in the config (5 min to 1 h), so no rotation or retirement is late by more than that. The Kubernetes CronJob forbids overlapping runs (concurrencyPolicy: Forbid); the workflow uses a concurrency group.`

  static override examples = [
    '<%= config.bin %> schedule',
    '<%= config.bin %> schedule --format kubernetes --image ghcr.io/acme/rotor:1.4 > cronjob.yaml',
    '<%= config.bin %> schedule --format github > .github/workflows/rotor.yml',
  ]

  static override flags = {
    format: Flags.string({summary: 'Which manifest to print.', options: ['all', 'crontab', 'kubernetes', 'github'], default: 'all'}),
    image: Flags.string({summary: 'Container image for the Kubernetes CronJob.', default: 'rotor:latest'}),
    name: Flags.string({summary: 'Name of the job / concurrency group.', default: 'rotor-apply'}),
  }

  async run() {
    const config = await this.loadConfig()
    const cadence = runCadence(config)
    const options: ManifestOptions = {
      cadence,
      configPath: relative(process.cwd(), config.file) || config.file,
      workdir: process.cwd(),
      image: this.flags.image,
      name: this.flags.name,
    }
    const manifests = {
      crontab: crontabLine(options),
      kubernetes: kubernetesCronJob(options),
      github: githubWorkflow(options),
    }
    if (!this.jsonEnabled()) {
      const why = cadence.drivenBy
        ? ` (the shortest window is the ${cadence.drivenBy.what} of ${cadence.drivenBy.secret}: ${humanDuration(cadence.drivenBy.windowMs)})`
        : ''
      this.note(`Run rotor apply every ${cadence.everyMinutes} minutes${why}.`)
      const format = this.flags.format as 'all' | keyof typeof manifests
      if (format === 'all') {
        this.log(`# crontab\n${manifests.crontab}\n\n# Kubernetes CronJob\n${manifests.kubernetes}\n# GitHub Actions workflow\n${manifests.github}`)
      } else {
        this.log(manifests[format])
      }
    }
    return {cadence, ...manifests}
  }
}
