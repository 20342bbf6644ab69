/**
 * What `rotor get` does, free of oclif: the command (commands/get.ts) and the `get` fast path
 * (src/cli/get-fast.ts) both run this, so both read, print and fail alike. Without --reveal the
 * value is not read at all, and nothing here prints one.
 */
import type {GetResult} from '../../commands/get.js'
import {TEMPLATE_FIELD} from '../config/field-names.js'
import {UsageError} from '../errors/index.js'
import type {RunHost} from './command-core.js'
import {checkField, describeVersionOf, readValueOf, valueOfField} from '../exec/env.js'
import {secretByName} from '../run/select.js'
import type {SecretValue, VersionInfo} from '../../providers/types.js'

export interface GetFlags {
  reveal: boolean
  role: string
  version?: string
  target?: string
  field?: string
  template?: boolean
}

/** What get needs from the command line that runs it. */
export type GetHost = RunHost

export async function runGet(host: GetHost, name: string, flags: GetFlags): Promise<GetResult> {
  const config = await host.loadConfig()
  const secret = secretByName(config, name)
  const target = flags.target ? secret.targets.find((t) => `${t.store}:${t.path}` === flags.target) : secret.targets[0]
  if (!target) {
    throw new UsageError(`--target: ${flags.target} is not a target of ${secret.name}`, {
      hint: `targets: ${secret.targets.map((t) => `${t.store}:${t.path}`).join(', ')}`,
    })
  }
  const client = await host.stores(config).get(target.store)
  const selector = flags.version ? {versionId: flags.version} : {role: flags.role as 'current' | 'previous' | 'pending'}
  // Without --reveal the value is not read at all: describing is enough, and a read is audited.
  const field = flags.template ? TEMPLATE_FIELD : flags.field
  if (field !== undefined) checkField(secret, field)
  const ref = `${target.store}:${target.path}`
  let stored: SecretValue | undefined
  let version: VersionInfo | undefined
  if (!flags.reveal) version = await describeVersionOf(secret.name, client, target.path, selector, {strict: true})
  else if (!host.json) {
    // The text output is the value alone: the version's metadata would be read for nothing
    // (two more requests on AWS, and a permission a reader of values may not have).
    stored = await readValueOf(secret.name, client, target.path, selector)
  } else {
    // Both at once; a failed read is the error to report, whatever the description did.
    const [read, described] = await Promise.allSettled([
      readValueOf(secret.name, client, target.path, selector),
      describeVersionOf(secret.name, client, target.path, selector, {strict: false}),
    ])
    if (read.status === 'rejected') throw read.reason
    if (described.status === 'rejected') throw described.reason
    stored = read.value
    version = described.value
  }
  const value = stored && field !== undefined ? valueOfField(secret, ref, stored, field) : stored
  const result: GetResult = {
    secret: secret.name,
    target: ref,
    ...(field !== undefined ? {field} : {}),
    versionId: version?.id,
    role: version?.role,
    createdAt: version?.createdAt.toISOString(),
    ...(value ? {value: value.reveal()} : {redacted: true}),
  }
  if (!host.json) {
    if (value) host.log(value.reveal())
    else {
      host.log(`${result.target} version ${result.versionId ?? '?'} (${result.role ?? '?'}, created ${result.createdAt ?? '?'})`)
      host.log('value: [redacted] (use --reveal to print it)')
    }
  }
  return result
}
