/**
 * One secret's credentials at a command issuer. rotor runs the operator's programs with the
 * child-environment rules of `rotor exec` (an allow-list plus `passEnv`; rotor's own credentials
 * never) and hands them everything in variables, never in argv:
 *
 *   ROTOR_ACTION         accept | check | revoke | list
 *   ROTOR_ISSUER         the issuer's name in rotor.yaml
 *   ROTOR_BINDING_ID     the secret's `issuer.id`: its credentials are `<id>-a` and `<id>-b`
 *   ROTOR_CREDENTIAL_ID  accept, check, revoke: the credential the call is about
 *   ROTOR_SECRET_VALUE   accept, check: the secret part (the generated value)
 *   ROTOR_ROTATION_ID    accept: the rotation it belongs to
 *   ROTOR_KEEP_IDS       accept: the ids that must keep working, space-separated
 *
 * Exit codes: accept, revoke and list 0 = done, 75 (EX_TEMPFAIL) = try again later, anything
 * else = refused; check 0 = accepted, 1 = refused (AuthError), anything else or a timeout = could
 * not tell (UnavailableError). Output only ever reaches a message redacted.
 */
import {access, constants} from 'node:fs/promises'
import {delimiter, join} from 'node:path'
import type {RotorConfig} from '../../../src/config/types.js'
import {AuthError, ConflictError, InvalidRequestError, RotorError, UnavailableError} from '../../../src/errors/index.js'
import {childEnv} from '../../../src/exec/child-env.js'
import {describeEnd, outputTail, ProgramStartError, resolveProgram, runProgram, type ProgramResult} from '../../../src/exec/program.js'
import {SecretValue, type DoctorCheck} from '../../types.js'
import type {IssuerContext, IssuerCredential, IssueRequest, Issued, IssuerClient} from '../types.js'
import {commandCapabilities, commandTimeoutMs, CREDENTIAL_ID, type CommandBinding, type CommandSettings} from './factory.js'

/** Exit code a program uses for "try again later" (sysexits.h EX_TEMPFAIL). */
export const EXIT_TEMPFAIL = 75
/** Exit code of `check` for "this value is refused". */
export const EXIT_REFUSED = 1

type Action = 'accept' | 'check' | 'revoke' | 'list'

/** The engine may pass the config, so a store's `keyEnv` is refused by name as `rotor exec` does. */
export type CommandIssuerContext = IssuerContext & {config?: Pick<RotorConfig, 'stores' | 'notify'>}

export class CommandIssuerClient implements IssuerClient {
  readonly capabilities
  private readonly timeoutMs: number

  constructor(
    readonly issuerName: string,
    private readonly settings: CommandSettings,
    private readonly binding: CommandBinding,
    private readonly context: CommandIssuerContext,
  ) {
    this.capabilities = commandCapabilities(settings)
    this.timeoutMs = commandTimeoutMs(settings)
  }

  /** The slot not kept: `<id>-a` first, then `<id>-b`; undefined when both are kept (issue refuses). */
  nextId(keep: string[]): string | undefined {
    return this.slots().find((slot) => !keep.includes(slot))
  }

  async list(): Promise<IssuerCredential[]> {
    if (!this.settings.list) return []
    const result = await this.run('list', this.settings.list, {})
    this.ensureDone('list', result, [])
    const credentials: IssuerCredential[] = []
    result.stdout.split(/\r?\n/).forEach((line, index) => {
      const text = line.trim()
      if (text === '') return
      const [id, state = 'active', ...rest] = text.split(/\s+/)
      if (!CREDENTIAL_ID.test(id) || rest.length > 0 || !isState(state)) {
        throw new InvalidRequestError(`${this.what('list')} printed line ${index + 1} that is not "<id>" or "<id> active|inactive"`, {
          hint: 'print one credential id per line, optionally followed by its state',
        })
      }
      credentials.push({id, state})
    })
    return credentials
  }

  async issue(request: IssueRequest): Promise<Issued> {
    if (!request.secret) throw new InvalidRequestError(`${this.what('accept')}: a command issuer takes the value the secret's generator made; none was given`)
    const id = this.nextId(request.keep)
    if (id === undefined || request.keep.length >= this.capabilities.maxValid) {
      throw new ConflictError(`${this.issuerName}: ${request.keep.join(' and ')} are both still valid; a third credential would end one of them early`, {
        hint: 'wait until the previous credential leaves its grace window (rotor apply retires it), then rotate',
      })
    }
    const secret = request.secret.reveal()
    const result = await this.run(
      'accept',
      this.settings.accept,
      {ROTOR_CREDENTIAL_ID: id, ROTOR_SECRET_VALUE: secret, ROTOR_ROTATION_ID: request.rotationId, ROTOR_KEEP_IDS: request.keep.join(' ')},
    )
    this.ensureDone('accept', result, [secret])
    const printed = printedId(result.stdout)
    if (printed !== undefined && !CREDENTIAL_ID.test(printed)) {
      throw new InvalidRequestError(`${this.what('accept')} printed an id= line that is not a credential id (1-200 of A-Z a-z 0-9 . _ : @ / -)`)
    }
    if (printed !== undefined && request.keep.includes(printed)) {
      throw new ConflictError(`${this.what('accept')} registered the new value under ${printed}, which must keep its old value`, {
        hint: 'the accept program must create a new credential (or use ROTOR_CREDENTIAL_ID), never overwrite a kept one',
      })
    }
    const credential = printed ?? id
    return {id: credential, value: SecretValue.fromFields({id: credential, value: secret})}
  }

