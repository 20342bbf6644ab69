import {readFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {describe, expect, it} from 'vitest'
import {FileSystemError, fromFsError, InterruptedError, UsageError} from '../../../src/errors/index.js'
import {errorJson, errorText} from '../../../src/errors/format.js'
import {mapLimit} from '../../../src/util/pool.js'

const nodeError = async (path: string) => readFile(path).then(() => undefined, (e: unknown) => e)

describe('file-system errors', () => {
  it('name the path and the role, give a hint, and keep Node text out', async () => {
    const error = fromFsError(await nodeError('/nonexistent/rotor.yaml'), 'the config file')
    expect(error).toBeInstanceOf(FileSystemError)
    expect((error as FileSystemError).message).toBe('cannot read the config file /nonexistent/rotor.yaml: no such file or directory')
    expect((error as FileSystemError).hint).toContain('/nonexistent/rotor.yaml')
    const dir = fromFsError(await nodeError(tmpdir()), 'store "local":', '/data/secrets.enc') as FileSystemError
    expect(dir.message).toBe('cannot read store "local": /data/secrets.enc: it is a directory, not a file')
    expect(dir.message).not.toContain('EISDIR')
  })

  it('leave other errors alone', () => {
    const plain = new Error('x')
    expect(fromFsError(plain)).toBe(plain)
  })
})

describe('the one formatter', () => {
  it('prints one Error line and the hint; the stack only with DEBUG=rotor', () => {
    const error = new UsageError('bad', {hint: 'do this'})
    const saved = process.env.DEBUG
    try {
      delete process.env.DEBUG
      expect(errorText(error)).toBe('Error: bad\nHint: do this\n')
      process.env.DEBUG = 'rotor'
      expect(errorText(error)).toContain('    at ')
    } finally {
      if (saved === undefined) delete process.env.DEBUG
      else process.env.DEBUG = saved
    }
  })

  it('gives code, message, hint and exit code as JSON, for any thrown value', () => {
    expect(errorJson(new InterruptedError('SIGTERM'))).toMatchObject({code: 'INTERRUPTED', exitCode: 143, hint: expect.any(String)})
    expect(errorJson(new Error('odd'))).toMatchObject({code: 'INTERNAL', message: 'odd', exitCode: 1})
  })
})

describe('the pool after an interrupt', () => {
  it('starts no new item, lets the running ones finish, then throws the reason', async () => {
    const controller = new AbortController()
    const started: number[] = []
    const finished: number[] = []
    const run = mapLimit(
      [0, 1, 2, 3, 4],
      2,
      async (item) => {
        started.push(item)
        if (item === 1) controller.abort(new InterruptedError('SIGINT'))
        await Promise.resolve()
        finished.push(item)
        return item
      },
      controller.signal,
    )
    await expect(run).rejects.toBeInstanceOf(InterruptedError)
    expect(started).toEqual([0, 1])
    expect(finished.sort()).toEqual([0, 1])
  })
})
