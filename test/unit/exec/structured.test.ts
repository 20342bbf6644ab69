import {describe, expect, it} from 'vitest'
import type {SecretConfig} from '../../../src/config/types.js'
import {checkEnvNames, checkField, handOut, valueOfField} from '../../../src/exec/env.js'
import {renderTemplate} from '../../../src/exec/template.js'
import {redact} from '../../../src/redact/index.js'
import {InvalidRequestError, UsageError} from '../../../src/errors/index.js'
import {SecretValue} from '../../../providers/types.js'
import {ValueReader} from '../../../src/engine/values.js'
import type {StoreSet} from '../../../src/engine/stores.js'
import {MAX_LENGTH, MAX_PREFIX_LENGTH} from '../../../src/keys/index.js'
import {providerKinds, registry} from '../../../providers/registry.js'

const secret = (extra: Partial<SecretConfig>): SecretConfig => ({name: 'app-db', generator: {} as never, graceMs: 0, retire: 'disable', labels: {}, adopt: false, targets: [], ...extra})
const PASSWORD = 'p@ss/w0rd:Structured-91xQ'
const db = () => SecretValue.fromFields({username: 'app_role_a', password: PASSWORD})
const TEMPLATE = 'postgresql://{{username}}:{{password | url}}@db.internal:5432/app'

describe('structured values handed to exec and export', () => {
  it('maps variables to fields and the rendered template, and masks every field', () => {
    const config = secret({fields: ['username', 'password'], template: TEMPLATE, envFields: {DB_USER: 'username', DB_PASSWORD: 'password', DATABASE_URL: 'template'}})
    const handed = handOut(config, 'local:app/db', db())
    const byVariable = Object.fromEntries(handed.map((h) => [h.variable, h.value.reveal()]))
    expect(byVariable).toEqual({
      DB_USER: 'app_role_a',
      DB_PASSWORD: PASSWORD,
      DATABASE_URL: `postgresql://app_role_a:${encodeURIComponent(PASSWORD)}@db.internal:5432/app`,
    })
    for (const h of handed) expect(h.masks).toEqual(expect.arrayContaining(['app_role_a', PASSWORD, h.value.reveal()]))
    // Every field and the rendered template are known to the redactor.
    const logged = redact(`url=${byVariable.DATABASE_URL} user=app_role_a`)
    expect(logged).not.toContain('app_role_a')
    expect(logged).not.toContain(encodeURIComponent(PASSWORD))
    const dsn = handOut(secret({fields: ['username', 'password'], template: 'user={{username}} password={{password}} host=db'}), 't', db())[0]
    expect(redact(`dsn: ${dsn.value.reveal()}`)).toBe('dsn: [redacted]')
  })

  it('gives one variable the template when there is one, else the JSON text', () => {
    expect(handOut(secret({fields: ['username', 'password'], template: TEMPLATE, env: 'DATABASE_URL'}), 't', db())[0]).toMatchObject({variable: 'DATABASE_URL', field: 'template'})
    const json = handOut(secret({fields: ['username', 'password']}), 't', db())[0]
    expect(json.variable).toBe('APP_DB')
    expect(JSON.parse(json.value.reveal())).toEqual({username: 'app_role_a', password: PASSWORD})
  })

  it('allows a field to fill a cloud variable: that is the secret\'s value, not rotor\'s credential', () => {
    const keys = SecretValue.fromFields({accessKeyId: 'AKIAEXAMPLE123', secretAccessKey: 'secret-access-key-xyz-123'})
    const handed = handOut(secret({fields: ['accessKeyId', 'secretAccessKey'], envFields: {AWS_ACCESS_KEY_ID: 'accessKeyId', AWS_SECRET_ACCESS_KEY: 'secretAccessKey'}}), 't', keys)
    expect(handed.map((h) => [h.variable, h.value.reveal()])).toEqual([
      ['AWS_ACCESS_KEY_ID', 'AKIAEXAMPLE123'],
      ['AWS_SECRET_ACCESS_KEY', 'secret-access-key-xyz-123'],
    ])
  })

  it('a plain secret has one field, value, and may have a template', () => {
    const plain = secret({name: 'api', template: 'Bearer {{value}}', envFields: {API_KEY: 'value', AUTHORIZATION: 'template'}})
    const handed = handOut(plain, 't', new SecretValue('plain-api-key-1234'))
    expect(handed.map((h) => h.value.reveal())).toEqual(['plain-api-key-1234', 'Bearer plain-api-key-1234'])
    expect(() => checkField(plain, 'username')).toThrow(UsageError)
    expect(() => checkField(secret({}), 'template')).toThrow(UsageError)
  })

  it('refuses a stored value that lacks the issuer\'s fields, without echoing it', () => {
    const config = secret({fields: ['username', 'password'], envFields: {DB_USER: 'username'}})
    const error = (() => {
      try {
        handOut(config, 'local:app/db', new SecretValue('legacy-plain-password-77'))
      } catch (e) {
        return e as Error
      }
    })()
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error?.message).toContain('missing username, password')
    expect(error?.message).not.toContain('legacy-plain-password-77')
    expect(() => valueOfField(config, 't', db(), 'nope')).toThrow(UsageError)
  })

  it('refuses two secrets filling one variable, also through maps', () => {
    expect(() => checkEnvNames([secret({name: 'a', envFields: {DB_USER: 'username'}}), secret({name: 'b', env: 'DB_USER'})])).toThrow(/secrets a and b both use the variable DB_USER/)
    expect(() => checkEnvNames([secret({name: 'a', envFields: {X: 'username', Y: 'password'}})])).not.toThrow()
  })

  it('renders {{field}} as is and {{field | url}} percent-encoded', () => {
    expect(renderTemplate('{{a}}-{{ b | url }}', {a: 'x/y', b: 'x/y'}).reveal()).toBe('x/y-x%2Fy')
  })
})

describe('fingerprints of structured values', () => {
  it('cover every field and ignore the JSON spelling', () => {
    const reader = new ValueReader({} as StoreSet, Buffer.alloc(32, 1))
    const a = new SecretValue('{"username":"app_role_a","password":"pw-123456789"}')
    const reordered = new SecretValue('{ "password": "pw-123456789", "username": "app_role_a" }')
    const otherUser = new SecretValue('{"username":"app_role_b","password":"pw-123456789"}')
    expect(reader.fingerprint(a)).toBe(reader.fingerprint(reordered))
    expect(reader.fingerprint(a)).not.toBe(reader.fingerprint(otherUser))
    expect(reader.fingerprint(new SecretValue('plain-value-1234'))).not.toBe(reader.fingerprint(a))
  })
})

describe('structured values in stores', () => {
  it('fit every store: the longest generated password, JSON-escaped throughout, with long field values', () => {
    const worst = SecretValue.fromFields({username: 'u'.repeat(63), password: '\\'.repeat(MAX_LENGTH + MAX_PREFIX_LENGTH), accessKeyId: 'A'.repeat(128)})
    for (const kind of providerKinds) {
      expect(Buffer.byteLength(worst.reveal()), kind).toBeLessThanOrEqual(registry[kind].capabilities.maxValueBytes)
    }
  })
})
