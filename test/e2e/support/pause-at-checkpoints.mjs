// Test-only: preloaded into the built CLI (NODE_OPTIONS=--import). At every store- or
// issuer-changing call (the checkpoint in src/run/session.ts) the process writes
// $ROTOR_PAUSE_DIR/at-<n> (the call's label) and stops until the test writes
// $ROTOR_PAUSE_DIR/go-<n>, so the test can act at that exact point of a run (a consumer logging in
// between "set at the database" and "promoted in the stores"). Gives up waiting after 120 s.
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

const dir = process.env.ROTOR_PAUSE_DIR
const sleeper = new Int32Array(new SharedArrayBuffer(4))
let count = 0
if (dir) {
  globalThis[Symbol.for('rotor.checkpoint')] = (label) => {
    count++
    writeFileSync(join(dir, `at-${count}`), String(label))
    const deadline = Date.now() + 120_000
    while (!existsSync(join(dir, `go-${count}`)) && Date.now() < deadline) Atomics.wait(sleeper, 0, 0, 20)
  }
}
