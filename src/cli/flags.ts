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

/**
 * Global: nothing on stdout and no notes on stderr; warnings and errors still print and the exit
 * code tells the outcome. What the user explicitly asked for still prints: a --json document and
 * a value under --reveal.
 */
export const quietFlag = Flags.boolean({
  char: 'q',
  summary: 'Print only warnings and errors (a --json document or a --reveal value still prints).',
  default: false,
  helpGroup: 'GLOBAL',
})
