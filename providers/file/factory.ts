import {z} from 'zod'
import type {ProviderFactory} from '../types.js'
import {fileRuntime} from './runtime.js'

const settings = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .default('.rotor/secrets.enc')
      .describe(
        'The store\'s database file (SQLite; beside it PATH-wal and PATH-shm while in use), relative to the config file. A v1 store file found here is migrated on first use and kept as PATH.v1.bak.',
      ),
    keyFile: z
      .string()
      .min(1)
      .describe(
        'Key file (32 random bytes, base64), relative to the config file. Default: .rotor/file.key when it exists (earlier versions put it there), else one file per store in the user\'s config directory (~/.config/rotor/keys/), created with mode 0600 by the first write when ROTOR_FILE_KEY is unset.',
      )
      .optional(),
    keyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .default('ROTOR_FILE_KEY')
      .describe('Environment variable holding the base64 key; takes precedence over keyFile.'),
  })
  .describe('The embedded default: a SQLite database whose names, metadata and values are sealed with AES-256-GCM (see docs/file-store.md).')

export type FileSettings = z.infer<typeof settings>

export const fileFactory: ProviderFactory<FileSettings> = {
  ...fileRuntime,
  summary: 'encrypted local file (the embedded default)',
  settings,
  policy(input) {
    const {path, keyFile, keyEnv} = input.settings as FileSettings
    const lines = input.readOnly
      ? [
          `The file store cannot grant read-only access: whoever can read ${path} and its key can read every version of every secret in it.`,
          `Give applications their values with \`rotor exec\` or \`rotor export\` (mode 0600) instead of access to the store.`,
        ]
      : [
          `Store file ${path}, its ${path}-wal and ${path}-shm, and the lock file ${path}.lock (creation, migration, key rotation): owned by the user rotor runs as, mode 0600, in a directory with mode 0700.`,
          `Key: $${keyEnv} (base64, 32 bytes) or the key file ${keyFile ?? 'in the user config directory (~/.config/rotor/keys/)'}, mode 0600, owned by that user, not a symbolic link, in a folder others cannot write (rotor refuses anything else).`,
          'The last generation of the store seen is kept in the user config directory (state/): keep it, or a restored older copy of the store is not noticed.',
          'Keep the key apart from the store file: a backup that holds both holds every secret.',
          `Paths: ${input.paths.length} secret(s) in one file; access is all or nothing.`,
        ]
    return {format: 'text', title: `File store ${input.storeName}${input.readOnly ? ' (read-only)' : ''}`, document: `${lines.join('\n')}\n`}
  },
}

export {fileCapabilities} from './runtime.js'
