import {describe, expect, it} from 'vitest'
import {plan} from '../../../src/plan/planner.js'
import type {IssuerObservation} from '../../../src/plan/types.js'
import type {IssuerCredential} from '../../../providers/issuers/types.js'
import {config, DAY, inventory, promoted, secret, snapshot, version} from './fixtures.js'

const NOW = new Date('2026-03-01T00:00:00Z')
const bound = secret({issuer: {name: 'db', binding: {}, deleteAfterMs: DAY}, maxAgeMs: 30 * DAY})
const accepting = {accepts: true, mints: false, maxValid: 2 as const, deactivates: false, lists: true}
const minting = {accepts: false, mints: true, maxValid: 2 as const, deactivates: true, lists: true}

function withIssuer(snap: ReturnType<typeof snapshot>, credentials: IssuerCredential[], capabilities = accepting, meta: Record<string, string> = {}) {
  const inv = inventory([[bound, [{...snap, meta: {...snap.meta, ...meta}}]]])
  const issuer: IssuerObservation = {issuer: 'db', capabilities, credentials}
  inv.get('api')![0].issuer = issuer
  return inv
}
const active = (id: string, createdAt = '2026-01-01T00:00:00Z'): IssuerCredential => ({id, state: 'active', createdAt: new Date(createdAt)})

