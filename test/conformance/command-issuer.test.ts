/**
 * The command issuer against a real HTTP key service, driven by the example's own scripts
 * (examples/command-issuer/partner.mjs); `authenticates` logs in at the service itself.
 */
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll} from 'vitest'
import {commandIssuerFactory, type CommandSettings} from '../../providers/issuers/command/factory.js'
import {startKeyService, type KeyService} from '../support/key-service.js'
import {runIssuerConformance} from './issuer-suite.js'

const EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url))
const script = './command-issuer/partner.mjs'
const settings: CommandSettings = {
  accept: [script, 'register'],
  check: [script, 'check'],
  revoke: [script, 'revoke'],
  list: [script, 'list'],
  timeout: '20s',
  passEnv: ['PARTNER_URL', 'PARTNER_TOKEN'],
}

let service: KeyService
let bindings = 0
beforeAll(async () => {
  service = await startKeyService()
})
afterAll(async () => {
  await service.stop()
})

runIssuerConformance('command (partner key service)', commandIssuerFactory, commandIssuerFactory.capabilities({id: 'x'}, settings), async () => {
  const env = {...process.env, PARTNER_URL: service.url, PARTNER_TOKEN: service.token}
  const client = await commandIssuerFactory.create('partner', settings, {id: `conf-${++bindings}`}, {baseDir: EXAMPLES, env, now: () => new Date()})
  return {
    client,
    async authenticates(value) {
      const fields = value.fields()
      return fields !== undefined && (await service.authenticates(fields.id, fields.value))
    },
    close: () => client.close(),
  }
})
