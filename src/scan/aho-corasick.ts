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

/** A match of ByteAhoCorasick: pattern index and the offset just past its last byte. */
export interface ByteMatch {
  pattern: number
  end: number
}

/**
 * Rows of the full transition table kept for the shallowest states. Text that matches no
 * pattern keeps the automaton near the root (with 1,000 values, rarely deeper than three
 * bytes), so nearly every byte takes one table lookup; the deeper states, which mostly have one
 * child, keep sparse sorted edges. 1 KiB a row: 32 MiB at most.
 */
const DENSE_STATES = 32_768

/**
 * Aho-Corasick over bytes, for scanning file content without decoding it: every pattern (a value
 * and each of its encoded forms) is found in one pass, in time linear in the input. Built from
 * sorted patterns into flat typed arrays, states numbered breadth first, so the shallowest
 * states (the dense ones) are simply the lowest numbers.
 */
export class ByteAhoCorasick {
  readonly lengths: Int32Array
  private readonly edgeByte: Uint8Array
  private readonly firstChild: Int32Array
  private readonly nextSibling: Int32Array
  private readonly fail: Int32Array
  /** Pattern ending exactly at a state, or -1 (patterns are distinct). */
  private readonly terminal: Int32Array
  /** The nearest state on the failure chain (the state itself included) that ends a pattern, or -1. */
  private readonly report: Int32Array
  /** States below this number have a full row in `table`. */
  private readonly dense: number
  /** Row `s` (256 entries) holds the next state, or its bitwise complement when that state reports. */
  private readonly table: Int32Array

  /** `denseStates`: how many of the shallowest states get a full row (tests make it small). */
  constructor(patterns: readonly Uint8Array[], denseStates = DENSE_STATES) {
    this.lengths = Int32Array.from(patterns, (p) => p.length)
    const trie = buildTrie(patterns)
    const states = trie.states
    // Renumber breadth first: children of a state get consecutive numbers after all shallower states.
    const order = new Int32Array(states)
    const id = new Int32Array(states)
    let tail = 1
    for (let head = 0; head < tail; head++) {
      for (let c = trie.firstChild[order[head]]; c !== -1; c = trie.nextSibling[c]) {
        id[c] = tail
        order[tail++] = c
      }
    }
    this.edgeByte = new Uint8Array(states)
    this.firstChild = new Int32Array(states)
    this.nextSibling = new Int32Array(states)
    this.terminal = new Int32Array(states)
    for (let s = 0; s < states; s++) {
      const old = order[s]
      this.edgeByte[s] = trie.edgeByte[old]
      this.firstChild[s] = trie.firstChild[old] === -1 ? -1 : id[trie.firstChild[old]]
      this.nextSibling[s] = trie.nextSibling[old] === -1 ? -1 : id[trie.nextSibling[old]]
      this.terminal[s] = trie.terminal[old]
    }
    this.fail = new Int32Array(states)
    this.report = new Int32Array(states).fill(-1)
    this.dense = Math.max(1, Math.min(states, denseStates))
    this.table = new Int32Array(this.dense * 256)
    this.link(states)
  }

  get empty(): boolean {
    return this.firstChild[0] === -1
  }

  /** Every match in `bytes`, overlapping ones included, in order of their end offset. */
  search(bytes: Uint8Array): ByteMatch[] {
    const {table, dense, report, terminal, fail} = this
    const found: ByteMatch[] = []
    let state = 0
    for (let i = 0; i < bytes.length; i++) {
      let next = state < dense ? table[(state << 8) | bytes[i]] : this.step(state, bytes[i])
      if (next < 0) {
        next = ~next
        for (let s = report[next]; s !== -1; s = report[fail[s]]) found.push({pattern: terminal[s], end: i + 1})
      }
      state = next
    }
    return found
  }

  /** From a sparse state: the next state, complemented when it reports (as in `table`). */
  private step(state: number, b: number): number {
    for (;;) {
      const c = this.child(state, b)
      if (c !== -1) return this.report[c] === -1 ? c : ~c
      state = this.fail[state]
      if (state < this.dense) return this.table[(state << 8) | b]
    }
  }

  private child(state: number, b: number): number {
    for (let c = this.firstChild[state]; c !== -1 && this.edgeByte[c] <= b; c = this.nextSibling[c]) if (this.edgeByte[c] === b) return c
    return -1
  }

  /** The full transition from any state (rows of shallower states are already filled). */
  private delta(state: number, b: number): number {
    for (;;) {
      if (state < this.dense) {
        const next = this.table[(state << 8) | b]
        return next < 0 ? ~next : next
      }
      const c = this.child(state, b)
      if (c !== -1) return c
      state = this.fail[state]
    }
  }

  /**
   * In state order, which is breadth first: a state's failure target is shallower, so it is
   * linked (and, within the dense budget, has its row filled) before the state itself.
   */
  private link(states: number): void {
    for (let state = 0; state < states; state++) {
      const failTo = this.fail[state]
      this.report[state] = this.terminal[state] !== -1 ? state : state === 0 ? -1 : this.report[failTo]
      for (let c = this.firstChild[state]; c !== -1; c = this.nextSibling[c]) {
        this.fail[c] = state === 0 ? 0 : this.delta(failTo, this.edgeByte[c])
      }
      if (state < this.dense) {
        // The failure target's row, with this state's own edges on top.
        const at = state << 8
        if (state !== 0) this.table.copyWithin(at, failTo << 8, (failTo << 8) + 256)
        for (let c = this.firstChild[state]; c !== -1; c = this.nextSibling[c]) this.table[at + this.edgeByte[c]] = c
      }
    }
    // Children are linked after their parent's row is written, so mark reporting targets last.
    for (let i = 0; i < this.table.length; i++) {
      const next = this.table[i]
      if (next >= 0 && this.report[next] !== -1) this.table[i] = ~next
    }
  }
}

interface Trie {
  states: number
  edgeByte: Uint8Array
  firstChild: Int32Array
  nextSibling: Int32Array
  terminal: Int32Array
}

/**
 * In sorted order a new pattern shares its prefix with the previous one, and each node's
 * children are created in increasing byte order: sibling lists come out sorted.
 */
function buildTrie(patterns: readonly Uint8Array[]): Trie {
  const capacity = 1 + patterns.reduce((sum, p) => sum + p.length, 0)
  const edgeByte = new Uint8Array(capacity)
  const firstChild = new Int32Array(capacity).fill(-1)
  const nextSibling = new Int32Array(capacity).fill(-1)
  const terminal = new Int32Array(capacity).fill(-1)
  const lastChild = new Int32Array(capacity).fill(-1)
  let states = 1
  const order = patterns.map((_, i) => i).filter((i) => patterns[i].length > 0)
  order.sort((a, b) => Buffer.compare(patterns[a], patterns[b]))
  const path = [0]
  let previous: Uint8Array = new Uint8Array(0)
  for (const index of order) {
    const pattern = patterns[index]
    let shared = 0
    while (shared < pattern.length && shared < previous.length && pattern[shared] === previous[shared]) shared++
    path.length = shared + 1
    for (let d = shared; d < pattern.length; d++) {
      const parent = path[d]
      const child = states++
      edgeByte[child] = pattern[d]
      if (lastChild[parent] === -1) firstChild[parent] = child
      else nextSibling[lastChild[parent]] = child
      lastChild[parent] = child
      path.push(child)
    }
    const end = path[pattern.length]
    if (terminal[end] === -1) terminal[end] = index
    previous = pattern
  }
  return {states, edgeByte, firstChild, nextSibling, terminal}
}
