import {Flags} from '@oclif/core'
import ansis from 'ansis'
import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag} from '../src/cli/flags.js'
import {UsageError} from '../src/errors/index.js'
import {ExitCode} from '../src/exit-codes.js'
import {checkScanPaths, collectValues, installHook, parseSize, scan, suggestionFor, toSarif} from '../src/scan/index.js'
import {describe} from '../src/scan/sarif.js'
import {selectSecrets} from '../src/run/select.js'
import type {HookResult} from '../src/scan/hook.js'
import type {ScanOutcome, Skipped} from '../src/scan/index.js'
import type {Leak} from '../src/scan/matcher.js'
import type {Unreadable} from '../src/scan/values.js'

/** `rotor scan --json`: the leaks found (never a value), or the hook written with --install-hook. */
export type ScanResult =
  | {hook: HookResult}
  | {
      mode: 'files' | 'staged' | 'history'
      leaks: Array<Leak & {suggestion: string}>
      scanned: ScanOutcome['scanned'] & {values: number; secrets: number}
      skipped: Skipped[]
      /** Ignored paths left out (without --include-ignored). */
      ignored?: number
      /** Values that could not be read, so were not searched for. */
      unreadable: Unreadable[]
    }

export default class Scan extends BaseCommand<typeof Scan, ScanResult> {
  static override summary = 'Find values of managed secrets in files, staged changes or git history.'
  static override description = `Reads every version rotor can read that is not destroyed (current, pending, previous, and retired ones the store still keeps) and looks for all of them at once, plain and encoded (base64 and base64url at any byte offset, so inside \`Authorization: Basic\` too; percent-encoded; hex; UTF-16LE/BE), plus keys in the format of any policy with \`checksum: crc32\` (prefix + valid checksum) even when rotor cannot read their value. Reports file, line, column, secret, role and encoding, never the value. Exits 4 when it finds a leak.

Without PATHS it scans the work tree (tracked and untracked files; ignored ones with --include-ignored) or, outside git, the current directory. UTF-16 files are read as text. Files it cannot read as text are listed and make the run exit 3 unless --allow-skipped: binary and non-UTF-8 ones (still searched byte by byte), files over --max-file-size and unreadable ones (not searched). --staged and --history read git blobs, so .gitattributes cannot hide content.`

  static override examples = [
    '<%= config.bin %> scan',
    '<%= config.bin %> scan src/ deploy/ --format sarif > rotor.sarif',
    '<%= config.bin %> scan --staged',
    '<%= config.bin %> scan --history --json',
    '<%= config.bin %> scan --include-ignored --max-file-size 50MiB',
    '<%= config.bin %> scan --install-hook',
  ]

  static override strict = false
  static override args = {}

  static override flags = {
    staged: Flags.boolean({summary: 'Scan the staged content of changed files (for a pre-commit hook).', exclusive: ['history', 'install-hook']}),
    history: Flags.boolean({summary: 'Scan every line added by any commit of any ref; reports the commit.', exclusive: ['install-hook']}),
    'install-hook': Flags.boolean({summary: 'Write a git pre-commit hook that runs `rotor scan --staged`.'}),
    force: Flags.boolean({summary: 'With --install-hook: replace a pre-commit hook rotor did not write.', dependsOn: ['install-hook']}),
    format: Flags.string({summary: 'Output format (--json gives rotor\'s own JSON).', options: ['text', 'sarif'], default: 'text'}),
    'max-file-size': Flags.string({summary: 'Skip (and list) files larger than this: bytes or 800KB, 10MiB, 1GB.', default: '10MiB'}),
    'allow-skipped': Flags.boolean({summary: 'Exit 0 even when some files could not be read as text (they are still listed).'}),
    'include-ignored': Flags.boolean({summary: 'Also scan files git ignores (outside git: node_modules).', exclusive: ['staged', 'history']}),
    'skip-unreadable': Flags.boolean({summary: 'Do not fail when a store or version cannot be read; scan with what could be read.'}),
    select: selectFlag,
  }

