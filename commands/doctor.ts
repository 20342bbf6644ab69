import {Flags} from '@oclif/core'
import ansis from 'ansis'
import {BaseCommand} from '../src/cli/base-command.js'
import {plainTextUses} from '../src/config/transport.js'
import {UsageError} from '../src/errors/index.js'
import {ExitCode} from '../src/exit-codes.js'
import {insecureTransportWarning} from '../src/util/transport.js'
import type {DoctorCheck} from '../providers/types.js'
import type {PlainTextUse} from '../src/config/transport.js'
import {issuerDoctor, type IssuerDoctor} from '../src/run/issuers.js'

/** `rotor doctor --json`. */
export interface DoctorResult {
  /** True when every check passed and no plain-text transport is refused. */
  healthy: boolean
  stores: Array<{store: string; type: string; checks: ReportedCheck[]}>
  /** Each issuer binding's permission checks; absent when no selected secret has an issuer. */
  issuers?: IssuerDoctor[]
  transport: PlainTextUse[]
}

export default class Doctor extends BaseCommand<typeof Doctor, DoctorResult> {
  static override summary = 'Check that rotor can reach every store and has the permissions it needs.'
  static override description = 'For each configured store: reachability, credentials, and the permissions rotor needs on the configured paths. Names what is missing. Never writes a secret. For a file store it also says its format: a v1 file is migrated to the v2 database by the next command that opens it (audited, the v1 file kept as PATH.v1.bak), and a store older than the last state seen of it (a restored backup) is refused until `rotor store accept-rollback`. Then transport: every store, verify or webhook URL that uses plain http:// to another host (a warning where `allowInsecureTransport: true` allows it, an error otherwise).'

  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --store aws-prod --json']

  static override flags = {store: Flags.string({summary: 'Only this store.'})}

  async run(): Promise<DoctorResult> {
    const config = await this.loadConfig()
    const names = this.flags.store ? [this.flags.store] : Object.keys(config.stores)
    if (this.flags.store && !config.stores[this.flags.store]) {
      throw new UsageError(`--store: no store named "${this.flags.store}"`, {hint: `stores: ${Object.keys(config.stores).join(', ')}`})
    }
    const stores = this.stores(config)
    const results: Array<{store: string; type: string; checks: ReportedCheck[]}> = []
    for (const name of names) {
      const paths = config.secrets.flatMap((s) => s.targets.filter((t) => t.store === name).map((t) => t.path))
      const adopting = new Set(config.secrets.filter((s) => s.adopt).flatMap((s) => s.targets.filter((t) => t.store === name).map((t) => t.path)))
      let checks: ReportedCheck[]
      try {
        checks = willAdopt(await (await stores.get(name)).doctor(paths), adopting)
      } catch (error) {
        checks = [{check: `connect to ${name}`, ok: false, detail: (error as Error).message, hint: (error as {hint?: string}).hint}]
      }
      results.push({store: name, type: config.stores[name].type, checks})
      if (!this.jsonEnabled()) {
        this.log(ansis.bold(`${name} (${config.stores[name].type})`))
        for (const c of checks) {
          const mark = c.state === 'will-adopt' ? ansis.cyan('will adopt') : c.ok ? ansis.green('ok ') : ansis.red('BAD')
          this.log(`  ${mark} ${c.check}${c.detail ? `: ${c.detail}` : ''}${!c.ok && c.hint ? `\n      fix: ${c.hint}` : ''}`)
        }
      }
    }
    // Issuers: each binding's permissions at its issuer (not with --store, which names one store).
    const issuers = this.flags.store ? [] : await issuerDoctor(config, stores)
    for (const entry of issuers) {
      if (this.jsonEnabled()) continue
      this.log(ansis.bold(`issuer ${entry.issuer} (${entry.type}) for ${entry.secret}`))
      for (const c of entry.checks) this.log(`  ${c.ok ? ansis.green('ok ') : ansis.red('BAD')} ${c.check}${c.detail ? `: ${c.detail}` : ''}${!c.ok && c.hint ? `\n      fix: ${c.hint}` : ''}`)
    }
    const transport = plainTextUses(config, process.env).filter((use) => !this.flags.store || use.store === undefined || use.store === this.flags.store)
    if (transport.length > 0 && !this.jsonEnabled()) this.log(ansis.bold('transport'))
    for (const use of transport) {
      if (use.allowed && this.jsonEnabled()) this.warn(insecureTransportWarning(use.where, use.url))
      else if (use.allowed) this.log(`  ${ansis.yellow('warn')} ${insecureTransportWarning(use.where, use.url)}`)
      else if (!this.jsonEnabled()) this.log(`  ${ansis.red('BAD')} ${use.where}: plain http:// to ${use.url}\n      fix: use https://, or set allowInsecureTransport: true if the network is trusted`)
    }
    const healthy = results.every((r) => r.checks.every((c) => c.ok)) && issuers.every((r) => r.checks.every((c) => c.ok)) && transport.every((use) => use.allowed)
    if (!healthy) this.setExitCode(ExitCode.ERROR)
    return {healthy, stores: results, ...(issuers.length > 0 ? {issuers} : {}), transport}
  }
}

type ReportedCheck = DoctorCheck & {state?: 'will-adopt'}

const OWNERSHIP = /^ownership of (.+)$/

/**
 * A secret that exists without the ownership tag is exactly what `adopt: true` is for: the next
 * apply tags it. Providers report the missing tag; only the config knows it will be adopted.
 */
function willAdopt(checks: DoctorCheck[], adopting: Set<string>): ReportedCheck[] {
  return checks.map((c) => {
    const path = OWNERSHIP.exec(c.check)?.[1]
    if (c.ok || path === undefined || !adopting.has(path)) return c
    return {check: c.check, ok: true, state: 'will-adopt', detail: `${c.detail ?? 'exists without the ownership tag'}; \`adopt: true\` is set, so the next \`rotor apply\` adopts it`}
  })
}
