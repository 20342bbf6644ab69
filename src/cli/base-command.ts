/**
 * Every rotor command extends this. It owns the global flags, loading the config, opening stores
 * and the audit log, the warnings (stderr lines, and `warnings` in the --json document), the
 * interrupt (SIGINT/SIGTERM) and the error funnel: every error leaves as the exit code of the one
 * table in src/exit-codes.ts, as text on stderr or as `{schemaVersion, error, warnings}` under --json.
 * Each command declares the type of its result (`Result`): under --json it is printed with
 * `schemaVersion` and `warnings` (src/cli/json.ts), and docs/json/ holds its JSON Schema.
 */
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'
import {format} from 'node:util'
import type {AuditLog} from '../audit/index.js'
import type {ChangeOutput} from './changes.js'
import type {LoadOptions} from '../config/load.js'
import type {RotorConfig} from '../config/types.js'
import type {StoreSet} from '../engine/stores.js'
import type {ExitCode} from '../exit-codes.js'
import {UsageError} from '../errors/index.js'
import {redact} from '../redact/index.js'
import {CommandCore} from './command-core.js'
import {neutraliseDebugSwitches} from './debug-switches.js'
import {quietFlag} from './flags.js'
import type {Interrupt} from './interrupt.js'

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
  /** Config, stores, audit log, warnings and the error funnel, shared with the oclif-free fast path. */
  private readonly core = new CommandCore({
    json: () => this.jsonEnabled(),
    quiet: () => this.quiet(),
    revealing: () => this.revealing(),
    textWarn: (input) => this.oclifWarn(input),
    textNote: (text) => this.logToStderr(text),
    themedJson: () => (this.config.theme?.json ? (document) => super.logJson(document) : undefined),
  })

  protected get interrupt(): Interrupt {
    return this.core.interrupt
  }

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
    return this.core.loadConfig(this.flags.config, options)
  }

  /** `createMissing`: a lost local store file may be written anew (`restore`, `apply --recreate`). */
  protected stores(config: RotorConfig, options: {createMissing?: boolean} = {}): StoreSet {
    return this.core.stores(config, options)
  }

  protected async audit(config: RotorConfig): Promise<AuditLog> {
    return this.core.audit(config)
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

  /**
   * oclif calls this last and does not wait for it: the document streams to stdout after run()
   * returns, and the process, which rotor never exits on success, ends once it is written. A
   * failure while writing leaves through the process's error path (bin/run.js).
   */
  override logJson(json: unknown): void {
    void this.core.logJson(json)
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
    this.core.note(message)
  }

  override warn(input: string | Error): string | Error {
    return this.core.warn(input)
  }

  private oclifWarn(input: string | Error): void {
    super.warn(input)
  }

  /** One JSON document: `schemaVersion`, the command's result and every warning it emitted. */
  protected override toSuccessJson(result: unknown): unknown {
    return this.core.successJson(result)
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
    await this.core.close()
    return super.finally(error)
  }

  protected override async catch(thrown: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (thrown instanceof Errors.ExitError) throw thrown
    await this.core.fail(thrown, this.id, Object.keys({...this.ctor.flags, ...this.ctor.baseFlags}))
    return undefined
  }
}
