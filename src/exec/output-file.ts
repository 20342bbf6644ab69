/**
 * Where `rotor export --output` may write: never over an existing file unless told to (it may be
 * someone's hand-kept .env), and with a warning when git would pick the file up.
 */
import {lstat} from 'node:fs/promises'
import {resolve} from 'node:path'
import {UsageError} from '../errors/index.js'
import {gitExposure} from '../scan/git.js'

export interface OutputFile {
  file: string
  /** Set when the file is inside a git work tree and not ignored. */
  warning?: string
}

export async function prepareOutputFile(path: string, options: {force: boolean; cwd?: string}): Promise<OutputFile> {
  const file = resolve(options.cwd ?? process.cwd(), path)
  const existing = await lstat(file).then(
    (info) => info,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    },
  )
  if (existing && !options.force) {
    throw new UsageError(`${path} already exists; rotor export does not overwrite a file unless told to`, {
      hint: `pass --force to replace it, or choose another --output`,
    })
  }
  if (existing?.isDirectory()) throw new UsageError(`${path} is a directory; --output needs a file name`)
  const exposure = await gitExposure(file).catch(() => 'outside' as const)
  if (exposure !== 'not-ignored') return {file}
  return {
    file,
    warning: `${path} is inside a git work tree and not ignored: a \`git add\` would commit these secret values; add it to .gitignore`,
  }
}