  async run(): Promise<ScanResult> {
    const {argv} = await this.parse(Scan)
    const config = await this.loadConfig()
    if (this.flags['install-hook']) {
      const hook = await installHook(process.cwd(), {force: Boolean(this.flags.force), configPath: this.flags.config})
      if (!this.jsonEnabled()) this.log(`pre-commit hook written to ${hook.path}${hook.replaced === 'foreign' ? ' (replaced a hook rotor did not write)' : ''}`)
      return {hook}
    }
    const maxFileBytes = parseSize(this.flags['max-file-size'])
    if (maxFileBytes === undefined) {
      throw new UsageError(`--max-file-size: "${this.flags['max-file-size']}" is not a size`, {hint: 'e.g. 500000 (bytes), 800KB, 10MiB, 1GB'})
    }
    const mode: 'files' | 'staged' | 'history' = this.flags.history ? 'history' : this.flags.staged ? 'staged' : 'files'
    if (mode === 'files') await checkScanPaths(process.cwd(), argv as string[])
    const secrets = selectSecrets(config, this.flags.select)
    const collected = await collectValues(secrets, this.stores(config))
    for (const u of collected.unreadable) this.note(`warning: cannot read ${u.target}${u.versionId ? ` version ${u.versionId}` : ''} (${u.secret}): ${u.reason}`)
    const outcome = await scan({
      mode,
      cwd: process.cwd(),
      paths: argv as string[],
      values: collected.values,
      secrets,
      maxFileBytes,
      includeIgnored: this.flags['include-ignored'],
    })
    const leaks = outcome.leaks.map((leak) => ({...leak, suggestion: suggestionFor(leak)}))
    const result = {
      mode,
      leaks,
      scanned: {...outcome.scanned, values: collected.values.length, secrets: secrets.length},
      skipped: outcome.skipped,
      ...(outcome.ignored === undefined ? {} : {ignored: outcome.ignored}),
      unreadable: collected.unreadable,
    }
    if (leaks.length > 0) this.setExitCode(ExitCode.LEAKS_FOUND)
    else if (collected.unreadable.length > 0 && !this.flags['skip-unreadable']) this.setExitCode(ExitCode.ERROR)
    else if (outcome.skipped.length > 0 && !this.flags['allow-skipped']) this.setExitCode(ExitCode.PARTIAL_FAILURE)
    if (this.jsonEnabled()) return result
    if (this.flags.format === 'sarif') {
      this.log(JSON.stringify(toSarif(leaks, {version: this.config.version, homepage: this.config.pjson.homepage}, suggestionFor), null, 2))
      return result
    }
    for (const leak of leaks) {
      this.log(`${ansis.red('leak')} ${leak.file}:${leak.line}:${leak.column}: ${describe(leak)}`)
      this.log(`     ${leak.role === 'retired' || leak.kind === 'format' ? '' : 'fix: '}${leak.suggestion}`)
    }
    for (const skip of outcome.skipped) {
      const where = skip.commit ? ` (commit ${skip.commit.slice(0, 12)})` : ''
      this.log(`${ansis.yellow('skipped')} ${skip.file}${where}: ${skip.reason}${skip.searchedAsBytes ? '; searched for raw bytes only' : '; not searched'}`)
    }
    const what = mode === 'history' ? `${outcome.scanned.blobs ?? 0} blob(s) of ${outcome.scanned.commits ?? 0} commit(s)` : `${outcome.scanned.files} file(s)`
    this.note(`scanned ${what} for ${collected.values.length} value(s) of ${secrets.length} secret(s): ${leaks.length === 0 ? 'no leaks' : `${leaks.length} leak(s)`}`)
    if (outcome.skipped.length > 0) {
      this.note(`${outcome.skipped.length} file(s) not fully scanned (listed above)${this.flags['allow-skipped'] ? '' : ': exit 3; pass --allow-skipped to accept them, or --max-file-size to raise the limit'}`)
    }
    if (outcome.ignored) this.note(`${outcome.ignored} ignored path(s) not scanned (--include-ignored scans them)`)
    return result
  }
}
