// Test-only: preloaded into the built CLI with NODE_OPTIONS=--import, it makes rotor's clock
// (src/clock.ts) read ROTOR_TEST_NOW. Production code has no way to move time.
const fixed = process.env.ROTOR_TEST_NOW
if (fixed) globalThis[Symbol.for('rotor.clock')] = () => new Date(fixed)
