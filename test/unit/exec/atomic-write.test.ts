import {mkdir, mkdtemp, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {writeFileAtomic} from '../../../src/util/atomic-write.js'

describe('writeFileAtomic (what export writes values with)', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-atomic-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('leaves no temp file (with the values) behind when the rename fails', async () => {
    const target = join(dir, 'out.env')
    await mkdir(join(target, 'inside'), {recursive: true})
    await expect(writeFileAtomic(target, 'API_KEY=secret-value\n')).rejects.toMatchObject({code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST/)})
    expect(await readdir(dir)).toEqual(['out.env'])
  })
})
