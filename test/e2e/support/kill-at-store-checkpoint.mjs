// Test-only: preloaded into the built CLI (NODE_OPTIONS=--import). The file store calls the
// function under Symbol.for('rotor.file-store.checkpoint') at labelled points (providers/file/client.ts);
// at the one named by ROTOR_TEST_KILL_LABEL this kills the process with SIGKILL: no cleanup, no
// finally blocks, as a power cut would.
const label = process.env.ROTOR_TEST_KILL_LABEL
globalThis[Symbol.for('rotor.file-store.checkpoint')] = (at) => {
  if (label && at === label) process.kill(process.pid, 'SIGKILL')
}
