/**
 * Where rotor keeps what must live apart from a project's folder: the file store's key and the
 * audit log's key. `$ROTOR_HOME` wins, then `$XDG_CONFIG_HOME/rotor`, then `~/.config/rotor`,
 * as sops and age keep their keys in the user's config directory.
 */
import {homedir} from 'node:os'
import {isAbsolute, join} from 'node:path'

export function rotorUserDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ROTOR_HOME && isAbsolute(env.ROTOR_HOME)) return env.ROTOR_HOME
  if (env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME)) return join(env.XDG_CONFIG_HOME, 'rotor')
  return join(env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir(), '.config', 'rotor')
}
