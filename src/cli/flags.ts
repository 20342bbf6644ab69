import {Flags} from '@oclif/core'

/** Flags shared by several commands, declared once. */
export const selectFlag = Flags.string({
  char: 's',
  summary: 'Only these secrets: a name, a glob (payments-*), env:NAME or label:KEY=VALUE. Repeat or comma-separate.',
  multiple: true,
})

export const yesFlag = Flags.boolean({
  char: 'y',
  summary: 'Do not ask for confirmation (required for destructive actions without a terminal).',
  default: false,
})

export const shardFlag = Flags.string({
  summary: 'Only shard i of n (e.g. 2/4): secrets are split by a stable hash of their name, for runners that share a fleet.',
})

export const orphansFlag = Flags.boolean({
  summary: 'Look for unmanaged secrets under the configured paths (needs list permission on each store).',
  default: true,
  allowNo: true,
})
