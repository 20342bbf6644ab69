// Test-only: preloaded into the built CLI. At the first store-changing call (the checkpoint in
// src/run/session.ts) it leaves a promise rejected with nobody awaiting it, as a careless SDK does.
let done = false
globalThis[Symbol.for('rotor.checkpoint')] = () => {
  if (done) return
  done = true
  Promise.reject(new Error('boom from a hook'))
}
