/**
 * Every rotor command extends this. It owns the global flags, loading the config, opening stores
 * and the audit log, and the error funnel: every error leaves as the exit code of the one table
 * in src/exit-codes.ts, as text on stderr or as `{error}` under --json.
 */
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'
import ansis from 'ansis'
import {format} from 'node:util'
import {AuditLog} from '../audit/index.js'
import type {ChangeOutput} from './changes.js'
import {now} from '../clock.js'
import {loadConfig, type LoadOptions, resolveConfigPath} from '../config/load.js'
import type {RotorConfig} from '../config/types.js'
import {StoreSet} from '../engine/stores.js'
import {ExitCode} from '../exit-codes.js'
import {isRotorError} from '../errors/index.js'
import {redact, redactDeep, registerKeyFormats} from '../redact/index.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    config: Flags.string({
      char: 'c',
      summary: 'Path to rotor.yaml (default: $ROTOR_CONFIG, then ./rotor.yaml).',
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: BaseFlags<T>
  protected args!: Interfaces.InferredArgs<T['args']>
  private storeSet?: StoreSet
  private auditLog?: AuditLog

  override async init(): Promise<void> {
    await super.init()
    const {flags, args} = await this.parse(this.ctor)
    this.flags = flags as BaseFlags<T>
    this.args = args as Interfaces.InferredArgs<T['args']>
  }

  protected async loadConfig(options?: LoadOptions): Promise<RotorConfig> {
    const config = await loadConfig(resolveConfigPath(this.flags.config), process.env, options)
    // From here on, text shaped like one of these keys is masked in errors and notes.
    registerKeyFormats(config.secrets.map((s) => s.generator))
    return config
  }

  protected stores(config: RotorConfig): StoreSet {
    this.storeSet ??= new StoreSet(config, {baseDir: config.baseDir, env: process.env, now, warn: (message) => this.warn(message)}, {
      hooks: {onRetry: (error, attempt, delayMs) => this.note(`retrying after ${(error as Error).message} (attempt ${attempt}, waiting ${delayMs} ms)`)},
    })
    return this.storeSet
  }

  protected async audit(config: RotorConfig): Promise<AuditLog> {
    this.auditLog ??= await AuditLog.open(config.audit.path, {now, ...(config.audit.keyFile ? {keyFile: config.audit.keyFile} : {})})
    return this.auditLog
  }

  /**
   * Data on stdout passes through the redactor too (a store error echoed into `status` detail),
   * unless the user asked for values with --reveal.
   */
  override log(message = '', ...args: unknown[]): void {
    if (this.revealing()) super.log(message, ...args)
    else super.log(redact(args.length > 0 ? format(message, ...args) : message))
  }

  override logJson(json: unknown): void {
    super.logJson(this.revealing() ? json : redactDeep(json))
  }

  private revealing(): boolean {
    return (this.flags as {reveal?: boolean} | undefined)?.reveal === true
  }

  /** Progress and warnings: stderr, so stdout stays data. */
  protected note(message: string): void {
    this.logToStderr(redact(message))
  }

  override warn(input: string | Error): string | Error {
    return super.warn(typeof input === 'string' ? redact(input) : Object.assign(input, {message: redact(input.message)}))
  }

  /** Where runChanges (src/cli/changes.ts) prints: this command's stdout and redacted warnings. */
  protected changeOutput(): ChangeOutput {
    return {
      json: this.jsonEnabled(),
      yes: (this.flags as {yes?: boolean}).yes === true,
      log: (text) => this.log(text),
      warn: (message) => this.warn(message),
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

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    const exit = exitCodeFor(error)
    if (this.jsonEnabled()) {
      process.exitCode = exit
      this.logJson({error: redactDeep(isRotorError(error) ? error.toJSON() : {name: error.name, message: error.message, exitCode: exit})})
      return
    }
    if (error instanceof Errors.ExitError) throw error
    if (isRotorError(error)) {
      // Our messages carry file:line:column references; print them whole, never wrapped.
      const lines = redact(error.message).split('\n')
      const body = lines.length > 1 ? `${lines.length} problems:\n${lines.map((l) => `  ${l}`).join('\n')}` : lines[0]
      process.stderr.write(`${ansis.red('Error:')} ${body}\n${error.hint ? `${ansis.dim('Hint:')} ${redact(error.hint)}\n` : ''}`)
      this.exit(exit)
    }
    throw new Errors.CLIError(redact(error.message), {exit})
  }
}

function exitCodeFor(error: Error & {exitCode?: number; oclif?: {exit?: number}}): number {
  if (isRotorError(error)) return error.exitCode
  if (error instanceof Errors.ExitError) return error.oclif.exit ?? ExitCode.ERROR
  // oclif's own parse errors (unknown flag, bad value) exit 2, which is our "changes pending".
  if (error.oclif?.exit === 2) return ExitCode.USAGE
  return error.oclif?.exit ?? ExitCode.ERROR
}
