/**
 * Shared set-up for the Vault tests: an emulator, a store opened through the real factory (so
 * node-vault does the talking), a controllable clock and a raw client for "another tool".
 */
import {vaultFactory, type VaultSettings} from '../../../providers/vault/factory.js'
import type {VaultStoreClient} from '../../../providers/vault/client.js'
import {startVaultEmulator, type VaultEmulator, type VaultEmulatorOptions} from '../../emulators/vault/index.js'

export class FakeClock {
  constructor(private ms = Date.parse('2026-03-01T12:00:00.000Z')) {}
  now = (): Date => new Date(this.ms)
  advance(seconds: number): void {
    this.ms += seconds * 1000
  }
}

export interface Harness {
  emulator: VaultEmulator
  clock: FakeClock
  open(settings?: Partial<Record<keyof VaultSettings, unknown>>, env?: NodeJS.ProcessEnv, baseDir?: string): Promise<VaultStoreClient>
  /** Talk to the emulator as another tool would (curl / the vault CLI), with the root token. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke into Vault's JSON freely
  raw(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{status: number; body: any}>
  close(): Promise<void>
}

export async function harness(options: VaultEmulatorOptions = {}): Promise<Harness> {
  const clock = new FakeClock()
  const emulator = await startVaultEmulator({now: clock.now, ...options})
  return {
    emulator,
    clock,
    async open(settings = {}, env = {VAULT_TOKEN: emulator.rootToken}, baseDir = process.cwd()) {
      const parsed = vaultFactory.settings.parse({address: emulator.address, ...settings})
      return (await vaultFactory.create('vault', parsed, {baseDir, env, now: clock.now})) as VaultStoreClient
    },
    async raw(method, path, body, headers = {}) {
      const response = await fetch(`${emulator.address}/v1/${path}`, {
        method,
        headers: {'x-vault-token': emulator.rootToken, 'content-type': 'application/json', ...headers},
        ...(body === undefined ? {} : {body: JSON.stringify(body)}),
      })
      const text = await response.text()
      return {status: response.status, body: text ? JSON.parse(text) : undefined}
    },
    close: () => emulator.close(),
  }
}
