import {readFile} from 'node:fs/promises'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {fromFsError} from '../src/errors/index.js'
import {appendToConfig, findImportable, importSnippet} from '../src/run/import.js'
import {writeFileAtomic} from '../src/util/atomic-write.js'
import type {ImportReport} from '../src/run/import.js'

/** `rotor import --json`: the candidates found, and the config file written with --write. */
export type ImportResult = ImportReport & {written?: string}

export default class Import extends BaseCommand<typeof Import, ImportResult> {
  static override summary = 'List secrets a store holds that rotor.yaml does not name yet, as config entries that adopt them.'
  static override description = `Prints one entry per secret found (\`adopt: true\` for secrets rotor does not own yet, the target \`store:path\`, and a 90d maxAge to replace with the schedule you want). With --write, appends them to rotor.yaml under \`secrets:\`, keeping the file's comments. Nothing in any store changes: the next \`rotor apply\` takes the secrets over and keeps their values until they are due.`

  static override examples = [
    '<%= config.bin %> import --store aws --prefix payments/',
    '<%= config.bin %> import --store vault --write',
    '<%= config.bin %> import --store aws --json',
  ]

  static override flags = {
    store: Flags.string({summary: 'Store to list, by its name in rotor.yaml.', required: true}),
    prefix: Flags.string({summary: 'Only paths under this prefix.', default: ''}),
    write: Flags.boolean({summary: 'Append the entries to rotor.yaml (comments kept) instead of printing them.', default: false}),
  }

  async run(): Promise<ImportResult> {
    const config = await this.loadConfig()
    const report = await findImportable(config, this.stores(config), this.flags.store, this.flags.prefix)
    for (const s of report.skipped) this.note(`skipped ${s.target}: ${s.reason}`)
    const where = `store ${report.store}${report.prefix ? ` under ${report.prefix}` : ''}`
    let written: string | undefined
    if (report.candidates.length === 0) {
      this.note(`Nothing to import: every secret in ${where} is already in ${config.file}.`)
    } else if (this.flags.write) {
      const text = await readFile(config.file, 'utf8').catch((error: unknown) => {
        throw fromFsError(error, 'the config', config.file)
      })
      await writeFileAtomic(config.file, appendToConfig(text, config.file, report.candidates), 0o644)
      written = config.file
      this.note(`Added ${report.candidates.length} secret(s) from ${where} to ${config.file}. Set their schedules, then \`rotor plan\`.`)
    } else if (!this.jsonEnabled()) {
      this.note(`${report.candidates.length} secret(s) in ${where} that ${config.file} does not name. Paste under \`secrets:\`, or run again with --write:`)
      this.log(importSnippet(report.candidates).trimEnd())
    }
    return {...report, ...(written ? {written} : {})}
  }
}
