import {describe, expect, it} from 'vitest'
import {crontabLine, githubWorkflow, kubernetesCronJob, runCadence} from '../../src/schedule/runner.js'
import {config, DAY, HOUR, secret} from './plan/fixtures.js'

describe('rotor schedule', () => {
  it('runs at a quarter of the shortest window, rounded down to a step that divides an hour', () => {
    expect(runCadence(config(secret({maxAgeMs: 30 * DAY, graceMs: HOUR})))).toMatchObject({everyMinutes: 15, cron: '*/15 * * * *'})
    expect(runCadence(config(secret({maxAgeMs: 30 * DAY, graceMs: DAY})))).toMatchObject({everyMinutes: 60, cron: '0 * * * *'})
    const tight = runCadence(config(secret({name: 'a', maxAgeMs: 30 * DAY, graceMs: DAY}), secret({name: 'b', maxAgeMs: 2 * HOUR, graceMs: 10 * 60_000})))
    expect(tight).toMatchObject({everyMinutes: 5, drivenBy: {secret: 'b', what: 'grace'}})
  })

  it('prints manifests that forbid overlapping runs', () => {
    const options = {cadence: runCadence(config(secret({maxAgeMs: 30 * DAY, graceMs: HOUR}))), configPath: 'rotor.yaml', workdir: '/srv/rotor', image: 'rotor:1', name: 'rotor-apply'}
    expect(crontabLine(options)).toMatch(/^\*\/15 \* \* \* \* cd \/srv\/rotor && rotor apply --yes --config rotor\.yaml/)
    const cronJob = kubernetesCronJob(options)
    expect(cronJob).toContain('concurrencyPolicy: Forbid')
    expect(cronJob).toContain('schedule: "*/15 * * * *"')
    const workflow = githubWorkflow(options)
    expect(workflow).toMatch(/concurrency:\n {2}group: rotor-apply\n {2}cancel-in-progress: false/)
    expect(workflow).toContain('- cron: "*/15 * * * *"')
    expect(workflow).toContain('ROTOR_PACKAGE: ${{ vars.ROTOR_PACKAGE }}')
    expect(workflow).not.toMatch(/run: npx/)
  })
})