  async check(value: SecretValue): Promise<void> {
    const {id, secret} = this.parts(value, AuthError)
    const result = await this.run('check', this.settings.check, {ROTOR_CREDENTIAL_ID: id, ROTOR_SECRET_VALUE: secret})
    if (result.code === 0) return
    const tail = outputTail(result.stderr, [secret])
    const detail = `${describeEnd(result, this.timeoutMs)}${tail ? `: ${tail}` : ''}`
    if (result.code === EXIT_REFUSED && !result.timedOut) {
      throw new AuthError(`${this.issuerName} refused credential ${id} (${this.what('check')} ${detail})`, {
        hint: 'the system does not accept this value; `rotor status` shows which credential is current',
      })
    }
    throw new UnavailableError(`${this.what('check')} could not tell whether ${id} works: it ${detail}`, {
      hint: 'check exits 0 when the value is accepted and 1 when it is refused; other exits mean "could not ask"',
    })
  }

  async revoke(id: string, _mode: 'deactivate' | 'delete'): Promise<void> {
    // No reversible step (capabilities.deactivates is false): both modes delete.
    const result = await this.run('revoke', this.settings.revoke, {ROTOR_CREDENTIAL_ID: id, ROTOR_REVOKE_MODE: 'delete'})
    this.ensureDone('revoke', result, [])
  }

  credentialId(value: SecretValue): string {
    return this.parts(value, InvalidRequestError).id
  }

  async doctor(): Promise<DoctorCheck[]> {
    const programs: Array<[Action, string[] | undefined]> = [
      ['accept', this.settings.accept],
      ['check', this.settings.check],
      ['revoke', this.settings.revoke],
      ['list', this.settings.list],
    ]
    const checks: DoctorCheck[] = []
    for (const [action, argv] of programs) {
      if (!argv) continue
      const found = await this.findProgram(argv[0])
      checks.push({
        check: `${this.issuerName}: ${action} program ${argv[0]} can be run`,
        ok: found,
        ...(found ? {} : {hint: argv[0].includes('/') ? 'check the path (relative to rotor.yaml) and chmod +x' : 'not found in PATH; give a path such as ./bin/x'}),
      })
    }
    if (this.settings.list && checks.every((c) => c.ok)) {
      const listed = await this.list().then(
        (credentials) => ({ok: true, detail: `${credentials.length} credential(s) of ${this.binding.id}`}),
        (error: unknown) => ({ok: false, detail: (error as Error).message}),
      )
      checks.push({check: `${this.issuerName}: list answers`, ...listed})
    }
    return checks
  }

  async close(): Promise<void> {}

  private slots(): string[] {
    return [`${this.binding.id}-a`, `${this.binding.id}-b`]
  }

  private what(action: Action): string {
    return `${this.issuerName} ${action} (${this.programOf(action)})`
  }

  private programOf(action: Action): string {
    return (action === 'list' ? this.settings.list : this.settings[action])?.[0] ?? '?'
  }

  /** The id and secret of a stored value; `Kind` is the error when it is not one of this issuer's. */
  private parts(value: SecretValue, Kind: typeof AuthError | typeof InvalidRequestError): {id: string; secret: string} {
    const fields = value.fields()
    if (!fields || typeof fields.id !== 'string' || typeof fields.value !== 'string') {
      throw new Kind(`${this.issuerName}: the value is not a command issuer credential (a JSON object with "id" and "value")`, {
        hint: 'a store holds something rotor did not issue here; rotate the secret to replace it',
      })
    }
    return {id: fields.id, secret: fields.value}
  }

  private async run(action: Action, argv: string[], values: Record<string, string>): Promise<ProgramResult> {
    const env = childEnv({
      env: this.context.env,
      config: this.context.config,
      passEnv: [{from: `issuers.${this.issuerName}.passEnv`, names: this.settings.passEnv ?? []}],
      values: {ROTOR_ACTION: action, ROTOR_ISSUER: this.issuerName, ROTOR_BINDING_ID: this.binding.id, ...values},
    })
    try {
      return await runProgram({argv: [...argv, ...(this.binding.args ?? [])], baseDir: this.context.baseDir, env, timeoutMs: this.timeoutMs, captureStdout: true})
    } catch (error) {
      if (!(error instanceof ProgramStartError)) throw error
      throw new InvalidRequestError(`${this.what(action)} could not be started: ${error.reason}`, {
        hint: `a relative program is found next to rotor.yaml (${resolveProgram(argv[0], this.context.baseDir)}); it must be executable`,
        cause: error,
      })
    }
  }

  /** accept, revoke and list: 0 done, 75 or a timeout retryable, anything else refused. */
  private ensureDone(action: Action, result: ProgramResult, secrets: string[]): void {
    if (result.code === 0) return
    const tail = outputTail(`${result.stderr}\n${result.stdout}`, secrets)
    const message = `${this.what(action)} ${describeEnd(result, this.timeoutMs)}${tail ? `: ${tail}` : ''}`
    if (result.timedOut || result.code === EXIT_TEMPFAIL) throw new UnavailableError(message, {hint: 'rotor tries again; the program must be safe to re-run'})
    throw new RotorError(message, {hint: `${action} exits 0 when done, ${EXIT_TEMPFAIL} to be tried again later`})
  }

  private async findProgram(program: string): Promise<boolean> {
    const candidates = program.includes('/')
      ? [resolveProgram(program, this.context.baseDir)]
      : (this.context.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program))
    for (const candidate of candidates) {
      const ok = await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
      if (ok) return true
    }
    return false
  }
}

type State = IssuerCredential['state']
const isState = (text: string): text is State => text === 'active' || text === 'inactive'

/** The last `id=<x>` line of accept's stdout, if any. */
function printedId(stdout: string): string | undefined {
  let id: string | undefined
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^id=(.*)$/.exec(line.trim())
    if (match) id = match[1].trim()
  }
  return id
}

