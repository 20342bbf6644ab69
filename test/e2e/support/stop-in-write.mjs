// Test-only: preloaded into the built CLI (NODE_OPTIONS=--import). The file store calls the
// function under Symbol.for('rotor.file-store.checkpoint') before and inside each write
// transaction. With ROTOR_TEST_STOP_MARKER set, the first write transaction writes the process id
// to that file and stops the process with SIGSTOP while it holds the store's write lock. With
// ROTOR_TEST_WAIT_MARKER set, the file is written before the first write transaction begins.
import {writeFileSync} from 'node:fs'

const stopMarker = process.env.ROTOR_TEST_STOP_MARKER
const waitMarker = process.env.ROTOR_TEST_WAIT_MARKER
let stopped = false
let waiting = false
globalThis[Symbol.for('rotor.file-store.checkpoint')] = (label) => {
  if (label === 'before write transaction' && waitMarker && !waiting) {
    waiting = true
    writeFileSync(waitMarker, String(process.pid))
  }
  if (label === 'in write transaction' && stopMarker && !stopped) {
    stopped = true
    writeFileSync(stopMarker, String(process.pid))
    process.kill(process.pid, 'SIGSTOP')
  }
}
