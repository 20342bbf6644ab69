import {CreateSecretCommand} from '@aws-sdk/client-secrets-manager'
import {awsFactory} from '../../providers/aws/factory.js'
import {startAwsFixture} from '../emulators/aws/fixture.js'
import {runConformance} from './suite.js'

// The real SDK against the wire-level emulator: JSON 1.1, verified SigV4, real label semantics.
runConformance('aws', awsFactory.capabilities, async () => {
  const fixture = await startAwsFixture()
  return {
    client: fixture.client,
    // Another tool's secret: created through the plain API, without rotor's ownership tag.
    putForeign: async (path, value) => {
      await fixture.raw.send(new CreateSecretCommand({Name: path, SecretString: value}))
    },
    close: () => fixture.close(),
  }
})
