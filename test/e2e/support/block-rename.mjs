// Test-only: preloaded into the built CLI, it makes a rename onto $ROTOR_TEST_RENAME_BLOCK fail
// for real: a non-empty directory appears at the target just before the rename runs.
import fs from 'node:fs'
import {syncBuiltinESMExports} from 'node:module'

const target = process.env.ROTOR_TEST_RENAME_BLOCK
if (target) {
  const rename = fs.promises.rename
  fs.promises.rename = async (from, to) => {
    if (String(to) === target) fs.mkdirSync(`${target}/blocker`, {recursive: true})
    return rename(from, to)
  }
  syncBuiltinESMExports()
}
