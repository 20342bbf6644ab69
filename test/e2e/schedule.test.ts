import {spawnSync} from 'node:child_process'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse, parseAllDocuments} from 'yaml'
import {json, runCli} from '../support/cli.js'

interface ScheduleJson {
  cadence: {cron: string; everyMinutes: number}
  files: Array<{path: string; content: string}>
}

const FILE_CONFIG = `version: 1
audit:
  path: .rotor/audit.log
  keyFile: audit.key
stores:
  local:
    type: file
    keyFile: file.key
secrets:
  api-key:
    maxAge: 30d
    grace: 1h
    targets: [local:app/api-key]
`

const CLOUD_CONFIG = `version: 1
stores:
  aws: {type: aws, region: eu-west-1}
  vault: {type: vault, address: "https://vault.example.com:8200"}
  gcp: {type: gcp, project: acme-prod-123}
  azure: {type: azure, vaultUrl: "https://acme.vault.azure.net"}
  local: {type: file}
secrets:
  api-key:
    maxAge: 30d
    grace: 1h
    targets: [aws:app/api-key, vault:app/api-key, gcp:app-api-key, azure:app-api-key, local:app/api-key]
`

/** Every value in a parsed document tree, with the key it sits under. */
function* entries(node: unknown, key = ''): Generator<[string, unknown]> {
  yield [key, node]
  if (Array.isArray(node)) for (const item of node) yield* entries(item, key)
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) yield* entries(v, k)
}

