// Keys rotor keeps in the user's config directory (the audit key) go to a throwaway folder per
// test worker, never into the real ~/.config/rotor.
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

process.env.ROTOR_HOME = mkdtempSync(join(tmpdir(), 'rotor-home-'))
