/**
 * `rotor scan --install-hook`: a git pre-commit hook that runs `rotor scan --staged`, so a
 * commit that adds a managed secret is refused (exit 4 stops git). A hook that rotor did not
 * write is only replaced with `force`. The hook passes `--allow-skipped`: staged files scan cannot
 * read as text (images, archives) are listed on every commit but do not block it; a CI run of
 * `rotor scan` fails on them.
 */
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {UsageError} from '../errors/index.js'
import {hooksDir} from './git.js'

export const HOOK_MARKER = '# rotor-hook: installed by `rotor scan --install-hook`'

export function hookScript(configPath?: string): string {
  const args = `scan --staged --allow-skipped${configPath ? ` --config '${configPath.replace(/'/g, `'\\''`)}'` : ''}`
  return `#!/bin/sh
${HOOK_MARKER}; delete this file to remove it.
# Refuses the commit when staged changes contain a value (or key format) of a secret rotor manages.
if command -v rotor >/dev/null 2>&1; then
  exec rotor ${args}
fi
exec npx --no-install rotor ${args}
`
}

export interface HookResult {
  path: string
  replaced: 'none' | 'rotor' | 'foreign'
}

export async function installHook(cwd: string, options: {force: boolean; configPath?: string}): Promise<HookResult> {
  const dir = await hooksDir(cwd)
  const path = join(dir, 'pre-commit')
  const existing = await readFile(path, 'utf8').catch(() => undefined)
  const replaced = existing === undefined ? 'none' : existing.includes(HOOK_MARKER) ? 'rotor' : 'foreign'
  if (replaced === 'foreign' && !options.force) {
    throw new UsageError(`${path} exists and was not written by rotor`, {
      hint: 'add `rotor scan --staged` to your hook (or hook manager) yourself, or pass --force to replace it',
    })
  }
  await mkdir(dir, {recursive: true})
  await writeFile(path, hookScript(options.configPath), {mode: 0o755})
  await chmod(path, 0o755)
  return {path, replaced}
}
