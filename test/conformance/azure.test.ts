import {azureFactory} from '../../providers/azure/factory.js'
import {secretNameFor} from '../../providers/azure/naming.js'
import {startAzureFixture} from '../emulators/azure/fixture.js'
import {runConformance} from './suite.js'

// The real SDK against the wire-level emulator: HTTPS with a certificate made at start, the 401
// challenge and bearer token, Key Vault's version and soft-delete semantics.
runConformance('azure', azureFactory.capabilities, async () => {
  const fixture = await startAzureFixture()
  return {
    client: fixture.client,
    // Another tool's secret: set through the plain API under the name rotor maps the path to, untagged.
    putForeign: async (path, value) => {
      await fixture.raw.setSecret(secretNameFor(path), value)
    },
    close: () => fixture.close(),
  }
})
