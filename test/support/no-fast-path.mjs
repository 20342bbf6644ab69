// Test-only: preloaded into the built CLI with NODE_OPTIONS=--import, it turns off bin/run.js's
// `status --json` fast path (src/cli/status-fast.ts), so a test can compare it with oclif's path.
globalThis[Symbol.for('rotor.fastPath')] = false
