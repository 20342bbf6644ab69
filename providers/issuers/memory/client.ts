import {randomBytes} from 'node:crypto'
import {readFileSync, renameSync, writeFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {AuthError, ConflictError} from '../../../src/errors/index.js'
import {type DoctorCheck, SecretValue} from '../../types.js'
import type {IssueRequest, Issued, IssuerCapabilities, IssuerClient, IssuerCredential} from '../types.js'
import {memoryIssuerCapabilities, type MemoryIssuerBinding} from './factory.js'

interface Stored {
  value: string
  state: IssuerCredential['state']
  createdAt: string
}
type State = Record<string, Record<string, Stored>>

/**
 * The "system" the memory issuer stands for: accounts with credentials. In the process, or in a
 * JSON file read before and written (atomically) after every change, so a test and another
 * process see the same credentials. `login` is how a test logs in without the client.
 */
export class MemoryIssuerSystem {
  private static readonly inProcess = new Map<string, MemoryIssuerSystem>()
  private memory: State = {}

  private constructor(readonly file?: string) {}

  /** One system per file (or one for the process when `file` is undefined). */
  static open(file: string | undefined, baseDir = '.'): MemoryIssuerSystem {
    const key = file === undefined ? '' : resolve(baseDir, file)
    let system = MemoryIssuerSystem.inProcess.get(key)
    if (!system) {
      system = new MemoryIssuerSystem(file === undefined ? undefined : key)
      MemoryIssuerSystem.inProcess.set(key, system)
    }
    return system
  }

  read(): State {
    if (!this.file) return this.memory
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as State
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw error
    }
  }

  update(fn: (state: State) => void): void {
    const state = this.read()
    fn(state)
    if (!this.file) {
      this.memory = state
      return
    }
    const temporary = `${this.file}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify(state, null, 2))
    renameSync(temporary, this.file)
  }

  credentials(account: string): Record<string, Stored> {
    return this.read()[account] ?? {}
  }

  /** Does the system accept `value` for credential `id` of `account` now? */
  login(account: string, id: string, value: string): boolean {
    const stored = this.credentials(account)[id]
    return stored !== undefined && stored.state === 'active' && stored.value === value
  }
}

export class MemoryIssuerClient implements IssuerClient {
  readonly capabilities: IssuerCapabilities
  private readonly slots: string[]

  constructor(
    readonly issuerName: string,
    readonly system: MemoryIssuerSystem,
    readonly binding: MemoryIssuerBinding,
    private readonly now: () => Date,
  ) {
    this.capabilities = memoryIssuerCapabilities(binding)
    this.slots = binding.maxValid === 2 ? [`${binding.account}-a`, `${binding.account}-b`] : [binding.account]
  }

  nextId(keep: string[]): string | undefined {
    if (this.binding.mints) return undefined
    if (this.binding.maxValid === 1) return this.slots[0]
    return this.slots.find((slot) => !keep.includes(slot))
  }

  async list(): Promise<IssuerCredential[]> {
    return Object.entries(this.system.credentials(this.binding.account)).map(([id, c]) => ({id, state: c.state, createdAt: new Date(c.createdAt)}))
  }

  async issue(request: IssueRequest): Promise<Issued> {
    if (this.binding.mints) return this.mint()
    if (!request.secret) throw new TypeError('the memory issuer accepts a value rotor generated: give request.secret')
    const id = this.nextId(request.keep)
    if (id === undefined) {
      throw new ConflictError(`memory issuer ${this.issuerName}: account ${this.binding.account} already has two credentials in use (${request.keep.join(', ')})`, {
        hint: 'wait until the previous credential is retired (its grace window ends), or revoke one',
      })
    }
    const value = request.secret.reveal()
    this.system.update((state) => {
      state[this.binding.account] = {...state[this.binding.account], [id]: {value, state: 'active', createdAt: this.now().toISOString()}}
    })
    return {id, value: SecretValue.fromFields({id, value})}
  }

  /** Minting mode: a new credential with its own id and value, refused once the account holds maxValid. */
  private mint(): Issued {
    const id = `${this.binding.account}-${randomBytes(6).toString('hex')}`
    const value = randomBytes(18).toString('base64url')
    let held: string[] = []
    this.system.update((state) => {
      const account = state[this.binding.account] ?? {}
      held = Object.keys(account)
      if (held.length >= this.binding.maxValid) return
      state[this.binding.account] = {...account, [id]: {value, state: 'active', createdAt: this.now().toISOString()}}
    })
    if (held.length >= this.binding.maxValid) {
      throw new ConflictError(`memory issuer ${this.issuerName}: account ${this.binding.account} already holds ${held.length} credentials (${held.join(', ')})`, {
        hint: 'delete a credential rotor does not know at the issuer, then run `rotor apply` again',
      })
    }
    return {id, value: SecretValue.fromFields({id, value})}
  }

  async check(value: SecretValue): Promise<void> {
    const fields = value.fields()
    if (!fields || typeof fields.id !== 'string' || typeof fields.value !== 'string') {
      throw new AuthError(`memory issuer ${this.issuerName}: the value is not a {id, value} credential`)
    }
    if (!this.system.login(this.binding.account, fields.id, fields.value)) {
      throw new AuthError(`memory issuer ${this.issuerName}: credential ${fields.id} of ${this.binding.account} was refused`)
    }
  }

  async revoke(id: string, mode: 'deactivate' | 'delete'): Promise<void> {
    this.system.update((state) => {
      const account = state[this.binding.account]
      if (!account?.[id]) return
      if (mode === 'deactivate' && this.capabilities.deactivates) account[id] = {...account[id], state: 'inactive'}
      else delete account[id]
    })
  }

  async reactivate(id: string): Promise<void> {
    let missing = false
    this.system.update((state) => {
      const stored = state[this.binding.account]?.[id]
      if (!stored) missing = true
      else stored.state = 'active'
    })
    if (missing) throw new ConflictError(`memory issuer ${this.issuerName}: credential ${id} was deleted and cannot be reactivated`)
  }

  credentialId(value: SecretValue): string {
    const id = value.fields()?.id
    if (id === undefined) throw new AuthError(`memory issuer ${this.issuerName}: the value is not a {id, value} credential`)
    return id
  }

  async doctor(): Promise<DoctorCheck[]> {
    try {
      this.system.read()
      return [{check: `read the credentials of ${this.binding.account}${this.system.file ? ` in ${this.system.file}` : ''}`, ok: true}]
    } catch (error) {
      return [{check: `read ${this.system.file}`, ok: false, detail: (error as Error).message}]
    }
  }

  async close(): Promise<void> {}
}
