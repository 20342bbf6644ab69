import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ValueMasker} from '../../../src/exec/mask.js'

/** Feeds `chunks` through a masker; returns what came out, chunk by chunk. */
function run(values: string[], chunks: Array<string | Buffer>): string[] {
  const masker = new ValueMasker(values)
  const out: string[] = []
  masker.on('data', (chunk: Buffer) => out.push(chunk.toString('utf8')))
  for (const chunk of chunks) masker.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  masker.end()
  return out
}

describe('ValueMasker: values in a child output stream', () => {
  const value = 'rk_live_S3cretValue42'

  it('masks a value split across chunks at every position', () => {
    const text = `token=${value}\n`
    for (let cut = 0; cut <= text.length; cut++) {
      const out = run([value], [text.slice(0, cut), text.slice(cut)]).join('')
      expect(out, `cut ${cut}`).toBe('token=[redacted]\n')
    }
  })

  it('masks a value written one byte at a time, also inside multi-byte characters', () => {
    const unicode = 'pässwörd-ünïcode-42'
    const bytes = Buffer.from(`a ${unicode} b ${value}`)
    const chunks = [...bytes].map((b) => Buffer.from([b]))
    expect(run([unicode, value], chunks).join('')).toBe('a [redacted] b [redacted]')
  })

  it('holds back only a tail that could start a value, so a prompt shows at once', () => {
    const out = run([value], ['Password: ', 'rk_li'])
    expect(out[0]).toBe('Password: ')
    expect(out.join('')).toBe('Password: rk_li')
  })

  it('masks a value that contains another one whole, and one that starts where another ends', () => {
    expect(run(['abcdefgh', 'cdef'], ['xx abcdefgh yy cdef']).join('')).toBe('xx [redacted] yy [redacted]')
    // "abcd" is complete when the tail "cd" could begin "cdxy": it must not be split out.
    expect(run(['abcd', 'cdxy'], ['-ab', 'cd', '-']).join('')).toBe('-[redacted]-')
  })

  it('never lets a value through, whatever the chunking (property)', () => {
    fc.assert(
      fc.property(fc.string({minLength: 4, maxLength: 20}), fc.array(fc.string({maxLength: 10}), {maxLength: 6}), fc.array(fc.nat(60), {maxLength: 8}), (secret, noise, cuts) => {
        fc.pre(!noise.some((n) => n.includes(secret)))
        const text = noise.join(secret)
        const positions = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort((a, b) => a - b)
        const chunks = [0, ...positions].map((start, i, all) => text.slice(start, all[i + 1] ?? text.length))
        const out = run([secret], chunks).join('')
        expect(out.includes(secret)).toBe(false)
        expect(out).toBe(run([secret], [text]).join(''))
      }),
      {numRuns: 300},
    )
  })
})
