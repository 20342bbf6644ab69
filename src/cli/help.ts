import {Command, Help} from '@oclif/core'
import {exitCodeTable} from '../exit-codes.js'

/** oclif's help plus the one exit-code table, on every command page and the root page. */
export default class RotorHelp extends Help {
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
