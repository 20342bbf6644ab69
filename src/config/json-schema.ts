import {z} from 'zod'
import {configSchema} from './schema.js'

export const CONFIG_SCHEMA_ID = 'urn:rotor:config:v1'

/**
 * JSON Schema (draft 2020-12) of rotor.yaml for editors, e.g. with yaml-language-server:
 * `# yaml-language-server: $schema=./rotor.schema.json`. It describes what may be written (the
 * input side: defaults make keys optional). Cross-field rules such as "targets name a defined
 * store" and the entropy floor are checked when the file is loaded.
 */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema(), {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>
  const {$schema, ...rest} = generated
  return {
    $schema,
    $id: CONFIG_SCHEMA_ID,
    title: 'rotor.yaml',
    ...rest,
    description: 'Configuration of rotor: the stores it writes to and the secrets it rotates.',
  }
}
