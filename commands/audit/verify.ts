import {resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {verifyAuditLog} from '../../src/audit/index.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {ExitCode} from '../../src/exit-codes.js'

export default class AuditVerify extends BaseCommand<typeof AuditVerify> {
  static override summary = 'Check that no audit log entry was changed, removed or reordered.'
  static override description = `Each entry holds the SHA-256 of the one before it. Verify recomputes the chain and names the first line that breaks it. It prints the head hash: record it elsewhere to also detect a truncated tail.`

  static override examples = ['<%= config.bin %> audit verify', '<%= config.bin %> audit verify --file /var/log/rotor/audit.log --json']

  static override flags = {file: Flags.string({summary: 'Audit log to check (default: audit.path from rotor.yaml).'})}

  async run() {
    const file = this.flags.file ? resolve(this.flags.file) : (await this.loadConfig()).audit.path
    const result = await verifyAuditLog(file)
    if (!this.jsonEnabled()) {
      if (result.ok) this.log(`${file}: ${result.entries} entries, chain intact. Head: ${result.head ?? '-'}`)
      for (const p of result.problems) this.logToStderr(`${file}:${p.line}: ${p.message}`)
    }
    if (!result.ok) this.setExitCode(ExitCode.ERROR)
    return {file, ...result}
  }
}
