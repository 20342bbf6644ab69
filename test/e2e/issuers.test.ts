/**
 * A secret with an issuer through the built CLI: create issues the first credential, a due
 * rotation issues the second into the other slot while the first stays valid for grace, and the
 * run after grace retires the old version in the stores and then revokes it at the issuer. The
 * memory issuer keeps its credentials in a JSON file, so the test logs in without rotor.
 */
import {spawnSync} from 'node:child_process'
import {readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {json} from '../support/cli.js'
import {currentValues} from '../fault/support/checks.js'
import {type IssuerWorld, makeIssuerWorld, memoryIssuerFixture} from '../fault/support/issuer-world.js'
import {at} from '../fault/support/world.js'

let world: IssuerWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const open = (name: string, extra = '') => makeIssuerWorld(name, (w) => memoryIssuerFixture.bind(undefined, w), extra)

describe('issuers through the CLI (memory issuer)', () => {
  it('creates, rotates with both credentials valid in grace, then retires and revokes the old one', async () => {
    world = await open('issuer-life')
    const plan = await world.cli(['plan'], at(0))
    expect(plan.stdout).toContain('issue at src, then create on file-a:api, file-b:api')

    const create = await world.cli(['apply', '--yes', '--json'], at(0))
    expect(create.code, create.stdout + create.stderr).toBe(0)
    const [first] = currentValues(await world.inspect())
    expect(JSON.parse(first)).toMatchObject({id: 'app-a'})
    expect(await world.binding.authenticates(first)).toBe(true)
    expect(await world.binding.accepted()).toEqual(['app-a'])

    // doctor asks the issuer, policy prints what it needs, both per binding.
    const doctor = json<{healthy: boolean; issuers: Array<{issuer: string; secret: string; checks: Array<{ok: boolean}>}>}>(await world.cli(['doctor', '--json'], at(0)))
    expect(doctor.healthy).toBe(true)
    expect(doctor.issuers).toEqual([expect.objectContaining({issuer: 'src', type: 'memory', secret: 'api', checks: [expect.objectContaining({ok: true})]})])
    const policy = await world.cli(['policy', '--issuer', 'src'], at(0))
    expect(policy.code, policy.stderr).toBe(0)
    expect(policy.stdout).toContain('Accounts: app (api)')

    const due = await world.cli(['plan'], at(31))
    expect(due.stdout).toMatch(/rotate \(max-age.*\): issue at src, check there, then promote/)
    const rotate = await world.cli(['apply', '--yes', '--json'], at(31))
    expect(rotate.code, rotate.stdout + rotate.stderr).toBe(0)
    const states = await world.inspect()
    const [second] = currentValues(states)
    expect(JSON.parse(second)).toMatchObject({id: 'app-b'})
    // Grace: the old credential is still in the stores and still logs in.
    expect(await world.binding.authenticates(first)).toBe(true)
    expect(await world.binding.authenticates(second)).toBe(true)
    expect(states[0].meta).toMatchObject({issuerCurrent: 'app-b', issuerPrevious: 'app-a'})
    expect(states[0].meta.issuerIntent).toBeUndefined()

    const status = json<{secrets: Array<{issuer?: {name: string; credentials: Array<{id: string; state: string; role?: string}>}}>}>(await world.cli(['status', '--json'], at(31, 5)))
    expect(status.secrets[0].issuer).toEqual({
      name: 'src',
      credentials: expect.arrayContaining([
        {id: 'app-a', state: 'active', role: 'previous'},
        {id: 'app-b', state: 'active', role: 'current'},
      ]),
    })

    const table = await world.cli(['status'], at(31, 5))
    expect(table.stdout).toContain('api at src: app-a active (previous), app-b active (current)')

    const later = await world.cli(['plan'], at(32, 5))
    console.log('PLAN', later.stdout, later.stderr)
    expect(later.stdout).toContain('revoke at src: delete credential app-a (its grace window ended)')
    const retire = await world.cli(['apply', '--yes', '--json'], at(32, 5))
    expect(retire.code, retire.stdout + retire.stderr).toBe(0)
    expect(await world.binding.authenticates(first)).toBe(false)
    expect(await world.binding.authenticates(second)).toBe(true)
    expect(await world.binding.accepted()).toEqual(['app-b'])
    const settled = await world.cli(['plan', '--detailed-exitcode'], at(32, 6))
    expect(settled.code, settled.stdout).toBe(0)

    // The next rotation takes the freed slot.
    const again = await world.cli(['apply', '--yes', '--json'], at(63))
    expect(again.code, again.stdout + again.stderr).toBe(0)
    const [third] = currentValues(await world.inspect())
    expect(JSON.parse(third)).toMatchObject({id: 'app-a'})
    expect(await world.binding.authenticates(second)).toBe(true)
    expect(await world.binding.authenticates(third)).toBe(true)
  })
})

describe('issuer rollback and two-step revoke through the CLI', () => {
  it('rolls back within grace to the previous credential, then deactivates and later deletes the one it replaced', async () => {
    world = await makeIssuerWorld('issuer-rollback', async (w) => {
      const fixture = await memoryIssuerFixture.bind(undefined, w)
      return {...fixture, binding: {...fixture.binding, deactivates: true, deleteAfter: '2d'}}
    })
    expect((await world.cli(['apply', '--yes'], at(0))).code).toBe(0)
    const [first] = currentValues(await world.inspect())
    expect((await world.cli(['apply', '--yes'], at(31))).code).toBe(0)
    const [second] = currentValues(await world.inspect())

    const rollback = await world.cli(['rollback', 'api', '--yes', '--json'], at(31, 10))
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0)
    const states = await world.inspect()
    expect(currentValues(states)).toEqual([first, first])
    expect(states[0].meta).toMatchObject({issuerCurrent: 'app-a', issuerPrevious: 'app-b'})
    expect(await world.binding.authenticates(first)).toBe(true)
    expect(await world.binding.authenticates(second)).toBe(true)

    // Grace over: the stores retire the replaced value, the issuer deactivates it (reversible)...
    const plan = await world.cli(['plan'], at(33))
    expect(plan.stdout).toContain('revoke at src: deactivate credential app-b (its grace window ended)')
    expect((await world.cli(['apply', '--yes'], at(33))).code).toBe(0)
    expect(await world.binding.authenticates(second)).toBe(false)
    expect(await world.binding.authenticates(first)).toBe(true)
    const status = await world.cli(['status'], at(33, 1))
    expect(status.stdout).toMatch(/app-b inactive \(retired, deleted after /)
    // ... and deletes it once deleteAfter is over.
    expect((await world.cli(['plan', '--detailed-exitcode'], at(34))).code).toBe(0)
    const later = await world.cli(['apply', '--yes'], at(35, 1))
    expect(later.code, later.stderr).toBe(0)
    expect(await world.binding.accepted()).toEqual(['app-a'])
    const gone = await world.cli(['status', '--json'], at(35, 2))
    expect(json<{secrets: Array<{issuer: {credentials: unknown[]}}>}>(gone).secrets[0].issuer.credentials).toEqual([{id: 'app-a', state: 'active', role: 'current'}])
  })
})

describe('issuer config through the CLI', () => {
  it('refuses the memory issuer without ROTOR_ALLOW_MEMORY=1, naming the line', async () => {
    world = await open('issuer-refused')
    const result = await world.cli(['config', 'validate'], at(0), {env: {ROTOR_ALLOW_MEMORY: ''}})
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/rotor\.yaml:\d+:\d+.*memory issuer type is for tests only/)
  })

  it('warns loudly at validate, plan and apply about a binding with one valid credential (grace zero)', async () => {
    world = await makeIssuerWorld('issuer-single', async (w) => {
      const fixture = await memoryIssuerFixture.bind(undefined, w)
      return {...fixture, binding: {...fixture.binding, maxValid: 1}}
    })
    for (const args of [['config', 'validate'], ['plan'], ['apply', '--yes']]) {
      const result = await world.cli(args, at(0))
      expect(result.code, result.stderr).toBe(0)
      expect(result.stderr, args.join(' ')).toContain('grace is ZERO')
    }
    const [value] = currentValues(await world.inspect())
    expect(await world.binding.authenticates(value)).toBe(true)
  })

  it('restore puts the issuer credential ids back on a lost primary, so the run after grace revokes the old credential', async () => {
    world = await open('issuer-restore')
    expect((await world.cli(['apply', '--yes'], at(0))).code).toBe(0)
    const rotate = await world.cli(['apply', '--yes'], at(31))
    expect(rotate.code, rotate.stderr).toBe(0)
    expect(await world.binding.accepted()).toEqual(expect.arrayContaining(['app-a', 'app-b']))
    // (No world.inspect() before the loss: its open handle would keep reading the deleted file.)
    type Status = {secrets: Array<{issuer?: {credentials: Array<{id: string; state: string; role?: string}>}}>}
    const credentials = async () => json<Status>(await world!.cli(['status', '--json'], at(31, 60))).secrets[0].issuer?.credentials
    const before = await credentials()
    expect(before).toEqual(expect.arrayContaining([expect.objectContaining({id: 'app-a', role: 'previous'}), expect.objectContaining({id: 'app-b', role: 'current'})]))

    await rm(join(world.dir, 'a.enc'))
    const restore = await world.cli(['restore', 'api', '--yes', '--json'], at(31, 60))
    expect(restore.code, restore.stdout + restore.stderr).toBe(0)
    // The roles come from the primary's meta (issuerCurrent, issuerPrevious), which went with the file.
    expect(await credentials()).toEqual(before)

    // After grace: retired in the stores and revoked at the issuer, as without the loss.
    const later = await world.cli(['plan'], at(32, 5))
    expect(later.stdout).toContain('revoke at src: delete credential app-a (its grace window ended)')
    const retire = await world.cli(['apply', '--yes', '--json'], at(32, 5))
    expect(retire.code, retire.stdout + retire.stderr).toBe(0)
    expect(await world.binding.accepted()).toEqual(['app-b'])
    const [current] = currentValues(await world.inspect())
    expect(JSON.parse(current)).toMatchObject({id: 'app-b'})
    expect(await world.binding.authenticates(current)).toBe(true)
  })

  it('status --format prometheus reports the issuer: up, credentials per state, unknown ones, an open intent (promtool-clean)', async () => {
    world = await open('issuer-prometheus')
    expect((await world.cli(['apply', '--yes'], at(0))).code).toBe(0)
    expect((await world.cli(['apply', '--yes'], at(31))).code).toBe(0)
    // A credential rotor does not know, put there behind its back.
    const file = join(world.dir, 'issuer.json')
    const system = JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>
    system.app['app-x'] = {value: 'x', state: 'inactive', createdAt: new Date(0).toISOString()}
    await writeFile(file, JSON.stringify(system))
    const status = await world.cli(['status', '--format', 'prometheus'], at(31, 5))
    const metrics = status.stdout
    const lines = metrics.split('\n')
    expect(lines).toContain('rotor_issuer_up{secret="api",issuer="src"} 1')
    expect(lines).toContain('rotor_issuer_credentials{secret="api",issuer="src",state="active"} 2')
    expect(lines).toContain('rotor_issuer_credentials{secret="api",issuer="src",state="inactive"} 1')
    expect(lines).toContain('rotor_issuer_unknown_credentials{secret="api",issuer="src"} 1')
    expect(lines).toContain('rotor_issuer_intent_open{secret="api",issuer="src"} 0')
    const found = spawnSync('sh', ['-c', 'command -v promtool'], {encoding: 'utf8'})
    if (found.status !== 0) {
      console.warn('SKIPPED promtool check of the issuer metrics: promtool is not installed (apt-get install -y prometheus provides it)')
      return
    }
    const check = spawnSync(found.stdout.trim(), ['check', 'metrics'], {input: metrics, encoding: 'utf8'})
    expect(check.status, `${check.stdout}${check.stderr}\n${metrics}`).toBe(0)
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('')

    // An issuer rotor cannot read: up 0, no credential counts.
    await writeFile(file, 'not json')
    const broken = await world.cli(['status', '--format', 'prometheus'], at(31, 5))
    expect(broken.stdout.split('\n')).toContain('rotor_issuer_up{secret="api",issuer="src"} 0')
    expect(broken.stdout).not.toContain('rotor_issuer_credentials{')
  })
})
