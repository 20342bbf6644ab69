import {Command, Help} from '@oclif/core'
import {exitCodeTable} from '../exit-codes.js'
import {failUnknownCommand} from './not-found.js'

/** oclif's help plus the one exit-code table, on every command page and the root page. */
export default class RotorHelp extends Help {
  /** `rotor help nosuch` and `rotor nosuch --help`: exit 64 with a suggestion, like an unknown command. */
  override async showHelp(argv: string[]): Promise<void> {
    const subject = argv.filter((a) => !a.startsWith('-'))
    if (subject.length > 0) {
      const id = subject.join(':')
      // A command followed by its arguments, or exactly a topic.
      const known = this.config.findTopic(id) !== undefined || subject.some((_, i) => this.config.findCommand(subject.slice(0, i + 1).join(':')) !== undefined)
      if (!known) failUnknownCommand(this.config, id, argv)
    }
    return super.showHelp(argv)
  }

  override formatCommand(command: Command.Loadable): string {
    return `${super.formatCommand(command)}\n\n${exitCodesSection()}`
  }

  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp()
    this.log(`\n${examplesSection()}\n\n${environmentSection()}\n\n${exitCodesSection()}`)
  }
}

/** The variables rotor reads, for the root help page (one place, so the page cannot drift). */
export const environmentVariables: ReadonlyArray<{name: string; meaning: string}> = [
  {name: 'ROTOR_CONFIG', meaning: 'Path to rotor.yaml when --config is not given (default: ./rotor.yaml).'},
  {name: 'ROTOR_FILE_KEY', meaning: "Key of the local file store (32 random bytes, base64), instead of the key file in the rotor user directory."},
  {name: 'ROTOR_HOME', meaning: 'The rotor user directory, where store and audit keys live (default: $XDG_CONFIG_HOME/rotor, then ~/.config/rotor).'},
  {name: 'ROTOR_AUDIT_KEY', meaning: "The audit chain's HMAC key itself (at least 32 characters), e.g. from a CI secret."},
  {name: 'ROTOR_AUDIT_KEY_FILE', meaning: "A file holding the audit chain's HMAC key."},
  {name: 'NO_COLOR', meaning: 'Set to any value: no colors.'},
  {name: 'FORCE_COLOR', meaning: 'Colors even when stdout is not a terminal (0 turns them off).'},
  {name: 'DEBUG', meaning: 'DEBUG=rotor prints stack traces for unexpected errors.'},
]

export function environmentSection(): string {
  const width = Math.max(...environmentVariables.map((v) => v.name.length))
  return ['ENVIRONMENT', ...environmentVariables.map((v) => `  ${v.name.padEnd(width)}  ${v.meaning}`)].join('\n')
}

export function examplesSection(): string {
  return [
    'EXAMPLES',
    '  $ rotor init                      write a starter rotor.yaml',
    '  $ rotor plan                      what apply would change',
    '  $ rotor apply --yes               create and rotate secrets (--yes: no prompt, for cron and CI)',
    '  $ rotor status --json             every secret, target and next rotation as JSON',
    '  $ rotor get payments-api --reveal print a secret value',
    '  $ rotor autocomplete bash         set up shell completion (bash, zsh or powershell)',
  ].join('\n')
}

export function exitCodesSection(): string {
  const rows = exitCodeTable.map(({code, meaning}) => `  ${String(code).padStart(3)}  ${meaning}`)
  return ['EXIT CODES', ...rows].join('\n')
}
