import {Flags} from '@oclif/core'
import ansis from 'ansis'
import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag, orphansFlag} from '../src/cli/flags.js'
import {failsGate, runChecks, type Severity} from '../src/check/index.js'
import {now} from '../src/clock.js'
import {ExitCode} from '../src/exit-codes.js'
import {readCoverage, unreadExitCode, unreadJson, unreadLines, unreadSummary} from '../src/output/unread.js'
import {findOrphans} from '../src/run/orphans.js'
import {selectSecrets} from '../src/run/select.js'
import type {CheckReport} from '../src/check/index.js'
import type {ReadCoverage} from '../src/output/unread.js'
import type {OrphanReport} from '../src/run/orphans.js'

const COLOUR: Record<Severity, (text: string) => string> = {info: ansis.dim, warning: ansis.yellow, error: ansis.red}

/** `rotor check --json`. */
export type CheckResult = Omit<CheckReport, 'inventory'> & {
  failOn: Severity | 'never'
  /** True when a finding is at or above --fail-on. */
  failed: boolean
  /** Targets that could not be read (exit 1 or 3). */
  unreadable?: ReadCoverage
  /** Stores that could not be listed to look for orphans. */
  unlisted?: OrphanReport['unlisted']
}

export default class Check extends BaseCommand<typeof Check, CheckResult> {
  static override summary = 'Check the security posture of the managed secrets; exits 6 on findings, for a pipeline gate.'
  static override description = `Findings with severities (info, warning, error): one value used by two secrets or two environments (compared by keyed hash, never printed), current versions older than maxAge (error), secrets with no cron schedule, generator policies below --min-entropy or without a checksum, valid versions rotor did not write, more valid versions than current, previous (during grace) and pending, secrets not read for --unused-days where the store records reads (AWS), and orphans: rotor-owned secrets under the configured paths that the config no longer names. Changes nothing. Exits 6 when a finding is at or above --fail-on; 1 when no target could be read and 3 when some could not (these win over 6).`

  static override examples = [
    '<%= config.bin %> check',
    '<%= config.bin %> check --fail-on warning --json',
    '<%= config.bin %> check --min-entropy 192 --unused-days 30 --select env:production',
  ]

  static override flags = {
    'fail-on': Flags.string({summary: 'Lowest severity that makes the exit code 6.', options: ['info', 'warning', 'error', 'never'], default: 'error'}),
    'min-entropy': Flags.integer({summary: 'Report generator policies with fewer bits of entropy.', default: 128, min: 1}),
    'unused-days': Flags.integer({summary: 'Report secrets not read for this many days (stores that record reads).', default: 90, min: 1}),
    select: selectFlag,
    orphans: orphansFlag,
  }

  async run(): Promise<CheckResult> {
    const config = await this.loadConfig()
    const secrets = selectSecrets(config, this.flags.select)
    const stores = this.stores(config)
    const {orphans, unlisted} = this.flags.orphans ? await findOrphans(config, stores) : {orphans: [], unlisted: []}
    const {inventory, ...report} = await runChecks(secrets, stores, {
      now: now(),
      minEntropyBits: this.flags['min-entropy'],
      unusedDays: this.flags['unused-days'],
      orphans,
    })
    const coverage = readCoverage(inventory)
    // A store already reported as unreadable needs no second warning for its listing.
    const notListed = unlisted.filter((l) => !coverage.groups.some((g) => g.store === l.store))
    for (const u of notListed) this.warn(`could not list ${u.store}${u.prefix ? ` under ${u.prefix}` : ''} to look for orphans: ${u.reason} (--no-orphans skips the search)`)
    const failOn = this.flags['fail-on'] as Severity | 'never'
    const failed = failsGate(report, failOn)
    const unread = unreadExitCode(coverage)
    // A store that could not be listed is a search not made: not a pass (3), like a target not read.
    if (unread !== undefined) this.setExitCode(unread)
    else if (notListed.length > 0) this.setExitCode(ExitCode.PARTIAL_FAILURE)
    else if (failed) this.setExitCode(ExitCode.FINDINGS)
    if (!this.jsonEnabled()) {
      for (const f of report.findings) {
        const where = [f.secret, f.target, f.versionId && `v${f.versionId}`].filter(Boolean).join(' ')
        this.log(`${COLOUR[f.severity](f.severity.padEnd(7))} ${f.check.padEnd(15)} ${where ? `${where}: ` : ''}${f.message}`)
        if (f.hint && f.severity !== 'info') this.log(`        ${ansis.dim(`fix: ${f.hint}`)}`)
      }
      const {error, warning, info} = report.counts
      this.note(`${secrets.length} secret(s): ${error} error(s), ${warning} warning(s), ${info} info${failed ? ` (fails --fail-on ${failOn})` : ''}`)
      if (coverage.unread > 0) this.note(`${unreadSummary(coverage)}\n${unreadLines(coverage).map((l) => `  ${l}`).join('\n')}`)
    }
    return {...report, failOn, failed, ...(coverage.unread > 0 ? {unreadable: unreadJson(coverage)} : {}), ...(notListed.length > 0 ? {unlisted: notListed} : {})}
  }
}
