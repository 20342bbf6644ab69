import type {Hook} from '@oclif/core'

/**
 * Registered in package.json (oclif.hooks.postrun). After oclif's autocomplete plugin has written
 * its completion functions, extends them to complete secret and store names (src/cli/complete.ts).
 * Every command runs this hook; anything but autocomplete returns before loading anything.
 */
const hook: Hook<'postrun'> = async function (options) {
  const id = options.Command?.id
  if (id !== 'autocomplete' && id !== 'autocomplete:create') return
  const {extendCompletionScripts} = await import('../complete.js')
  await extendCompletionScripts(options.config.cacheDir, options.config.bin)
}

export default hook
