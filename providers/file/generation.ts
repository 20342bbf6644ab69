/**
 * The last generation of each v2 file store this user has seen, kept apart from the store (a
 * small JSON file per store identity under rotorUserDir()/state/), so that a copy of an older
 * database put back in its place is noticed: its authenticated generation is lower.
 *
 * Written after a commit, never before: a crash between the commit and this write leaves the
 * record behind the store, which is why a store is accepted when its generation is at least the
 * one recorded. Two processes writing it at once may leave the lower of their two generations:
 * that weakens the check by a few writes, it never refuses a store that was not rolled back.
 */
import {randomBytes} from 'node:crypto'
import {mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {rotorUserDir} from '../../src/util/user-dir.js'

export interface SeenRecord {
  store: string
  generation: number
  /** The store file when it was last seen (informative: a store is recognised by its identity). */
  path: string
  time: string
}

export function seenFile(storeIdHex: string, env: NodeJS.ProcessEnv): string {
  return join(rotorUserDir(env), 'state', `file-store-${storeIdHex}.json`)
}

/** The record, or undefined when there is none; a damaged one is reported through `warn`, then ignored. */
export async function readSeen(storeIdHex: string, env: NodeJS.ProcessEnv, warn: (message: string) => void): Promise<SeenRecord | undefined> {
  const file = seenFile(storeIdHex, env)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    const record = JSON.parse(text) as SeenRecord
    if (record.store === storeIdHex && Number.isSafeInteger(record.generation) && record.generation >= 0) return record
  } catch {
    // fall through
  }
  warn(`ignored the damaged record ${file} of the last state seen of a file store; rollback detection starts again from the store's current state`)
  return undefined
}

export async function writeSeen(record: SeenRecord, env: NodeJS.ProcessEnv): Promise<void> {
  const file = seenFile(record.store, env)
  await mkdir(join(rotorUserDir(env), 'state'), {recursive: true, mode: 0o700})
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    await writeFile(temp, `${JSON.stringify(record)}\n`, {mode: 0o600, flag: 'wx'})
    await rename(temp, file)
  } catch (error) {
    await rm(temp, {force: true})
    throw error
  }
}

/**
 * Records generations as they commit, one file write at a time: while one is being written, the
 * next one waits and only the newest is written after it. `flush` waits for all of them.
 */
export class SeenRecorder {
  private latest: number
  private running?: Promise<void>
  private warned = false

  constructor(
    private readonly storeIdHex: string,
    private readonly path: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly warn: (message: string) => void,
    /** The generation already on record (-1: none). */
    private written = -1,
  ) {
    this.latest = written
  }

  /** Resolves once a generation at least this one is recorded (or could not be: `warn` said so once). */
  async record(generation: number): Promise<void> {
    if (generation > this.latest) this.latest = generation
    while (this.written < generation) {
      this.running ??= this.drain()
      await this.running
    }
  }

  async flush(): Promise<void> {
    while (this.running) await this.running
  }

  private async drain(): Promise<void> {
    try {
      while (this.written < this.latest) {
        const generation = this.latest
        await writeSeen({store: this.storeIdHex, generation, path: this.path, time: new Date().toISOString()}, this.env).catch((error: Error) => {
          if (!this.warned) this.warn(`could not record the state of file store ${this.path} in ${seenFile(this.storeIdHex, this.env)}: ${error.message}; a rollback of the store would not be noticed`)
          this.warned = true
        })
        this.written = generation
      }
    } finally {
      this.running = undefined
    }
  }
}
