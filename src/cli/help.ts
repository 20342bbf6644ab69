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
    this.log(`\n${exitCodesSection()}`)
  }
}

export function exitCodesSection(): string {
  const rows = exitCodeTable.map(({code, meaning}) => `  ${String(code).padStart(3)}  ${meaning}`)
  return ['EXIT CODES', ...rows].join('\n')
}
