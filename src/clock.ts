/**
 * Where rotor gets "now". Production uses the system clock. Tests of the built CLI preload a
 * module (test/support/fake-clock.mjs, via NODE_OPTIONS=--import) that installs a clock under
 * this symbol; there is deliberately no flag or variable a user could set to move time.
 */
const CLOCK = Symbol.for('rotor.clock')

type ClockFn = () => Date

export function now(): Date {
  const injected = (globalThis as Record<symbol, unknown>)[CLOCK] as ClockFn | undefined
  return injected ? injected() : new Date()
}