describe('planner: issuers (pure)', () => {
  it('creates and rotates through the issuer, naming it in the action', () => {
    const fresh = withIssuer({path: 'api', exists: false, owned: false, versions: [], meta: {}, labels: {}}, [])
    expect(plan(config(bound), fresh, NOW).actions).toEqual([{kind: 'create', secret: 'api', targets: bound.targets, issuer: 'db'}])
    const due = withIssuer(promoted('api', '2026-01-20T00:00:00Z', DAY, false), [active('a')], accepting, {issuerCurrent: 'a'})
    expect(plan(config(bound), due, NOW).actions).toEqual([expect.objectContaining({kind: 'rotate', issuer: 'db', reason: 'max-age'})])
  })

  it('retires in the stores, then revokes at the issuer once the grace window ended', () => {
    const after = withIssuer(promoted('api', '2026-02-20T00:00:00Z', DAY), [active('a'), active('b')], accepting, {issuerCurrent: 'b', issuerPrevious: 'a'})
    const actions = plan(config(bound), after, NOW).actions
    expect(actions.map((a) => a.kind)).toEqual(['retire', 'revoke'])
    expect(actions[1]).toEqual({kind: 'revoke', secret: 'api', issuer: 'db', credentialId: 'a', mode: 'delete', why: 'grace-ended'})
    // In grace: neither.
    const inGrace = withIssuer(promoted('api', '2026-02-28T12:00:00Z', DAY), [active('a'), active('b')], accepting, {issuerCurrent: 'b', issuerPrevious: 'a'})
    expect(plan(config(bound), inGrace, NOW).actions).toEqual([])
  })

  it('deactivates where the issuer can, and deletes after deleteAfter', () => {
    const after = withIssuer(promoted('api', '2026-02-20T00:00:00Z', DAY), [active('a'), active('b')], minting, {issuerCurrent: 'b', issuerPrevious: 'a'})
    expect(plan(config(bound), after, NOW).actions.at(-1)).toMatchObject({kind: 'revoke', credentialId: 'a', mode: 'deactivate'})
    const meta = {issuerCurrent: 'b', issuerInactive: 'a', issuerDeleteAt: '2026-02-28T00:00:00Z'}
    const waiting = withIssuer(promoted('api', '2026-02-20T00:00:00Z', DAY, false), [{...active('a'), state: 'inactive'}, active('b')], minting, meta)
    expect(plan(config(bound), waiting, NOW).actions).toEqual([{kind: 'revoke', secret: 'api', issuer: 'db', credentialId: 'a', mode: 'delete', why: 'delete-after'}])
  })

  it('recovers an issuer call no store holds: revokes the slot it wrote, then rotates again', () => {
    const meta = {issuerCurrent: 'a', issuerIntent: 'rot-x', issuerIntentId: 'b', issuerIntentAt: '2026-02-28T00:00:00Z'}
    const inv = withIssuer(promoted('api', '2026-02-20T00:00:00Z', DAY, false), [active('a'), active('b')], accepting, meta)
    const actions = plan(config(bound), inv, NOW).actions
    expect(actions[0]).toEqual({kind: 'issuer-recover', secret: 'api', issuer: 'db', rotationId: 'rot-x', revoke: ['b']})
    expect(actions[1]).toMatchObject({kind: 'rotate', issuer: 'db', note: 'rotating again after an interrupted issuer call'})
  })

  it('recovers a minting issuer by creation time, never touching what the stores hold or older strangers', () => {
    const meta = {issuerCurrent: 'a', issuerIntent: 'rot-x', issuerIntentAt: '2026-02-28T00:00:00Z'}
    const listed = [active('a'), active('stranger', '2026-02-01T00:00:00Z'), active('new', '2026-02-28T00:00:01Z')]
    const inv = withIssuer(promoted('api', '2026-02-20T00:00:00Z', DAY, false), listed, minting, meta)
    expect(plan(config(bound), inv, NOW).actions[0]).toMatchObject({kind: 'issuer-recover', revoke: ['new']})
  })

  it('recovers a minting issuer by what it listed before the call, whatever the clocks say', () => {
    // The issuer's clock is a year behind rotor's: by creation time the new key would look older than the intent.
    const meta = {issuerCurrent: 'a', issuerIntent: 'rot-x', issuerIntentAt: '2027-02-28T00:00:00Z', issuerIntentListed: '2 a stranger'}
    const listed = [active('a'), active('stranger', '2026-02-01T00:00:00Z'), active('new', '2026-02-27T00:00:01Z')]
    const inv = withIssuer(promoted('api', '2026-02-20T00:00:00Z', DAY, false), listed, minting, meta)
    expect(plan(config(bound), inv, NOW).actions[0]).toMatchObject({kind: 'issuer-recover', revoke: ['new']})
    // The orphan's slot is freed by the recovery before the new rotation: not blocked as a stranger.
    const full = withIssuer(promoted('api', '2026-02-20T00:00:00Z', DAY, false), [active('a'), active('new', '2026-02-27T00:00:01Z')], minting, {...meta, issuerIntentListed: '1 a'})
    const result = plan(config(bound), full, NOW)
    expect(result.blocked).toEqual([])
    expect(result.actions.map((a) => a.kind)).toEqual(['issuer-recover', 'rotate'])
    // Nothing listed before (an empty list is still a list): every credential no store holds is the call's.
    const none = withIssuer(promoted('api', '2026-02-20T00:00:00Z', DAY, false), [active('a'), active('new', '2026-02-27T00:00:01Z')], minting, {...meta, issuerIntentListed: '0'})
    expect(plan(config(bound), none, NOW).actions[0]).toMatchObject({kind: 'issuer-recover', revoke: ['new']})
    // A malformed list is ignored: the creation time decides, as for intents recorded before the list existed.
    const bad = withIssuer(promoted('api', '2026-02-20T00:00:00Z', DAY, false), listed, minting, {...meta, issuerIntentListed: '3 a'})
    expect(plan(config(bound), bad, NOW).actions[0]).toMatchObject({kind: 'issuer-recover', revoke: []})
  })

  it('resumes a staged rotation instead of recovering its intent', () => {
    const meta = {issuerCurrent: 'a', issuerIntent: 'rot-x', issuerIntentId: 'b', issuerIntentAt: '2026-02-28T00:00:00Z'}
    const snap = snapshot('api', [version('2', 'current', '2026-01-20T00:00:00Z'), version('3', 'pending', '2026-02-28T00:00:00Z', {rotationId: 'rot-x'})], {promotedVersion: '2', promotedAt: '2026-01-20T00:00:00Z', graceEndsAt: '2026-01-21T00:00:00Z'})
    const actions = plan(config(bound), withIssuer(snap, [active('a'), active('b')], accepting, meta), NOW).actions
    expect(actions).toEqual([expect.objectContaining({kind: 'rotate', resume: 'rot-x', issuer: 'db'})])
  })

  it('blocks a rotation when a minting issuer holds two credentials rotor does not know', () => {
    const inv = withIssuer(promoted('api', '2026-01-20T00:00:00Z', DAY, false), [active('a'), active('human')], minting, {issuerCurrent: 'a'})
    const result = plan(config(bound), inv, NOW)
    expect(result.actions).toEqual([])
    expect(result.blocked[0].reason).toContain('rotor knows only some of them')
    expect(result.blocked[0].hint).toContain('human')
  })

  it('blocks a secret whose issuer could not be read, and a rollback to a credential that is gone', () => {
    const inv = inventory([[bound, [promoted('api', '2026-02-28T12:00:00Z', DAY)]]])
    inv.get('api')![0].issuer = {issuer: 'db', error: {code: 'UNAVAILABLE', message: 'connection refused'}}
    expect(plan(config(bound), inv, NOW).blocked[0].reason).toBe('could not read issuer db: connection refused')
    const gone = withIssuer(promoted('api', '2026-02-28T12:00:00Z', DAY), [active('b')], accepting, {issuerCurrent: 'b', issuerPrevious: 'a'})
    const rollback = plan(config(bound), gone, NOW, {rollback: new Set(['api'])})
    expect(rollback.actions).toEqual([])
    expect(rollback.blocked[0].reason).toContain('previous credential a is gone at issuer db')
  })

  it('before a first creation, revokes what a crashed run minted that only the audit log recorded', () => {
    const fresh = withIssuer({path: 'api', exists: false, owned: false, versions: [], meta: {}, labels: {}}, [active('old', '2026-02-01T00:00:00Z'), active('orphan', '2026-02-28T10:00:01Z')], minting)
    fresh.get('api')![0].issuer!.unrecorded = [{rotationId: 'rot-x', at: '2026-02-28T10:00:00Z', seq: 7, runId: 'r1'}]
    expect(plan(config(bound), fresh, NOW).actions).toEqual([
      {kind: 'issuer-recover', secret: 'api', issuer: 'db', rotationId: 'rot-x', revoke: ['orphan']},
      {kind: 'create', secret: 'api', targets: bound.targets, issuer: 'db'},
    ])
  })
})