describe('rotor schedule (built CLI)', () => {
  let dir: string
  let cloudDir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-schedule-'))
    cloudDir = await mkdtemp(join(tmpdir(), 'rotor-schedule-cloud-'))
    await writeFile(join(dir, 'rotor.yaml'), FILE_CONFIG)
    await writeFile(join(cloudDir, 'rotor.yaml'), CLOUD_CONFIG)
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
    await rm(cloudDir, {recursive: true, force: true})
  })

  it('prints a crontab entry that works under cron\'s bare environment', async () => {
    const result = await runCli(['schedule', '--json'], {cwd: dir})
    expect(result.code, result.stderr).toBe(0)
    const {files, cadence} = json<ScheduleJson>(result)
    const lines = files[0].content.trimEnd().split('\n')
    expect(lines).toContainEqual(expect.stringMatching(/^PATH=(\/\S+:)?\/usr\/local\/bin:\/usr\/bin:\/bin$/))
    const entry = lines.at(-1)!
    expect(entry.startsWith(`${cadence.cron} `)).toBe(true)
    const command = entry.slice(cadence.cron.length + 1).replaceAll('\\%', '%')
    // As cron runs it: sh, PATH=/usr/bin:/bin, nothing else; from another directory.
    const run = spawnSync('env', ['-i', 'PATH=/usr/bin:/bin', 'sh', '-c', command], {cwd: tmpdir(), encoding: 'utf8'})
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)
    const status = json<{secrets: Array<{name: string; health: string; targets: Array<{currentVersion?: string}>}>}>(
      await runCli(['status', '--json'], {cwd: dir}),
    )
    expect(status.secrets[0]).toMatchObject({name: 'api-key', health: 'ok'})
    expect(status.secrets[0].targets[0].currentVersion).toBeTruthy()
    // The text form is the same entry, nothing but crontab lines on stdout.
    const text = await runCli(['schedule'], {cwd: dir})
    expect(text.stdout.trimEnd()).toBe(files[0].content.trimEnd())
  })

  it('prints systemd units that systemd-analyze accepts', async (context) => {
    const result = await runCli(['schedule', '--format', 'systemd', '--json'], {cwd: dir})
    expect(result.code, result.stderr).toBe(0)
    const {files} = json<ScheduleJson>(result)
    const [service, timer] = files
    expect(service.path).toMatch(/rotor-apply\.service$/)
    expect(timer.content).toContain('Persistent=true')
    expect(timer.content).toMatch(/^RandomizedDelaySec=\d+$/m)
    const probe = spawnSync('systemd-analyze', ['--version'], {encoding: 'utf8'})
    if (probe.error || probe.status !== 0) {
      console.warn('SKIPPED: systemd-analyze is not installed; the systemd units were not verified')
      context.skip()
    }
    const unitDir = join(dir, 'units')
    await import('node:fs/promises').then((fs) => fs.mkdir(unitDir))
    for (const f of files) await writeFile(join(unitDir, f.path.split('/').at(-1)!), f.content)
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', join(unitDir, 'rotor-apply.service'), join(unitDir, 'rotor-apply.timer')], {
      encoding: 'utf8',
    })
    expect(verify.status, verify.stderr).toBe(0)
    expect(verify.stderr).not.toMatch(/rotor-apply\.(service|timer):\d+/)
  })

  it('refuses a file-store primary on Kubernetes and GitHub Actions, and says why', async () => {
    const k8s = await runCli(['schedule', '--format', 'kubernetes', '--image', 'ghcr.io/acme/rotor:1.4'], {cwd: dir})
    expect(k8s.code).toBe(64)
    expect(k8s.stderr).toContain('every Kubernetes run starts from an empty one')
    expect(k8s.stderr).toContain('--volume-claim')
    expect(k8s.stdout).toBe('')
    const gh = await runCli(['schedule', '--format', 'github'], {cwd: dir})
    expect(gh.code).toBe(64)
    expect(gh.stderr).toContain('api-key (local, file)')
    const noImage = await runCli(['schedule', '--format', 'kubernetes', '--volume-claim', 'rotor-state'], {cwd: dir})
    expect(noImage.code).toBe(64)
    expect(noImage.stderr).toContain('--image')
  })

  it('prints a Kubernetes ConfigMap and a CronJob with required Secrets and no overlap', async () => {
    const result = await runCli(['schedule', '--format', 'kubernetes', '--image', 'ghcr.io/acme/rotor:1.4', '--volume-claim', 'rotor-state', '--json'], {cwd: dir})
    expect(result.code, result.stderr).toBe(0)
    const documents = parseAllDocuments(json<ScheduleJson>(result).files[0].content)
    expect(documents.every((d) => d.errors.length === 0)).toBe(true)
    const [configMap, cronJob] = documents.map((d) => d.toJS())
    expect(configMap.kind).toBe('ConfigMap')
    expect(configMap.data['rotor.yaml']).toBe(await readFile(join(dir, 'rotor.yaml'), 'utf8'))
    expect(cronJob.kind).toBe('CronJob')
    expect(cronJob.spec.concurrencyPolicy).toBe('Forbid')
    const pod = cronJob.spec.jobTemplate.spec.template.spec
    const container = pod.containers[0]
    expect(container.image).toBe('ghcr.io/acme/rotor:1.4')
    expect(container.args).toEqual(['apply', '--yes', '--json', '--config', '/var/lib/rotor/rotor.yaml'])
    expect(pod.volumes).toContainEqual({name: 'config', configMap: {name: `${configMap.metadata.name}`}})
    expect(pod.volumes).toContainEqual({name: 'state', persistentVolumeClaim: {claimName: 'rotor-state'}})
    expect(container.volumeMounts).toContainEqual({name: 'config', mountPath: '/var/lib/rotor/rotor.yaml', subPath: 'rotor.yaml', readOnly: true})
    const fileKey = container.env.find((e: {name: string}) => e.name === 'ROTOR_FILE_KEY')
    expect(fileKey.valueFrom.secretKeyRef).toEqual({name: 'rotor-apply-file-key', key: 'ROTOR_FILE_KEY'})
    for (const [key, value] of entries(cronJob)) if (key === 'optional') expect(value).not.toBe(true)
  })

  it('takes cloud credentials from a required Secret in Kubernetes', async () => {
    const result = await runCli(['schedule', '--format', 'kubernetes', '--image', 'rotor:1', '--config', join(cloudDir, 'rotor.yaml'), '--json'], {cwd: cloudDir})
    expect(result.code, result.stderr).toBe(0)
    const cronJob = parseAllDocuments(json<ScheduleJson>(result).files[0].content)[1].toJS()
    const container = cronJob.spec.jobTemplate.spec.template.spec.containers[0]
    expect(container.envFrom).toEqual([{secretRef: {name: 'rotor-apply-credentials'}}])
    for (const [key, value] of entries(cronJob)) if (key === 'optional') expect(value).not.toBe(true)
  })

  it('prints a workflow with an OIDC login step for each cloud the config uses', async () => {
    const result = await runCli(['schedule', '--format', 'github', '--json'], {cwd: cloudDir})
    expect(result.code, result.stderr).toBe(0)
    const workflow = parse(json<ScheduleJson>(result).files[0].content)
    expect(workflow.permissions['id-token']).toBe('write')
    expect(workflow.concurrency).toEqual({group: 'rotor-apply', 'cancel-in-progress': false})
    expect(workflow.on.schedule[0].cron).toMatch(/^\*\/15 /)
    const steps: Array<{uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string>}> = workflow.jobs.apply.steps
    const uses = steps.map((s) => s.uses?.split('@')[0])
    expect(uses).toEqual(
      expect.arrayContaining(['aws-actions/configure-aws-credentials', 'google-github-actions/auth', 'azure/login', 'hashicorp/vault-action']),
    )
    expect(steps.find((s) => s.uses?.startsWith('hashicorp/vault-action'))?.with).toMatchObject({method: 'jwt', exportToken: true})
    const apply = steps.find((s) => s.run?.startsWith('rotor apply'))!
    expect(apply.run).toBe('rotor apply --yes --json --config rotor.yaml')
    expect(apply.env?.ROTOR_FILE_KEY).toBe('${{ secrets.ROTOR_FILE_KEY }}')
    // The file store here is a secondary target: allowed; only a local primary is refused.
  })

  it('runs a file-store primary on a self-hosted runner with a state directory', async () => {
    const result = await runCli(['schedule', '--format', 'github', '--state-dir', '/srv/rotor', '--json'], {cwd: dir})
    expect(result.code, result.stderr).toBe(0)
    const workflow = parse(json<ScheduleJson>(result).files[0].content)
    expect(workflow.jobs.apply['runs-on']).toEqual(['self-hosted'])
    const runs = workflow.jobs.apply.steps.map((s: {run?: string}) => s.run).filter(Boolean)
    expect(runs).toContain('rotor apply --yes --json --config /srv/rotor/rotor.yaml')
  })
})
