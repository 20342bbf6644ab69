/** Scheduler manifests for `rotor schedule`: which files a format prints, and when one is refused. */
import {UsageError} from '../errors/index.js'
import {crontab} from './crontab.js'
import {githubWorkflow, type WorkflowOptions} from './github.js'
import {kubernetesManifests} from './kubernetes.js'
import type {ManifestOptions} from './runner.js'
import {systemdUnits} from './systemd.js'

export const SCHEDULE_FORMATS = ['crontab', 'systemd', 'kubernetes', 'github'] as const
export type ScheduleFormat = (typeof SCHEDULE_FORMATS)[number]

/** A file the user saves (`path` is where it usually goes) or, for crontab, an entry to add. */
export interface ScheduleFile {
  path: string
  content: string
}

export function scheduleFiles(format: ScheduleFormat, o: WorkflowOptions): ScheduleFile[] {
  switch (format) {
    case 'crontab': {
      return [{path: 'crontab', content: `${crontab(o)}\n`}]
    }
    case 'systemd': {
      const {service, timer} = systemdUnits(o)
      return [
        {path: `/etc/systemd/system/${service.file}`, content: service.content},
        {path: `/etc/systemd/system/${timer.file}`, content: timer.content},
      ]
    }
    case 'kubernetes': {
      if (!o.image) throw new UsageError('--format kubernetes needs --image', {hint: 'name the image rotor runs from, e.g. --image ghcr.io/acme/rotor:1.4'})
      refuseLocalPrimaries(o, 'Kubernetes', o.volumeClaim, '--volume-claim NAME (a PersistentVolumeClaim mounted as the config directory)')
      return [{path: `${o.name}.yaml`, content: kubernetesManifests({...o, image: o.image})}]
    }
    case 'github': {
      refuseLocalPrimaries(o, 'GitHub Actions', o.stateDir, '--state-dir DIR (a directory that survives between runs on a self-hosted runner)')
      return [{path: `.github/workflows/${o.name}.yml`, content: githubWorkflow(o)}]
    }
  }
}

/**
 * A store on the job's own disk starts empty in every container or hosted runner: rotor would
 * create new values each run and lose them, while the consumers keep reading the last ones.
 */
function refuseLocalPrimaries(o: ManifestOptions, where: string, persistent: string | undefined, flag: string): void {
  if (o.localPrimaries.length === 0 || persistent) return
  const names = o.localPrimaries.slice(0, 5).map((p) => `${p.secret} (${p.store}, ${p.kind})`)
  const more = o.localPrimaries.length > 5 ? ` and ${o.localPrimaries.length - 5} more` : ''
  throw new UsageError(
    `refusing to schedule on ${where}: the primary of ${names.join(', ')}${more} is a store on the job's local disk, and every ${where} run starts from an empty one (new values each run, lost at its end)`,
    {hint: `name persistent storage with ${flag}, or make a cloud store the primary (the first target)`},
  )
}
