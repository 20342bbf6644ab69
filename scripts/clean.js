// Removes dist/ so a renamed or deleted source file never leaves a stale command behind.
import {rmSync} from 'node:fs'
rmSync(new URL('../dist', import.meta.url), {recursive: true, force: true})
