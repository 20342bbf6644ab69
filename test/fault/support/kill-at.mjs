// Test-only: preloaded into the built CLI (NODE_OPTIONS=--import). rotor calls the function under
// Symbol.for('rotor.checkpoint') after every store-changing call (src/run/session.ts); this one
// logs the call and, at call number ROTOR_KILL_AT, kills the process with SIGKILL: no cleanup,
// no finally blocks, no flushed buffers, exactly like a power cut or the OOM killer.
import {appendFileSync} from 'node:fs'

const killAt = Number(process.env.ROTOR_KILL_AT ?? 0)
const log = process.env.ROTOR_CHECKPOINT_LOG
let count = 0
globalThis[Symbol.for('rotor.checkpoint')] = (label) => {
  count++
  if (log) appendFileSync(log, `${count} ${label}\n`)
  if (count === killAt) process.kill(process.pid, 'SIGKILL')
}
