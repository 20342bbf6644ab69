import {localDoctor} from '../shared/local-doctor.js'
import {emptyStoreData, type StoreData, VersionedModel} from '../shared/versioned-model.js'
import type {
  DoctorCheck,
  PromoteOptions,
  RotorMeta,
  SecretSnapshot,
  SecretValue,
  StoreClient,
  VersionInfo,
  VersionSelector,
  WriteOptions,
} from '../types.js'
import {memoryCapabilities} from './runtime.js'

/** A real provider that keeps its data in this process: the reference for the contract. */
export class MemoryStoreClient implements StoreClient {
  readonly capabilities = memoryCapabilities
  readonly model: VersionedModel
  private readonly data: StoreData = emptyStoreData()

  constructor(
    readonly storeName: string,
    now: () => Date,
  ) {
    this.model = new VersionedModel(this.data, storeName, now)
  }

  async describe(path: string): Promise<SecretSnapshot> {
    return this.model.describe(path)
  }

  async describeMany(paths: string[]): Promise<SecretSnapshot[]> {
    return paths.map((p) => this.model.describe(p))
  }

  async readValue(path: string, selector: VersionSelector): Promise<SecretValue> {
    return this.model.readValue(path, selector)
  }

  async readRetiredValue(path: string, versionId: string): Promise<SecretValue> {
    return this.model.readRetiredValue(path, versionId)
  }

  async writeVersion(path: string, value: SecretValue, options: WriteOptions): Promise<VersionInfo> {
    return this.model.writeVersion(path, value, options)
  }

  async promote(path: string, options: PromoteOptions): Promise<void> {
    this.model.promote(path, options)
  }

  async reinstate(path: string, versionId: string, expectedCurrent: string): Promise<void> {
    this.model.reinstate(path, versionId, expectedCurrent)
  }

  async retire(path: string, versionId: string, mode: 'disable' | 'destroy'): Promise<void> {
    this.model.retire(path, versionId, mode)
  }

  async setMeta(path: string, meta: RotorMeta): Promise<void> {
    this.model.setMeta(path, meta)
  }

  async adopt(path: string): Promise<void> {
    this.model.adopt(path)
  }

  async list(prefix: string): Promise<string[]> {
    return this.model.list(prefix)
  }

  async doctor(paths: string[]): Promise<DoctorCheck[]> {
    return localDoctor(this.storeName, () => this.describeMany(paths))
  }

  async close(): Promise<void> {}
}
