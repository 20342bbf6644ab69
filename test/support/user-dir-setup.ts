// Keys rotor keeps in the user's config directory (the audit key) go to a throwaway folder per
// test worker, never into the real ~/.config/rotor.
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

process.env.ROTOR_HOME = mkdtempSync(join(tmpdir(), 'rotor-home-'))

// vitest sets NODE_ENV=test, and every CLI a test spawns would inherit it. oclif reads it as
// development mode: it loads the TypeScript compiler to read tsconfig.json and looks for tsx and
// ts-node to run the commands from their sources (it finds neither and runs dist/, as it does for a
// user), which doubles the CPU time of every run (~0.55 s more per command on the CI machine).
// Users have no NODE_ENV=test: the CLI children run as the package runs for them.
delete process.env.NODE_ENV
