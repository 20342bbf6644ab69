/**
 * SARIF 2.1.0 for `rotor scan --format sarif`, the format GitHub code scanning and most CI
 * dashboards read. Two rules: a known value, and a key recognised by its format. Results carry
 * location, secret name and role; never the value or a hash of it.
 */
import type {Leak} from './matcher.js'

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json'

const RULES = [
  {
    id: 'rotor/secret-value',
    name: 'ManagedSecretValue',
    shortDescription: {text: 'A value of a secret rotor manages'},
    fullDescription: {text: 'The text contains a current, pending, previous or retired value of a secret managed by rotor.'},
    help: {text: 'Rotate the secret at once (rotor rotate NAME --emergency --reason leak) if the version is still valid, then remove the value from the file and its history.'},
    defaultConfiguration: {level: 'error'},
  },
  {
    id: 'rotor/key-format',
    name: 'RotorKeyFormat',
    shortDescription: {text: "A key in rotor's format with a valid checksum"},
    fullDescription: {text: "The text contains a key with a configured prefix, length and alphabet and a valid CRC-32 checksum whose value rotor cannot read."},
    help: {text: 'Find out where the key is valid (another store or environment, a destroyed version) and revoke it.'},
    defaultConfiguration: {level: 'warning'},
  },
] as const

/** `tool.homepage` is package.json's `homepage`: SARIF viewers link the rule to it. */
export function toSarif(leaks: Leak[], tool: {version: string; homepage?: string}, suggestion: (leak: Leak) => string): Record<string, unknown> {
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {driver: {name: 'rotor', version: tool.version, ...(tool.homepage ? {informationUri: tool.homepage} : {}), rules: RULES}},
        columnKind: 'utf16CodeUnits',
        results: leaks.map((leak) => {
          const ruleIndex = leak.kind === 'value' ? 0 : 1
          return {
            ruleId: RULES[ruleIndex].id,
            ruleIndex,
            level: leak.kind === 'value' && leak.role !== 'retired' ? 'error' : 'warning',
            message: {text: `${describe(leak)}. ${suggestion(leak)}`},
            locations: [
              {
                physicalLocation: {
                  artifactLocation: {uri: encodeURI(leak.file)},
                  region: {startLine: leak.line, startColumn: leak.column, endColumn: leak.column + leak.length},
                },
              },
            ],
            properties: {
              secret: leak.secret,
              secrets: leak.secrets,
              role: leak.role,
              encoding: leak.encoding,
              ...(leak.versionId ? {versionId: leak.versionId} : {}),
              ...(leak.commit ? {commit: leak.commit} : {}),
            },
          }
        }),
      },
    ],
  }
}

export function describe(leak: Leak): string {
  const where = leak.commit ? ` (commit ${leak.commit.slice(0, 12)})` : ''
  const encoded = leak.encoding === 'plain' ? '' : `, ${leak.encoding}-encoded`
  if (leak.kind === 'format') return `key in the format of ${leak.secrets.join(', ')}${encoded}${where}`
  const field = leak.field ? `field ${leak.field} of the ` : ''
  return `${field}${leak.role} version${leak.versionId ? ` ${leak.versionId}` : ''} of ${leak.secret}${encoded}${where}`
}
