// Test-only: preloaded into the built CLI with NODE_OPTIONS=--import, it turns off bin/run.js's
// fast paths (`status --json`, src/cli/status-fast.ts; `get`, src/cli/get-fast.ts), so a test can compare it with oclif's path.
globalThis[Symbol.for('rotor.fastPath')] = false
