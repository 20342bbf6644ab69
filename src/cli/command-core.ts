/**
 * What every rotor command does besides its own work, with no oclif in it: loading the config,
 * opening stores and the audit log, warnings (stderr lines, and `warnings` in the --json
 * document), the interrupt, the --json document and the error funnel (exit code of the one table
 * in src/exit-codes.ts; text on stderr or `{schemaVersion, error, warnings}` under --json).
 * BaseCommand (src/cli/base-command.ts) holds one and hands oclif's printing to it; the
 * `status --json` fast path (src/cli/status-fast.ts) holds one without oclif, so both paths
 * print, fail and exit alike.
 */
import ansis from 'ansis'
import {AuditLog, type AuditInput} from '../audit/index.js'
import {now} from '../clock.js'
import {loadConfig, type LoadOptions, resolveConfigPath} from '../config/load.js'
import {didYouMean} from '../config/suggest.js'
import type {RotorConfig} from '../config/types.js'
import {StoreSet} from '../engine/stores.js'
import {CancelledError, fromFsError, InterruptedError, isInterrupted, isRotorError, UsageError} from '../errors/index.js'
import {errorJson, errorText} from '../errors/format.js'
import {ExitCode} from '../exit-codes.js'
import {redact, redactDeep, registerKeyFormats} from '../redact/index.js'
import {registerConfigSecrets} from '../redact/config.js'
import {Interrupt} from './interrupt.js'
import {errorDocument, jsonDocument} from './json.js'
import {writeJson} from './json-stream.js'

/** What the core asks of the command line it serves (oclif's Command, or the fast path). */
/**
 * What a command body shared by its oclif command and its fast path (src/cli/*-run.ts) needs from
 * the command line that runs it: BaseCommand, or the fast path's CommandCore.
 */
export interface RunHost {
  json: boolean
  loadConfig(): Promise<RotorConfig>
  stores(config: RotorConfig): StoreSet
  log(text: string): void
}

export interface CoreIo {
  /** Output is one --json document. */
  json(): boolean
  /** --quiet, and not revealing. */
  quiet(): boolean
  /** --reveal: values and stdout pass unredacted. */
  revealing(): boolean
  /** A warning in text mode (oclif's formatter). Never called under --json. */
  textWarn(input: string | Error): void
  /** A note in text mode: one line on stderr. Never called under --json. */
  textNote(text: string): void
  /** With a user colour theme for JSON: what prints a --json document in it (oclif's). */
  themedJson(): ((document: unknown) => void) | undefined
}

export class CommandCore {
  /** Every warning and note this command emitted (redacted), for `warnings` under --json. */
  readonly warnings: string[] = []
  readonly interrupt = new Interrupt()
  private storeSet?: StoreSet
  private auditLog?: AuditLog

  constructor(private readonly io: CoreIo) {}

  async loadConfig(configFlag: string | undefined, options?: LoadOptions): Promise<RotorConfig> {
    const config = await loadConfig(resolveConfigPath(configFlag), process.env, options)
    // From here on, text shaped like one of these keys is masked in errors and notes, and so are
    // the credentials that come with the config (URL passwords, webhook URLs, signing keys).
    registerKeyFormats(config.secrets.map((s) => s.generator))
    registerConfigSecrets(config, process.env)
    for (const warning of config.warnings ?? []) this.warn(warning)
    return config
  }

  /** `createMissing`: a lost local store file may be written anew (`restore`, `apply --recreate`). */
  stores(config: RotorConfig, options: {createMissing?: boolean} = {}): StoreSet {
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

  async audit(config: RotorConfig): Promise<AuditLog> {
    try {
      this.auditLog ??= await AuditLog.open(config.audit.path, {now, ...(config.audit.keyFile ? {keyFile: config.audit.keyFile} : {})})
    } catch (error) {
      throw fromFsError(error, 'the audit log', config.audit.path)
    }
    return this.auditLog
  }

  /**
   * Progress and warnings: stderr, so stdout stays data. Under --json they still go to stderr
   * (oclif would drop them) and into the document's `warnings`.
   */
  note(message: string): void {
    const text = redact(message)
    if (!this.io.json()) return this.io.quiet() ? undefined : this.io.textNote(text)
    this.warnings.push(text)
    if (!this.io.quiet()) process.stderr.write(`${text}\n`)
  }

  warn(input: string | Error): string | Error {
    const redacted = typeof input === 'string' ? redact(input) : Object.assign(input, {message: redact(input.message)})
    if (!this.io.json()) {
      this.io.textWarn(redacted)
      return redacted
    }
    const text = typeof redacted === 'string' ? redacted : redacted.message
    this.warnings.push(text)
    process.stderr.write(`Warning: ${text}\n`)
    return redacted
  }

  /**
   * Prints a --json document, redacted unless revealing. Resolves once stdout took all of it:
   * written as it is serialised, each string redacted on the way (src/cli/json-stream.ts), not
   * copied and stringified whole first (a fleet's `status` is ~60 MB).
   */
  async logJson(json: unknown): Promise<void> {
    const mask = this.io.revealing() ? undefined : redact
    // oclif's logJson runs the printed text through a regex tokenizer to colour it (seconds for a
    // fleet's status); without a JSON theme (rotor sets none) it prints exactly this text.
    const themed = this.io.themedJson()
    if (themed) return themed(mask ? redactDeep(json) : json)
    await writeJson(process.stdout, json, mask)
  }

  /** One JSON document: `schemaVersion`, the command's result and every warning it emitted. */
  successJson(result: unknown): unknown {
    return jsonDocument(result, this.warnings)
  }

  async close(): Promise<void> {
    await this.storeSet?.closeAll()
    await this.auditLog?.close()
  }

  /**
   * The error funnel: `thrown` leaves as its exit code (process.exitCode) and as text on stderr or
   * an error document under --json. `command` is the id (`config:validate`); `flags` the names
   * it takes (for "did you mean" on an unknown one).
   */
  async fail(thrown: Error & {exitCode?: number; oclif?: {exit?: number}}, command: string | undefined, flags: string[]): Promise<void> {
    let error: Error = asUsageError(thrown, command, flags)
    // A signal may surface as any error (a store call refused, a verify killed): it is the cause.
    if (this.interrupt.by && !(error instanceof CancelledError)) error = await this.interrupted(error, command)
    const exit = exitCodeFor(error)
    process.exitCode = exit
    if (this.io.json()) {
      await this.logJson(errorDocument(redactDeep(errorJson(error, exit)), this.warnings))
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
  private async interrupted(error: Error, command: string | undefined): Promise<Error> {
    const signal = this.interrupt.by!
    const interruptedError = isInterrupted(error) ? error : new InterruptedError(signal)
    const what = `rotor ${command ?? ''}`.trim()
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
