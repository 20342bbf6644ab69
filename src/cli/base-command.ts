/**
 * Every rotor command extends this. It owns the global flags, loading the config, opening stores
 * and the audit log, the warnings (stderr lines, and `warnings` in the --json document), the
 * interrupt (SIGINT/SIGTERM) and the error funnel: every error leaves as the exit code of the one
 * table in src/exit-codes.ts, as text on stderr or as `{schemaVersion, error, warnings}` under --json.
 * Each command declares the type of its result (`Result`): under --json it is printed with
 * `schemaVersion` and `warnings` (src/cli/json.ts), and docs/json/ holds its JSON Schema.
 */
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'
import ansis from 'ansis'
import {format} from 'node:util'
import {AuditLog, type AuditInput} from '../audit/index.js'
import type {ChangeOutput} from './changes.js'
import {now} from '../clock.js'
import {loadConfig, type LoadOptions, resolveConfigPath} from '../config/load.js'
import type {RotorConfig} from '../config/types.js'
import {StoreSet} from '../engine/stores.js'
import {ExitCode} from '../exit-codes.js'
import {CancelledError, fromFsError, InterruptedError, isInterrupted, isRotorError, UsageError} from '../errors/index.js'
import {didYouMean} from '../config/suggest.js'
import {errorJson, errorText} from '../errors/format.js'
import {redact, redactDeep, registerKeyFormats} from '../redact/index.js'
import {registerConfigSecrets} from '../redact/config.js'
import {neutraliseDebugSwitches} from './debug-switches.js'
import {quietFlag} from './flags.js'
import {Interrupt} from './interrupt.js'
import {errorDocument, jsonDocument} from './json.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>

/**
 * `T`: the command's class (for its flags and args). `Result`: what `run` returns, the command's
 * `--json` document without the envelope; an exported type in the command's file (`XResult`), from
 * which `npm run schemas` writes docs/json/<command>.schema.json.
 */
