#!/usr/bin/env node
// The AWS SDK prints a Node 22 notice on Node 20; it is noise for a CLI's users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
import {Errors, flush, run} from '@oclif/core'

/**
 * One error path for the whole process: an error no command caught, an unhandled rejection or an
 * uncaught exception prints one `Error:` line and a hint through rotor's formatter (the stack only
 * with DEBUG=rotor) and exits 1. The formatter loads only on this path, so start-up pays nothing.
 */
let failing = false
async function fail(error, exitCode = 1) {
  if (failing) return
  failing = true
  try {
    const [{errorText}, {redact}] = await Promise.all([import('../dist/src/errors/format.js'), import('../dist/src/redact/index.js')])
    process.stderr.write(redact(errorText(error)))
  } catch {
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`)
  }
  process.exit(exitCode)
}

process.on('unhandledRejection', (reason) => fail(reason))
process.on('uncaughtException', (error) => fail(error))

try {
  await run(process.argv.slice(2), import.meta.url)
  await flush()
} catch (error) {
  if (error instanceof Errors.ExitError) {
    await flush()
    process.exitCode = error.oclif.exit
  } else {
    // oclif's parse errors outside a command exit 2, which is rotor's "changes pending": a usage error.
    const exit = error?.oclif?.exit
    await fail(error, exit === 2 ? 64 : (exit ?? 1))
  }
}
