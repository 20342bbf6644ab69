/**
 * The issuer contract on the memory issuer, each fixture on an account of its own; `authenticates`
 * logs in through the system's own table, not through the client.
 */
import {mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {memoryIssuerCapabilities, memoryIssuerFactory} from '../../providers/issuers/memory/factory.js'
import {MemoryIssuerSystem} from '../../providers/issuers/memory/client.js'
import {runIssuerConformance} from './issuer-suite.js'

let n = 0
const context = (baseDir: string) => ({baseDir, env: {}, now: () => new Date(), warn: () => {}})

for (const deactivates of [false, true]) {
  runIssuerConformance(`memory${deactivates ? ' (deactivates)' : ''}`, memoryIssuerFactory, memoryIssuerCapabilities({maxValid: 2, deactivates}), async () => {
    const account = `acct-${deactivates ? 'd' : 'p'}-${++n}`
    const binding = memoryIssuerFactory.binding.parse({account, deactivates})
    const client = await memoryIssuerFactory.create('mem', {}, binding, context('.'))
    const system = MemoryIssuerSystem.open(undefined)
    return {
      client,
      authenticates: async (value) => {
        const fields = value.fields()
        return fields !== undefined && system.login(account, fields.id, fields.value)
      },
      close: () => client.close(),
    }
  })
}

// The same contract with the credentials in a JSON file (what the crash matrix uses across processes).
const dir = await mkdtemp(join(tmpdir(), 'rotor-memory-issuer-'))
runIssuerConformance('memory (file)', memoryIssuerFactory, memoryIssuerCapabilities({maxValid: 2, deactivates: true}), async () => {
  const account = `acct-f-${++n}`
  const settings = memoryIssuerFactory.settings.parse({file: 'issuer.json'})
  const client = await memoryIssuerFactory.create('mem', settings, memoryIssuerFactory.binding.parse({account, deactivates: true}), context(dir))
  return {
    client,
    authenticates: async (value) => {
      const fields = value.fields()
      // A fresh reader of the file, as another process would be.
      const system = MemoryIssuerSystem.open('issuer.json', dir)
      return fields !== undefined && system.login(account, fields.id, fields.value)
    },
    close: () => client.close(),
  }
})
