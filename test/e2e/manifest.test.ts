import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {describe, expect, it} from 'vitest'
import {ROOT} from '../support/cli.js'

/**
 * `npm test` builds first, and the build regenerates oclif.manifest.json. If that differs from
 * the committed (or staged) manifest, someone changed a command without rebuilding: oclif
 * would then serve stale flags and help to users.
 */
describe('oclif.manifest.json', () => {
  it('matches a freshly generated manifest', () => {
    let committed: string
    try {
      committed = execFileSync('git', ['show', ':oclif.manifest.json'], {cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
    } catch (error) {
      throw new Error(`oclif.manifest.json is not committed (git show failed: ${(error as Error).message})`)
    }
    const fresh = readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')
    expect(JSON.parse(fresh), 'run `npm run build` and commit oclif.manifest.json').toEqual(JSON.parse(committed))
  })

  it('lists every command rotor documents', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
    expect(Object.keys(manifest.commands).sort()).toEqual(
      ['apply', 'audit:show', 'audit:verify', 'check', 'config:schema', 'config:validate', 'copy', 'diff', 'doctor', 'exec', 'export', 'generate', 'get', 'import', 'init', 'plan', 'policy', 'restore', 'rollback', 'rotate', 'scan', 'schedule', 'status', 'store:accept-rollback', 'store:rotate-key', 'sync', 'version'].sort(),
    )
  })

  it('holds every command file under commands/ (the bundle\'s command index is generated from that directory)', async () => {
    const {commandFiles} = (await import(pathToFileURL(join(ROOT, 'scripts/build.js')).href)) as {commandFiles: () => Array<{id: string}>}
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
    const ids = commandFiles().map((f) => f.id)
    expect(ids).toContain('store:rotate-key')
    expect(Object.keys(manifest.commands).sort()).toEqual(ids.sort())
  })
})
