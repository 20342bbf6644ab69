import {gcpAtPromotionCapabilities, gcpFactory} from '../../providers/gcp/factory.js'
import {toSecretId} from '../../providers/gcp/naming.js'
import {type GcpFixture, startGcpFixture, TEST_PROJECT} from '../emulators/gcp/fixture.js'
import {type ConformanceFixture, runConformance} from './suite.js'

// The real SDK over gRPC against the wire-level emulator, in both alias modes.
function fixtureFor(fx: GcpFixture): ConformanceFixture {
  return {
    client: fx.client,
    // Another tool's secret: created and given a version through the plain API, with no label or alias.
    putForeign: async (path, value) => {
      const [secret] = await fx.raw.createSecret({
        parent: `projects/${TEST_PROJECT}`,
        secretId: toSecretId(path),
        secret: {replication: {automatic: {}}},
      })
      await fx.raw.addSecretVersion({parent: secret.name, payload: {data: Buffer.from(value)}})
    },
    close: () => fx.close(),
  }
}

runConformance('gcp (aliasMode: staged)', gcpFactory.capabilities, async () => fixtureFor(await startGcpFixture()))

runConformance('gcp (aliasMode: at-promotion)', gcpAtPromotionCapabilities, async () =>
  fixtureFor(await startGcpFixture({}, {aliasMode: 'at-promotion'})),
)
