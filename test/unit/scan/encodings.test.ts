import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {SecretValue} from '../../../providers/types.js'
import {classify, readable} from '../../../src/scan/content.js'
import {base64Inner, encodedForms, MIN_ENCODED_LENGTH} from '../../../src/scan/encodings.js'
import {LeakMatcher} from '../../../src/scan/matcher.js'
import {parseSize} from '../../../src/scan/size.js'
import type {KnownValue} from '../../../src/scan/values.js'

const VALUE = 'rk_live_Zx9+/q?&= é'
const known = (value: string): KnownValue => ({
  value: new SecretValue(value),
  sites: [{secret: 'api', target: 'local:api', versionId: 'v1', role: 'current', createdAt: new Date(0)}],
})

describe('encodedForms', () => {
  it('finds the value inside base64 whatever comes before and after it', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 7}), fc.uint8Array({maxLength: 7}), fc.string({minLength: 6, maxLength: 30}), (before, after, value) => {
        const plain = Buffer.from(value, 'utf8')
        const blob = Buffer.concat([before, plain, after]).toString('base64')
        expect(blob).toContain(base64Inner(plain, (before.length % 3) as 0 | 1 | 2))
      }),
    )
  })

  it('covers Authorization: Basic at all three offsets (user names of length 0, 1, 2 mod 3)', () => {
    const forms = encodedForms(VALUE).filter((f) => f.encoding === 'base64').map((f) => f.bytes.toString('latin1'))
    for (const user of ['abc', 'abcd', 'abcde']) {
      const header = `Authorization: Basic ${Buffer.from(`${user}:${VALUE}`).toString('base64')}`
      expect(forms.filter((form) => header.includes(form)), user).toHaveLength(1)
    }
  })

  it('has percent-encoded, hex (both cases) and UTF-16 forms, without duplicates or short fragments', () => {
    const forms = encodedForms(VALUE)
    const text = (encoding: string) => forms.filter((f) => f.encoding === encoding).map((f) => f.bytes.toString('latin1'))
    expect(text('plain')).toEqual([Buffer.from(VALUE).toString('latin1')])
    expect(text('percent')).toContain(encodeURIComponent(VALUE))
    expect(text('percent')).toContain(encodeURIComponent(VALUE).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()))
    expect(text('percent')).toContain(new URLSearchParams({v: VALUE}).toString().slice(2))
    expect(text('hex')).toEqual([Buffer.from(VALUE).toString('hex'), Buffer.from(VALUE).toString('hex').toUpperCase()])
    expect(forms.find((f) => f.encoding === 'utf16le')?.bytes).toEqual(Buffer.from(VALUE, 'utf16le'))
    expect(forms.find((f) => f.encoding === 'utf16be')?.bytes).toEqual(Buffer.from(VALUE, 'utf16le').swap16())
    const keys = forms.map((f) => f.bytes.toString('latin1'))
    expect(new Set(keys).size).toBe(keys.length)
    expect(forms.filter((f) => f.encoding !== 'plain').every((f) => f.bytes.length >= MIN_ENCODED_LENGTH)).toBe(true)
    // base64url differs from base64 only where the value's base64 has + or /.
    expect(encodedForms('abcdefghijkl').some((f) => f.encoding === 'base64url')).toBe(false)
  })
})

describe('LeakMatcher', () => {
  it('reports each encoded form with its encoding, line and column, never the value', () => {
    const matcher = new LeakMatcher([known(VALUE)], [])
    const lines = [
      `plain=${VALUE}`,
      `auth: Basic ${Buffer.from(`u:${VALUE}`).toString('base64')}`,
      `url=https://h/?k=${encodeURIComponent(VALUE)}`,
      `hex=${Buffer.from(VALUE).toString('hex').toUpperCase()}`,
      `url64=${Buffer.from(VALUE).toString('base64url')}`,
    ]
    const leaks = matcher.scan(Buffer.from(lines.join('\n')), {file: 'f'})
    expect(leaks.map((l) => `${l.line}:${l.encoding}`)).toEqual(['1:plain', '2:base64', '3:percent', '4:hex', '5:base64url'])
    expect(leaks[0].column).toBe(7)
    expect(JSON.stringify(leaks)).not.toContain(VALUE)
  })

  it('finds UTF-16 text by its own forms in raw bytes, and as plain text once transcoded', () => {
    const matcher = new LeakMatcher([known(VALUE)], [])
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`key\r\nx=${VALUE}\r\n`, 'utf16le')])
    expect(matcher.scan(le, {file: 'f'}, 'bytes').map((l) => l.encoding)).toEqual(['utf16le'])
    const text = readable(le)
    expect(text.charset).toBe('utf16le')
    expect(matcher.scan(text.bytes, {file: 'f'}, text.charset).map((l) => `${l.line}:${l.column}:${l.encoding}`)).toEqual(['2:3:utf16le'])
  })
})

describe('classify', () => {
  it('tells UTF-8, UTF-16 (with and without BOM), binary and non-UTF-8 apart', () => {
    expect(classify(Buffer.from('héllo\n'))).toBe('utf8')
    expect(classify(Buffer.from('\ufeffhello', 'utf16le'))).toBe('utf16le')
    expect(classify(Buffer.from('hello world', 'utf16le'))).toBe('utf16le')
    expect(classify(Buffer.from('hello world', 'utf16le').swap16())).toBe('utf16be')
    expect(classify(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0]))).toBe('binary')
    expect(classify(Buffer.from('caf\xe9', 'latin1'))).toBe('not-utf8')
  })
})

describe('parseSize', () => {
  it('reads bytes with decimal and binary units and refuses the rest', () => {
    expect(parseSize('500')).toBe(500)
    expect(parseSize('800KB')).toBe(800_000)
    expect(parseSize('10MiB')).toBe(10 * 1024 * 1024)
    expect(parseSize('1.5 gb')).toBe(1_500_000_000)
    for (const bad of ['', 'ten', '10 parsecs', '0', '-5MB']) expect(parseSize(bad), bad).toBeUndefined()
  })
})
