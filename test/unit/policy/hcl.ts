/**
 * A strict parser for the HCL subset Vault policies use: `# comments`, blocks with one string
 * label (`path "x" { ... }`), attributes whose values are strings or lists of strings. Anything
 * else is a syntax error, so a test that parses rotor's output proves it is well formed.
 */
export type HclValue = string | HclValue[]

export interface HclBlock {
  type: string
  label: string
  attributes: Record<string, HclValue>
}

type Token = {kind: 'ident' | 'string' | 'punct'; text: string; at: number}

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < source.length) {
    const c = source[i]
    if (/\s/.test(c)) i++
    else if (c === '#' || source.startsWith('//', i)) {
      while (i < source.length && source[i] !== '\n') i++
    } else if ('{}[]=,'.includes(c)) tokens.push({kind: 'punct', text: c, at: i++})
    else if (c === '"') {
      const at = i++
      let text = ''
      while (source[i] !== '"') {
        if (i >= source.length || source[i] === '\n') throw new SyntaxError(`unterminated string at ${at}`)
        if (source[i] === '\\') {
          const next = source[i + 1]
          if (!'"\\nt'.includes(next)) throw new SyntaxError(`bad escape \\${next} at ${i}`)
          text += next === 'n' ? '\n' : next === 't' ? '\t' : next
          i += 2
        } else if (source.startsWith('${', i) || source.startsWith('%{', i)) {
          throw new SyntaxError(`template sequence at ${i}: not allowed in a policy path`)
        } else text += source[i++]
      }
      i++
      tokens.push({kind: 'string', text, at})
    } else if (/[A-Za-z_]/.test(c)) {
      const at = i
      while (i < source.length && /[A-Za-z0-9_-]/.test(source[i])) i++
      tokens.push({kind: 'ident', text: source.slice(at, i), at})
    } else throw new SyntaxError(`unexpected ${JSON.stringify(c)} at ${i}`)
  }
  return tokens
}

export function parseHcl(source: string): HclBlock[] {
  const tokens = tokenize(source)
  let p = 0
  const expect = (kind: Token['kind'], text?: string): Token => {
    const t = tokens[p++]
    if (!t || t.kind !== kind || (text !== undefined && t.text !== text)) {
      throw new SyntaxError(`expected ${text ?? kind} at token ${p - 1}, got ${t ? JSON.stringify(t.text) : 'end of input'}`)
    }
    return t
  }
  const value = (): HclValue => {
    if (tokens[p]?.kind === 'string') return tokens[p++].text
    expect('punct', '[')
    const list: HclValue[] = []
    while (tokens[p]?.text !== ']') {
      list.push(value())
      if (tokens[p]?.text === ',') p++
      else break
    }
    expect('punct', ']')
    return list
  }
  const blocks: HclBlock[] = []
  while (p < tokens.length) {
    const type = expect('ident').text
    const label = expect('string').text
    expect('punct', '{')
    const attributes: Record<string, HclValue> = {}
    while (tokens[p]?.text !== '}') {
      const name = expect('ident').text
      if (name in attributes) throw new SyntaxError(`duplicate attribute ${name}`)
      expect('punct', '=')
      attributes[name] = value()
    }
    expect('punct', '}')
    blocks.push({type, label, attributes})
  }
  return blocks
}
