import {describe, expect, it} from 'vitest'
import {ProgressBar} from '../../../src/cli/progress.js'

const stream = (isTTY: boolean) => {
  const written: string[] = []
  return {written, stream: {isTTY, columns: 80, write: (text: string) => written.push(text)}}
}

describe('progress bar', () => {
  it('writes nothing at all without a TTY', () => {
    const {written, stream: s} = stream(false)
    const bar = new ProgressBar('syncing', {stream: s})
    bar.start(3)
    bar.tick(3)
    bar.stop()
    expect(bar.enabled).toBe(false)
    expect(written).toEqual([])
  })

  it('writes nothing under --json, even at a terminal', () => {
    const {written, stream: s} = stream(true)
    const bar = new ProgressBar('syncing', {json: true, stream: s})
    bar.start(3)
    bar.tick(3)
    bar.stop()
    expect(written).toEqual([])
  })

  it('redraws one line at a terminal and clears it when done', () => {
    const {written, stream: s} = stream(true)
    const bar = new ProgressBar('syncing', {stream: s})
    bar.start(4)
    bar.tick(4)
    bar.stop()
    expect(written[0]).toMatch(/^\r\u001B\[2Ksyncing \[\.+\] 0\/4$/)
    expect(written.at(-2)).toMatch(/syncing \[#+\] 4\/4$/)
    expect(written.at(-1)).toBe('\r\u001B[2K')
    expect(written.join('')).not.toContain('\n')
  })
})