export abstract class BaseCommand<T extends typeof Command, Result extends object> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    config: Flags.string({
      char: 'c',
      summary: 'Path to rotor.yaml (default: $ROTOR_CONFIG, then ./rotor.yaml).',
      helpGroup: 'GLOBAL',
    }),
    quiet: quietFlag,
  }

  protected flags!: BaseFlags<T>
  protected args!: Interfaces.InferredArgs<T['args']>
  private storeSet?: StoreSet
  private auditLog?: AuditLog
  /** Every warning and note this command emitted (redacted), for `warnings` under --json. */
  private readonly warnings: string[] = []
  protected readonly interrupt = new Interrupt()

  abstract override run(): Promise<Result>

  override async init(): Promise<void> {
    // Before any store (and so any SDK) loads: SDKs read their debug switches when they load.
    const switches = neutraliseDebugSwitches(process.env)
    await super.init()
    const {flags, args} = await this.parse(this.ctor)
    this.flags = flags as BaseFlags<T>
    this.args = args as Interfaces.InferredArgs<T['args']>
    for (const warning of switches.warnings) this.warn(warning)
    if (switches.refused) throw new UsageError(switches.refused, {hint: 'unset it for rotor: env -u NODE_DEBUG rotor ...'})
  }

  protected async loadConfig(options?: LoadOptions): Promise<RotorConfig> {
    const config = await loadConfig(resolveConfigPath(this.flags.config), process.env, options)
    // From here on, text shaped like one of these keys is masked in errors and notes, and so are
    // the credentials that come with the config (URL passwords, webhook URLs, signing keys).
    registerKeyFormats(config.secrets.map((s) => s.generator))
    registerConfigSecrets(config, process.env)
    for (const warning of config.warnings ?? []) this.warn(warning)
    return config
  }

  /** `createMissing`: a lost local store file may be written anew (`restore`, `apply --recreate`). */
  protected stores(config: RotorConfig, options: {createMissing?: boolean} = {}): StoreSet {
    const context = {
      baseDir: config.baseDir,
      env: process.env,
      now,
      warn: (message: string) => this.warn(message),
      auditPath: config.audit.path,
      audit: async (entry: AuditInput) => (await this.audit(config)).append(entry),
      ...options,
    }
    this.storeSet ??= new StoreSet(
      config,
      context,
      {hooks: {onRetry: (error, attempt, delayMs) => this.note(`retrying after ${(error as Error).message} (attempt ${attempt}, waiting ${delayMs} ms)`)}},
      this.interrupt.signal,
    )
    return this.storeSet
  }

  protected async audit(config: RotorConfig): Promise<AuditLog> {
    try {
      this.auditLog ??= await AuditLog.open(config.audit.path, {now, ...(config.audit.keyFile ? {keyFile: config.audit.keyFile} : {})})
    } catch (error) {
      throw fromFsError(error, 'the audit log', config.audit.path)
    }
    return this.auditLog
  }

  /**
   * Data on stdout passes through the redactor too (a store error echoed into `status` detail),
   * unless the user asked for values with --reveal.
   */
  override log(message = '', ...args: unknown[]): void {
    if (this.quiet()) return
    if (this.revealing()) super.log(message, ...args)
    else super.log(redact(args.length > 0 ? format(message, ...args) : message))
  }

  override logJson(json: unknown): void {
    const document = this.revealing() ? json : redactDeep(json)
    // oclif's logJson runs the printed text through a regex tokenizer to colour it (seconds for a
    // fleet's status); without a JSON theme (rotor sets none) it prints exactly this text.
    if (this.config.theme?.json) super.logJson(document)
    else process.stdout.write(`${JSON.stringify(document, null, 2)}\n`)
  }

  private revealing(): boolean {
    return (this.flags as {reveal?: boolean} | undefined)?.reveal === true
  }

  /** --quiet: text output and notes are dropped; --json documents and --reveal values are not. */
  protected quiet(): boolean {
    return (this.flags as {quiet?: boolean} | undefined)?.quiet === true && !this.revealing()
  }

  /**
   * Progress and warnings: stderr, so stdout stays data. Under --json they still go to stderr
   * (oclif would drop them) and into the document's `warnings`.
   */
  protected note(message: string): void {
    const text = redact(message)
    if (!this.jsonEnabled()) return this.quiet() ? undefined : this.logToStderr(text)
    this.warnings.push(text)
    if (!this.quiet()) process.stderr.write(`${text}\n`)
  }

  override warn(input: string | Error): string | Error {
    const redacted = typeof input === 'string' ? redact(input) : Object.assign(input, {message: redact(input.message)})
    if (!this.jsonEnabled()) return super.warn(redacted)
    const text = typeof redacted === 'string' ? redacted : redacted.message
    this.warnings.push(text)
    process.stderr.write(`Warning: ${text}\n`)
    return redacted
  }

  /** One JSON document: `schemaVersion`, the command's result and every warning it emitted. */
  protected override toSuccessJson(result: unknown): unknown {
    return jsonDocument(result, this.warnings)
  }

  /** Where runChanges (src/cli/changes.ts) prints: this command's stdout and redacted warnings. */
  protected changeOutput(): ChangeOutput {
    return {
      json: this.jsonEnabled(),
      quiet: this.quiet(),
      yes: (this.flags as {yes?: boolean}).yes === true,
      log: (text) => this.log(text),
      warn: (message) => this.warn(message),
      note: (message) => this.note(message),
      interrupt: this.interrupt,
      command: `rotor ${(this.id ?? '').replaceAll(':', ' ')}`,
    }
  }

  protected setExitCode(code: ExitCode): void {
    process.exitCode = code
  }

  protected override async finally(error: Error | undefined): Promise<void> {
    await this.storeSet?.closeAll()
    await this.auditLog?.close()
    return super.finally(error)
  }

  protected override async catch(thrown: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (thrown instanceof Errors.ExitError) throw thrown
    let error: Error = asUsageError(thrown, this.id, Object.keys({...this.ctor.flags, ...this.ctor.baseFlags}))
    // A signal may surface as any error (a store call refused, a verify killed): it is the cause.
    if (this.interrupt.by && !(error instanceof CancelledError)) error = await this.interrupted(error)
    const exit = exitCodeFor(error)
    process.exitCode = exit
    if (this.jsonEnabled()) {
      this.logJson(errorDocument(redactDeep(errorJson(error, exit)), this.warnings))
      return
    }
    // Both already said what happened in one line (the interrupt in interrupted()).
    if (error instanceof CancelledError || isInterrupted(error)) {
      if (error instanceof CancelledError) process.stderr.write(`${redact(error.message)}\n`)
      return
    }
    process.stderr.write(redact(errorText(error, {color: {red: ansis.red, dim: ansis.dim}})))
  }

  /** Records the interrupt in the audit log (after the lock is released) and says what happens next. */
  private async interrupted(error: Error): Promise<Error> {
    const signal = this.interrupt.by!
    const interruptedError = isInterrupted(error) ? error : new InterruptedError(signal)
    const what = `rotor ${this.id ?? ''}`.trim()
    try {
      await this.auditLog?.append({secret: '*', action: 'interrupted', outcome: 'failed', reason: signal})
    } catch (auditError) {
      this.warn(`could not record the interrupt in the audit log: ${(auditError as Error).message}`)
    }
    process.stderr.write(`${what} was interrupted by ${signal}: no new store call was started, and the next run finishes the secret it was working on.\n`)
    return interruptedError
  }
}

/** oclif's own parse errors (unknown flag, bad value, missing argument) as rotor usage errors. */
function asUsageError(error: Error & {oclif?: {exit?: number}}, id: string | undefined, flags: string[]): Error {
  if (isRotorError(error) || error.oclif?.exit !== 2) return error
  const [first] = error.message.split('\n')
  const unknown = /^Nonexistent flags?: (--?[\w-]+)/.exec(first)?.[1]
  const suggestion = unknown ? didYouMean(unknown.replace(/^-+/, ''), [...flags, 'json']).replace(/"([^"]+)"/, '"--$1"') : ''
  return new UsageError(`${first}${suggestion}`, {hint: `see "rotor ${(id ?? '').replaceAll(':', ' ')} --help" for the flags and arguments`, cause: error})
}

function exitCodeFor(error: Error & {exitCode?: number; oclif?: {exit?: number}}): number {
  if (isRotorError(error)) return error.exitCode
  return error.oclif?.exit ?? ExitCode.ERROR
}
