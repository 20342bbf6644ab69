// Test-only: preloaded into the built CLI (NODE_OPTIONS=--import). At store-changing call number
// ROTOR_SIGNAL_AT (see the checkpoint in src/run/session.ts) the process sends itself
// ROTOR_SIGNAL (SIGINT by default), as an operator's Ctrl-C or a scheduler's stop would; with
// ROTOR_SIGNAL_TWICE=1 it sends it twice.
const at = Number(process.env.ROTOR_SIGNAL_AT ?? 0)
const signal = process.env.ROTOR_SIGNAL ?? 'SIGINT'
let count = 0
globalThis[Symbol.for('rotor.checkpoint')] = () => {
  count++
  if (count !== at) return
  process.kill(process.pid, signal)
  if (process.env.ROTOR_SIGNAL_TWICE === '1') setImmediate(() => process.kill(process.pid, signal))
}
