import {describe, expect, it} from 'vitest'
import {causeOf, readCoverage, unreadExitCode} from '../../../src/output/unread.js'
import type {Inventory, TargetObservation} from '../../../src/plan/types.js'
import {commonDirectory} from '../../../src/run/orphans.js'

const ok = (store: string, path: string): TargetObservation => ({target: {store, path}, snapshot: {path, exists: true, owned: true, versions: [], meta: {}, labels: {}}})
const failed = (store: string, path: string, message: string): TargetObservation => ({target: {store, path}, error: {code: 'AUTH', message}})

describe('read coverage', () => {
  it('exit 1 when nothing was read, 3 when part was, none when all was', () => {
    const none: Inventory = new Map([['a', [failed('v', 'a', 'denied')]]])
    const part: Inventory = new Map([['a', [failed('v', 'a', 'denied'), ok('f', 'a')]]])
    const all: Inventory = new Map([['a', [ok('f', 'a')]]])
    expect(unreadExitCode(readCoverage(none))).toBe(1)
    expect(unreadExitCode(readCoverage(part))).toBe(3)
    expect(unreadExitCode(readCoverage(all))).toBeUndefined()
  })

  it('counts each target once, however many secrets name it, and a path on two stores twice', () => {
    const inventory: Inventory = new Map([
      ['a', [failed('v', 'shared', 'denied'), ok('f', 'shared')]],
      ['b', [failed('v', 'shared', 'denied'), ok('f', 'b')]],
    ])
    const coverage = readCoverage(inventory)
    expect([coverage.targets, coverage.unread]).toEqual([3, 1])
    expect(coverage.groups).toEqual([{store: 'v', reason: 'denied', count: 1, targets: ['v:shared']}])
  })

  it('groups one cause per store with a count, even when each message names its target', () => {
    const inventory: Inventory = new Map([
      ['a', [failed('aws', 'team/a', 'aws:team/a: DescribeSecret failed: bad signature'), failed('vault', 'team/a', 'permission denied')]],
      ['b', [failed('aws', 'team/b', 'aws:team/b: DescribeSecret failed: bad signature'), failed('vault', 'team/b', 'permission denied')]],
      ['c', [failed('vault', 'team/c', 'permission denied')]],
    ])
    const coverage = readCoverage(inventory)
    expect(coverage.groups.map((g) => [g.store, g.count, g.reason])).toEqual([
      ['vault', 3, 'permission denied'],
      ['aws', 2, 'DescribeSecret failed: bad signature'],
    ])
  })

  it('a target shared by two secrets counts once', () => {
    const inventory: Inventory = new Map([
      ['a', [failed('v', 'shared', 'x')]],
      ['b', [failed('v', 'shared', 'x'), ok('f', 'b')]],
    ])
    expect(readCoverage(inventory)).toMatchObject({targets: 2, unread: 1})
  })

  it('causeOf strips the target from the message', () => {
    expect(causeOf('gcp:app/x: ListSecretVersions on app/x denied', 'gcp:app/x', 'app/x')).toBe('ListSecretVersions on <target> denied')
  })
})

describe('orphan prefixes', () => {
  it('the common directory of a store\'s paths', () => {
    expect(commonDirectory(['team/a/x', 'team/a/y'])).toBe('team/a/')
    expect(commonDirectory(['team/a/x', 'team/b/y'])).toBe('team/')
    expect(commonDirectory(['team/a', 'other/b'])).toBe('')
    expect(commonDirectory(['app-a', 'app-b'])).toBe('')
    expect(commonDirectory(['team/ab/x', 'team/a/y'])).toBe('team/')
  })
})
