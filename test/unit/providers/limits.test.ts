import {describe, expect, it} from 'vitest'
import {AdaptiveBucket, type PacingClock, Semaphore, withLimits} from '../../../providers/limits.js'
import {MemoryStoreClient} from '../../../providers/memory/client.js'
import {SecretValue} from '../../../providers/types.js'
import {ThrottledError} from '../../../src/errors/index.js'

/** A clock that only moves when someone sleeps: waits are measured, not timed. */
function virtualClock(): PacingClock & {slept: number} {
  let now = 0
  const clock = {
    slept: 0,
    now: () => now,
    sleep: async (ms: number) => {
      now += ms
      clock.slept += ms
    },
  }
  return clock
}

describe('store pacing', () => {
  it('lets a burst through, then paces calls at the quota', async () => {
    const clock = virtualClock()
    const bucket = new AdaptiveBucket({limit: 10, windowMs: 1000}, clock)
    for (let i = 0; i < 10; i++) await bucket.take()
    expect(clock.slept).toBe(0)
    for (let i = 0; i < 20; i++) await bucket.take()
    // 20 more calls at 10/s need two more seconds.
    expect(clock.slept).toBeGreaterThanOrEqual(1900)
    expect(clock.slept).toBeLessThanOrEqual(2100)
  })

  it('halves the rate when throttled and recovers on success', () => {
    const bucket = new AdaptiveBucket({limit: 50, windowMs: 1000}, virtualClock())
    bucket.throttled()
    expect(bucket.currentRatePerSecond).toBeCloseTo(25)
    bucket.throttled()
    expect(bucket.currentRatePerSecond).toBeCloseTo(12.5)
    for (let i = 0; i < 100; i++) bucket.succeeded()
    expect(bucket.currentRatePerSecond).toBeCloseTo(50)
  })

  it('keeps at most N calls in flight', async () => {
    const semaphore = new Semaphore(3)
    let inFlight = 0
    let peak = 0
    await Promise.all(
      Array.from({length: 12}, () =>
        semaphore.run(async () => {
          inFlight++
          peak = Math.max(peak, inFlight)
          await new Promise((resolve) => setImmediate(resolve))
          inFlight--
        }),
      ),
    )
    expect(peak).toBe(3)
  })

  it('slows writes after the store throttles them, and passes results and errors through', async () => {
    const clock = virtualClock()
    const memory = new MemoryStoreClient('mem', () => new Date())
    let throttleNext = 1
    const flaky = Object.assign(Object.create(memory), {
      writeVersion: async (...args: Parameters<MemoryStoreClient['writeVersion']>) => {
        if (throttleNext-- > 0) throw new ThrottledError('slow down')
        return memory.writeVersion(...args)
      },
    })
    const limited = withLimits(flaky, {read: {limit: 100, windowMs: 1000}, write: {limit: 4, windowMs: 1000}, concurrency: 2}, clock)
    const write = (i: number) => limited.writeVersion(`s${i}`, new SecretValue('v'), {rotationId: 'r', stage: 'current'})
    await expect(write(0)).rejects.toBeInstanceOf(ThrottledError)
    for (let i = 1; i <= 8; i++) await write(i)
    // At the full 4/s, 8 writes after a burst of 4 would need ~1 s; at the halved rate, more.
    expect(clock.slept).toBeGreaterThan(1000)
    expect(await memory.list('')).toHaveLength(8)
  })
})
