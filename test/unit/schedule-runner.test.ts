import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {scheduleFiles} from '../../src/schedule/index.js'
import {crontab, crontabCommand} from '../../src/schedule/crontab.js'
import {onCalendar, systemdUnits} from '../../src/schedule/systemd.js'
import {runCadence} from '../../src/schedule/runner.js'
import {config, DAY, HOUR, secret} from './plan/fixtures.js'

const cadence = runCadence(config(secret({maxAgeMs: 30 * DAY, graceMs: HOUR})))
const options = (over: Record<string, unknown> = {}) => ({
  cadence,
  configFile: '/srv/rotor 1/rotor.yaml',
  configText: 'version: 1\n',
  repoConfig: 'rotor.yaml',
  workdir: '/srv/rotor 1',
  rotor: ['/opt/node/bin/node', '/opt/rotor/bin/run.js'],
  name: 'rotor-apply',
  user: 'ops',
  storeKinds: ['aws'],
  localPrimaries: [],
  hasFileStore: false,
  ...over,
})

describe('rotor schedule', () => {
  it('runs at a quarter of the shortest window, rounded down to a step that divides an hour', () => {
    expect(runCadence(config(secret({maxAgeMs: 30 * DAY, graceMs: HOUR})))).toMatchObject({everyMinutes: 15, cron: '*/15 * * * *'})
    expect(runCadence(config(secret({maxAgeMs: 30 * DAY, graceMs: DAY})))).toMatchObject({everyMinutes: 60, cron: '0 * * * *'})
    const tight = runCadence(config(secret({name: 'a', maxAgeMs: 30 * DAY, graceMs: DAY}), secret({name: 'b', maxAgeMs: 2 * HOUR, graceMs: 10 * 60_000})))
    expect(tight).toMatchObject({everyMinutes: 5, drivenBy: {secret: 'b', what: 'grace'}})
  })

  it('names node and rotor by absolute path, quotes paths, and keeps the exit code', () => {
    const text = crontab(options())
    expect(text).toContain('\nPATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin\n')
    expect(text.split('\n').at(-1)).toBe(`*/15 * * * * ${crontabCommand(options())}`)
    expect(crontabCommand(options())).toMatch(/^cd '\/srv\/rotor 1' && \/opt\/node\/bin\/node \/opt\/rotor\/bin\/run\.js apply --yes --config '\/srv\/rotor 1\/rotor\.yaml' \|\|/)
    expect(crontabCommand(options())).toContain('exit $status')
    // `%` is a newline to cron unless escaped.
    expect(crontabCommand(options({workdir: '/srv/50%'}))).toContain("cd '/srv/50\\%'")
  })

  it('prints a persistent, randomly delayed systemd timer', () => {
    const {service, timer} = systemdUnits(options())
    expect(timer.content).toContain('Persistent=true')
    expect(timer.content).toMatch(/RandomizedDelaySec=\d+/)
    expect(timer.content).toContain('OnCalendar=*-*-* *:00/15:00')
    expect(onCalendar(60)).toBe('*-*-* *:00:00')
    expect(service.content).toContain('ExecStart=/opt/node/bin/node /opt/rotor/bin/run.js apply --yes --config "/srv/rotor 1/rotor.yaml"')
    expect(service.content).toContain('User=ops')
  })

  it('refuses a local primary on Kubernetes and GitHub Actions unless storage is named', () => {
    const local = options({storeKinds: ['file'], hasFileStore: true, localPrimaries: [{secret: 'api', store: 'local', kind: 'file'}], image: 'rotor:1'})
    expect(() => scheduleFiles('kubernetes', local)).toThrow(/api \(local, file\).*empty/)
    expect(() => scheduleFiles('github', local)).toThrow(/--state-dir|empty/)
    expect(() => scheduleFiles('kubernetes', {...local, volumeClaim: 'rotor-state'})).not.toThrow()
    expect(() => scheduleFiles('kubernetes', options())).toThrow(/--image/)
    const docs = scheduleFiles('kubernetes', {...local, volumeClaim: 'rotor-state'})[0].content.split(/^---$/m).map((d) => parse(d))
    expect(docs[1].spec.jobTemplate.spec.template.spec.volumes).toContainEqual({name: 'state', persistentVolumeClaim: {claimName: 'rotor-state'}})
  })
})
