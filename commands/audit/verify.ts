import {resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {keySource, locateAuditKey, verifyAuditLog} from '../../src/audit/index.js'
import {parseExpectedHead, readStoreAnchors} from '../../src/audit/store-anchors.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {UsageError} from '../../src/errors/index.js'
import {ExitCode} from '../../src/exit-codes.js'
import type {AuditVerifyResult as ChainCheck} from '../../src/audit/types.js'

/** `rotor audit verify --json`. */
export type AuditVerifyCommandResult = ChainCheck & {
  /** The audit log checked. */
  file: string
  /** Secrets whose anchor could not be read (exit 3). */
  unreadableAnchors: string[]
}

export default class AuditVerify extends BaseCommand<typeof AuditVerify, AuditVerifyCommandResult> {
  static override summary = 'Check the audit log: its keyed chain, and the anchors the stores hold.'
  static override description = `Each entry holds the SHA-256 of the line before it and an HMAC-SHA-256 under the audit key (ROTOR_AUDIT_KEY, ROTOR_AUDIT_KEY_FILE, or the key file rotor created under its user directory), so an entry changed, removed, reordered or rebuilt without the key is found. After each change rotor records the seq and hash of the latest entry in the secret's primary store metadata (auditSeq, auditHead); verify reads every one it can (metadata only, never values) and so also finds a cut tail, a deleted or emptied log, and a fresh log put in place of a used one. Every problem is named; any problem exits 1, and an anchor that could not be read exits 3 (--no-anchors checks the chain alone).`

  static override examples = [
    '<%= config.bin %> audit verify',
    '<%= config.bin %> audit verify --expect-head 42:3f1c...e9 --json',
    '<%= config.bin %> audit verify --file /var/log/rotor/audit.log --no-anchors',
  ]

  static override flags = {
    file: Flags.string({summary: 'Audit log to check (default: audit.path from rotor.yaml).'}),
    'expect-head': Flags.string({summary: 'SEQ:HASH of an entry recorded elsewhere (a ticket, a CI log); the log must hold it.'}),
    anchors: Flags.boolean({summary: "Check the anchors in the secrets' primary stores (needs rotor.yaml).", default: true, allowNo: true}),
  }

  async run(): Promise<AuditVerifyCommandResult> {
    const expected = this.flags['expect-head'] === undefined ? undefined : parseExpectedHead(this.flags['expect-head'])
    if (typeof expected === 'string') throw new UsageError(expected)
    const config = this.flags.anchors || !this.flags.file ? await this.loadConfig() : undefined
    const file = this.flags.file ? resolve(this.flags.file) : config!.audit.path
    const fromStores = this.flags.anchors && config ? await readStoreAnchors(config, this.stores(config)) : {anchors: [], unreadable: []}
    const keyOptions = config?.audit.keyFile && !this.flags.file ? {keyFile: config.audit.keyFile} : {}
    const key = await locateAuditKey(file, keyOptions)
    const result = await verifyAuditLog(file, {
      key: key?.key ?? null,
      keySource: key?.source ?? keySource(file, keyOptions),
      anchors: [...fromStores.anchors, ...(expected ? [expected] : [])],
    })
    for (const u of fromStores.unreadable) this.warn(`could not read the anchor of ${u}`)
    for (const a of result.anchors.filter((c) => c.otherLog)) {
      this.warn(`${a.source} was last anchored by another log (key id ${a.log}): another runner's, or this log's key was replaced; not checked here`)
    }
    if (!this.jsonEnabled()) {
      const anchored = result.anchors.filter((a) => a.ok && !a.otherLog).length
      if (result.ok) {
        this.log(`${file}: ${result.entries} entries (${result.keyed} keyed), chain intact, ${anchored} of ${result.anchors.length} anchors match. Head: ${result.lastSeq ?? 0}:${result.head ?? '-'}`)
      }
      for (const p of result.problems) this.logToStderr(`${file}:${p.line}: ${p.message}`)
    }
    // An anchor that could not be read is a check not made: the chain may be fine, but a cut tail
    // or a replaced log would go unseen for that secret, so the run is not a pass (3, like a
    // partial read elsewhere). --no-anchors is the way to check the chain alone.
    if (!result.ok) this.setExitCode(ExitCode.ERROR)
    else if (fromStores.unreadable.length > 0) {
      this.setExitCode(ExitCode.PARTIAL_FAILURE)
      if (!this.jsonEnabled()) this.logToStderr(`${fromStores.unreadable.length} anchor(s) could not be read; run again when the stores answer, or use --no-anchors to check the chain alone.`)
    }
    return {file, ...result, unreadableAnchors: fromStores.unreadable}
  }
}
