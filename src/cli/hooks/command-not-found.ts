import type {Hook} from '@oclif/core'
import {failUnknownCommand} from '../not-found.js'

/** Registered in package.json (oclif.hooks.command_not_found). */
const hook: Hook<'command_not_found'> = async function (options) {
  failUnknownCommand(options.config, options.id, options.argv ?? process.argv.slice(2))
}

export default hook
