/**
 * `rotor copy` and a secret with an issuer (docs/decisions.md, "copy and issued credentials"):
 * the issuer state (which credentials the stores hold, which are due for revocation) lives in
 * the primary's meta for one secret. Copy carries none of it, so it refuses to copy an issued
 * credential out or to write over one: before this, it copied the credential without the state
 * (a copy the secret's next rotation revokes, unrecorded) and exited 0.
 */
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {json} from '../support/cli.js'
import {type IssuerWorld, makeIssuerWorld, memoryIssuerFixture} from '../fault/support/issuer-world.js'
import {at} from '../fault/support/world.js'

let world: IssuerWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const writes = async (w: IssuerWorld): Promise<number> => (await w.auditEntries()).filter((e) => String(e.reason ?? '').startsWith('copy from')).length

describe('rotor copy and issued credentials (memory issuer, built CLI)', () => {
  it('refuses a source or destination that is a target of an issuer-backed secret, and a source holding issuer state; writes nothing', async () => {
    world = await makeIssuerWorld('copy-issuer', (w) => memoryIssuerFixture.bind(undefined, w))
    const created = await world.cli(['apply', '--yes'], at(0))
    expect(created.code, created.stderr).toBe(0)
    expect((await world.inspect())[0].meta).toMatchObject({issuerCurrent: 'app-a'})

    const out = await world.cli(['copy', '--from', 'file-a:api', '--to', 'file-b:copied', '--yes'], at(1))
    expect(out.code).toBe(64)
    expect(out.stderr).toMatch(/--from file-a:api is a target of secret api, whose values are credentials issued by src/)
    expect(out.stderr).toContain('rotor sync api')

    const into = await world.cli(['copy', '--from', 'file-b:elsewhere', '--to', 'file-b:api', '--yes'], at(1))
    expect(into.code).toBe(64)
    expect(into.stderr).toMatch(/--to file-b:api is a target of secret api, whose values are credentials issued by src/)

    // The secret taken out of the config (or another project's store): its primary still holds
    // the issuer state, which the plan sees and blocks on.
    const file = join(world.dir, 'rotor.yaml')
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\n {4}issuer: .*\n/, '\n'))
    const blocked = await world.cli(['copy', '--from', 'file-a:api', '--to', 'file-b:copied', '--yes', '--json'], at(1))
    expect(blocked.code, blocked.stderr).toBe(1)
    const result = json<{plan: {actions: unknown[]; blocked: Array<{reason: string}>}}>(blocked)
    expect(result.plan.actions).toEqual([])
    expect(result.plan.blocked).toEqual([expect.objectContaining({reason: expect.stringMatching(/file-a:api holds the issuer state of a secret \(issuerCurrent=app-a/)})])
    expect(await writes(world)).toBe(0)
    expect(await world.binding.accepted()).toEqual(['app-a'])
  })
})
