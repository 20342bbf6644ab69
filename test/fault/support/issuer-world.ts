/**
 * A fault-test world whose one secret (`api`, on file-a and file-b) has an issuer. The issuer
 * comes from a fixture, so the same tests run on every issuer kind: the memory issuer (its
 * credentials in a JSON file, so the killed CLI and the test see the same system), and later
 * PostgreSQL or IAM, whose fixtures bring their own server and an independent way to log in.
 */
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {CliResult} from '../../support/cli.js'
import {makeWorld, type World} from './world.js'

export const ISSUER = 'src'

/** One binding (its own roles, user or account) of the issuer under test, for one world. */
export interface IssuerBindingFixture {
  /** `issuers.src` in rotor.yaml: `type` and the issuer's settings. */
  issuer: Record<string, unknown>
  /** The secret's `issuer:` keys besides `name` (roles, user, account; deleteAfter). */
  binding: Record<string, unknown>
  /** Environment the CLI needs for this issuer (an admin password variable). */
  env?: NodeJS.ProcessEnv
  /** Logs in with a stored value (the JSON text of its fields) through the system itself. */
  authenticates(value: string): Promise<boolean>
  /** The ids of every credential of the binding the system accepts now. */
  accepted(): Promise<string[]>
  /** Every credential of the binding the system holds, accepted or not (IAM: inactive keys too), where that differs. */
  present?(): Promise<string[]>
  close(): Promise<void>
}

/** An issuer kind for the issuer crash matrix (support/issuer-matrix.ts). */
export interface IssuerMatrixFixture<Shared = unknown> {
  /** Names the issuer in the suite's title, e.g. `memory`, `postgres`, `aws-iam`. */
  name: string
  /** Starts what every world shares (a PostgreSQL cluster, moto); memory: nothing. */
  start(): Promise<Shared>
  stop(shared: Shared): Promise<void>
  /** A fresh binding for the world `name` in directory `dir`. */
  bind(shared: Shared, world: {name: string; dir: string}): Promise<IssuerBindingFixture>
  /** More than the checkpoints of one rotation; the counting test fails when it ever is not. */
  maxActions: number
  /** Why the system cannot run here (binaries missing): the matrix is skipped loudly with it. */
  unavailable?(): string | undefined
}

export interface IssuerWorld extends World {
  binding: IssuerBindingFixture
}

export async function makeIssuerWorld(name: string, bind: (world: {name: string; dir: string}) => Promise<IssuerBindingFixture>, secretExtra = ''): Promise<IssuerWorld> {
  // makeWorld writes rotor.yaml; the issuer block and the secret's binding go in after.
  const world = await makeWorld({name, secretExtra: `    ISSUER_REF\n${secretExtra}`})
  const binding = await bind({name, dir: world.dir})
  const ref = () => JSON.stringify({name: ISSUER, ...binding.binding})
  const file = join(world.dir, 'rotor.yaml')
  const text = (await readFile(file, 'utf8')).replace('ISSUER_REF', `issuer: ${ref()}`).replace('\nsecrets:\n', `\nissuers:\n  ${ISSUER}: ${JSON.stringify(binding.issuer)}\nsecrets:\n`)
  await writeFile(file, text)
  const env = {ROTOR_ALLOW_MEMORY: '1', ...binding.env}
  return {
    ...world,
    binding,
    env: {...world.env, ...env},
    cli: (args: string[], now: string, extra: {env?: NodeJS.ProcessEnv; preload?: string[]} = {}): Promise<CliResult> =>
      world.cli(args, now, {...extra, env: {...env, ...extra.env}}),
    close: async () => {
      await world.close()
      await binding.close()
    },
  }
}

/** A memory issuer binding (account `app`, more binding keys in `extra`) kept in `issuer.json` in `dir`. */
export function memoryIssuerBinding(dir: string, extra: Record<string, unknown> = {}): IssuerBindingFixture {
  const file = join(dir, 'issuer.json')
  const credentials = async (): Promise<Record<string, {value: string; state: string}>> => {
    try {
      return (JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, {value: string; state: string}>>).app ?? {}
    } catch {
      return {}
    }
  }
  return {
    issuer: {type: 'memory', file: 'issuer.json'},
    binding: {account: 'app', ...extra},
    async authenticates(value) {
      const fields = JSON.parse(value) as {id: string; value: string}
      const stored = (await credentials())[fields.id]
      return stored?.state === 'active' && stored.value === fields.value
    },
    accepted: async () => Object.entries(await credentials()).filter(([, c]) => c.state === 'active').map(([id]) => id),
    close: async () => {},
  }
}

/** The memory issuer with its credentials in `issuer.json` in the world's directory. */
export const memoryIssuerFixture: IssuerMatrixFixture<undefined> = {
  name: 'memory',
  start: async () => undefined,
  stop: async () => {},
  maxActions: 16,
  bind: async (_shared, world) => memoryIssuerBinding(world.dir),
}
