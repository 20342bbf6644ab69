/**
 * Where rotor keeps what must live apart from a project's folder: the file store's key and the
 * audit log's key. `$ROTOR_HOME` wins, then `$XDG_CONFIG_HOME/rotor`, then `~/.config/rotor`,
 * as sops and age keep their keys in the user's config directory.
 */
import {homedir} from 'node:os'
import {isAbsolute, join} from 'node:path'

export function rotorUserDir(env: NodeJS.ProcessEnv = process.env): string {
  // A context's environment may be a narrowed copy (tests pass {}): the process's own settings
  // still say where this user's keys live.
  const setting = (name: string) => {
    const value = env[name] ?? process.env[name]
    return value && isAbsolute(value) ? value : undefined
  }
  const rotorHome = setting('ROTOR_HOME')
  if (rotorHome) return rotorHome
  const xdg = setting('XDG_CONFIG_HOME')
  if (xdg) return join(xdg, 'rotor')
  return join(setting('HOME') ?? homedir(), '.config', 'rotor')
}
