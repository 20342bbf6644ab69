import {CONFIG_VERSION} from './schema.js'

export interface VersionCheck {
  message: string
  /** A file for a newer rotor: its other keys may mean things this one does not know, so stop. */
  stop: boolean
}

/** What is wrong with the top-level `version`, or undefined when it is fine or left to the schema. */
export function versionProblem(data: unknown): VersionCheck | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined
  const version = (data as Record<string, unknown>).version
  if (typeof version === 'string' && version.trim() === String(CONFIG_VERSION)) {
    return {message: `write version: ${CONFIG_VERSION} as a number, not a string (drop the quotes)`, stop: false}
  }
  if (typeof version === 'number' && Number.isInteger(version) && version > CONFIG_VERSION) {
    return {message: `this file needs a newer rotor (this one reads version ${CONFIG_VERSION})`, stop: true}
  }
  return undefined
}
