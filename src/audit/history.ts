/**
 * Which secrets the audit log shows a history for, read loosely: the log's format is the audit
 * writer's business, so this takes any line that parses as JSON with a `secret` string and an
 * outcome other than `failed`, and skips the rest (a torn last line, a future entry kind). One
 * streaming pass, O(size), once per run. Read-only: it never changes or verifies the log.
 */
import {createReadStream} from 'node:fs'
import {createInterface} from 'node:readline'
import {RotorError} from '../errors/index.js'

export async function readHistory(path: string): Promise<Set<string>> {
  const names = new Set<string>()
  const stream = createReadStream(path, {encoding: 'utf8'})
  try {
    for await (const line of createInterface({input: stream, crlfDelay: Infinity})) {
      // Cheap filter before parsing: most lines of a big log are about secrets already seen.
      if (!line.includes('"secret"')) continue
      let entry: unknown
      try {
        entry = JSON.parse(line)
      } catch {
        continue
      }
      if (typeof entry !== 'object' || entry === null) continue
      const {secret, outcome} = entry as {secret?: unknown; outcome?: unknown}
      if (typeof secret === 'string' && outcome !== 'failed') names.add(secret)
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return names
    throw new RotorError(`cannot read the audit log ${path}: ${(error as Error).message}`, {
      ref: path,
      hint: 'rotor reads it to tell a lost primary from a new secret; fix its permissions (the user rotor runs as must read it)',
    })
  } finally {
    stream.destroy()
  }
  return names
}
