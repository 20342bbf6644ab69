/**
 * Aho-Corasick: finds every occurrence of many patterns in one pass over the text, in time
 * linear in the text plus the number of matches, whatever the number of patterns. Works on
 * UTF-16 code units, so offsets are JavaScript string indexes.
 */

export interface PatternMatch {
  /** Index into the patterns given to the constructor. */
  pattern: number
  start: number
  /** Exclusive. */
  end: number
}

export class AhoCorasick {
  private readonly next: Array<Map<number, number>> = [new Map()]
  private readonly fail: number[] = [0]
  /** Patterns that end exactly at a state. */
  private readonly output: number[][] = [[]]
  /** The nearest state along the failure chain that has output, or -1: keeps reporting linear. */
  private readonly dictionary: number[] = [-1]

  constructor(readonly patterns: readonly string[]) {
    patterns.forEach((pattern, index) => {
      if (pattern.length === 0) return
      let state = 0
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern.charCodeAt(i)
        let to = this.next[state].get(c)
        if (to === undefined) {
          to = this.next.length
          this.next.push(new Map())
          this.fail.push(0)
          this.output.push([])
          this.dictionary.push(-1)
          this.next[state].set(c, to)
        }
        state = to
      }
      this.output[state].push(index)
    })
    this.link()
  }

  get empty(): boolean {
    return this.next[0].size === 0
  }

  /** Every match, overlapping ones included, in order of their end offset. */
  *search(text: string): Generator<PatternMatch> {
    let state = 0
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      while (state !== 0 && !this.next[state].has(c)) state = this.fail[state]
      state = this.next[state].get(c) ?? 0
      for (let s = this.output[state].length > 0 ? state : this.dictionary[state]; s !== -1; s = this.dictionary[s]) {
        for (const pattern of this.output[s]) {
          yield {pattern, start: i + 1 - this.patterns[pattern].length, end: i + 1}
        }
      }
    }
  }

  /** Breadth first, so a state's failure target is always linked before the state itself. */
  private link(): void {
    const queue: number[] = []
    for (const child of this.next[0].values()) queue.push(child)
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]
      for (const [c, child] of this.next[state]) {
        let f = this.fail[state]
        while (f !== 0 && !this.next[f].has(c)) f = this.fail[f]
        const target = this.next[f].get(c)
        this.fail[child] = target !== undefined && target !== child ? target : 0
        const via = this.fail[child]
        this.dictionary[child] = this.output[via].length > 0 ? via : this.dictionary[via]
        queue.push(child)
      }
    }
  }
}
