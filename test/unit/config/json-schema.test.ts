import {describe, expect, it} from 'vitest'
import {providerKinds} from '../../../providers/registry.js'
import {configJsonSchema} from '../../../src/config/index.js'

type Schema = Record<string, unknown> & {properties?: Record<string, Schema>}

describe('configJsonSchema', () => {
  const schema = configJsonSchema() as Schema

  it('is a draft 2020-12 schema with an id and a title', () => {
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: expect.any(String),
      title: 'rotor.yaml',
      type: 'object',
      additionalProperties: false,
      required: ['version', 'stores', 'secrets'],
    })
  })

  it('describes stores as a union over the provider kinds', () => {
    const stores = schema.properties?.stores as Schema
    expect(stores).toBeDefined()
    const store = stores.additionalProperties as {oneOf: Schema[]}
    const kinds = store.oneOf.map((option) => (option.properties?.type as {const: string}).const)
    expect(kinds).toEqual(providerKinds)
    expect(kinds).toEqual(expect.arrayContaining(['file', 'memory']))
    const file = store.oneOf[kinds.indexOf('file')]
    expect(file.properties?.path).toMatchObject({type: 'string', default: '.rotor/secrets.enc'})
    expect(store.oneOf.every((option) => option.additionalProperties === false)).toBe(true)
  })

  it('describes secrets with descriptions and defaults for editors', () => {
    const secret = (schema.properties?.secrets as Schema).additionalProperties as Schema
    expect(secret.required).toEqual(['targets'])
    expect(secret.additionalProperties).toBe(false)
    expect(secret.properties?.grace).toMatchObject({
      type: 'string',
      description: expect.stringContaining('previous version stays valid'),
      examples: expect.arrayContaining(['24h']),
    })
    expect(secret.properties?.retire).toMatchObject({enum: ['disable', 'destroy'], default: 'disable'})
    expect(secret.properties?.schedule).toHaveProperty('anyOf')
    const generator = secret.properties?.generator as Schema
    expect(generator.properties?.length).toMatchObject({type: 'integer', minimum: 1, default: 40})
  })

  it('round-trips through JSON', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema)
  })
})
