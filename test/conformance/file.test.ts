import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileFactory} from '../../providers/file/factory.js'
import type {FileStoreClient} from '../../providers/file/client.js'
import {runConformance} from './suite.js'

runConformance('file', fileFactory.capabilities, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rotor-file-'))
  const settings = fileFactory.settings.parse({})
  const client = (await fileFactory.create('local', settings, {baseDir: dir, env: {}, now: () => new Date()})) as FileStoreClient
  return {
    client,
    putForeign: (path, value) => client.putForeign(path, value),
    close: async () => {
      await client.close()
      await rm(dir, {recursive: true, force: true})
    },
  }
})
