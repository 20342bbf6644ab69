import {resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {listEntries, renderEntries} from '../../src/audit/show.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {parseDuration} from '../../src/config/duration.js'
import {now} from '../../src/clock.js'
import {UsageError} from '../../src/errors/index.js'
import type {AuditEntry} from '../../src/audit/types.js'

/** `rotor audit show --json`. */
export interface AuditShowResult {
  /** The audit log read. */
  file: string
  entries: AuditEntry[]
}

export default class AuditShow extends BaseCommand<typeof AuditShow, AuditShowResult> {
  static override summary = 'List audit log entries.'
  static override description = `Prints the entries of the audit log (never values: entries hold none), oldest first: an intent before each store change and its outcome after, linked by the intent's number. Check the log's integrity with \`rotor audit verify\`.`

  static override examples = [
    '<%= config.bin %> audit show',
    '<%= config.bin %> audit show --secret payments-api --since 7d',
    '<%= config.bin %> audit show --since 2026-03-01T00:00:00Z --json',
  ]

  static override flags = {
    file: Flags.string({summary: 'Audit log to read (default: audit.path from rotor.yaml).'}),
    secret: Flags.string({summary: 'Only entries about this secret.'}),
    since: Flags.string({summary: 'Only entries from this time on: an ISO time, or a duration back from now (24h, 7d).'}),
  }

  async run(): Promise<AuditShowResult> {
    const file = this.flags.file ? resolve(this.flags.file) : (await this.loadConfig()).audit.path
    const since = this.flags.since === undefined ? undefined : parseSince(this.flags.since)
    const {entries, unreadableLines} = await listEntries(file, {secret: this.flags.secret, since})
    if (unreadableLines > 0) this.warn(`${unreadableLines} line(s) of ${file} are not entries; run \`rotor audit verify\``)
    if (!this.jsonEnabled()) this.log(entries.length > 0 ? renderEntries(entries) : 'No entries.')
    return {file, entries}
  }
}

function parseSince(text: string): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = new Date(text)
    if (!Number.isNaN(at.getTime())) return at
  }
  try {
    return new Date(now().getTime() - parseDuration(text))
  } catch (error) {
    throw new UsageError(`--since: ${(error as Error).message}, or an ISO time like 2026-03-01T00:00:00Z`)
  }
}
