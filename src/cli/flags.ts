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
