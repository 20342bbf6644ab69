#!/usr/bin/env node
// The AWS SDK prints a Node 22 notice on Node 20; it is noise for a CLI's users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

/**
 * `rotor --version` is what scripts and installers call to check rotor is there: answered here,
 * in oclif's exact format, without loading oclif or any command (half of start-up otherwise).
 * Plain `rotor version` likewise prints the version lines (src/cli/version-info.ts, the same
 * module the command uses); with any flag (--json, --help) it goes through oclif.
 */
const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === 'version')) {
  const {readFileSync} = await import('node:fs')
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  if (argv[0] === '--version') process.stdout.write(`rotor/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
  else {
    const {versionInfo, versionLines} = await import('../dist/cli/version.js')
    process.stdout.write(`${versionLines(versionInfo(version)).join('\n')}\n`)
  }
  process.exit(0)
}
// `rotor __complete secrets|stores`: the names shell completion offers (src/cli/complete.ts).
if (argv[0] === '__complete') {
  const {runComplete} = await import('../dist/cli/complete.js')
  const result = await runComplete(argv.slice(1))
  process.stdout.write(result.stdout)
  process.stderr.write(result.stderr)
  process.exit(result.code)
}
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
    const {failText} = await import('../dist/cli/fail.js')
    process.stderr.write(failText(error))
  } catch {
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`)
  }
  process.exit(exitCode)
}

process.on('unhandledRejection', (reason) => fail(reason))
process.on('uncaughtException', (error) => fail(error))

/**
 * `rotor status --json`, what monitoring polls, and `rotor get NAME`, what scripts read values
 * with, run without oclif when their command line is plain (src/cli/status-fast.ts and
 * src/cli/get-fast.ts say which): the same work, output, errors and exit codes, without oclif's
 * start-up. Anything else returns false and goes through oclif below.
 */
async function fastPath() {
  // Tests compare both paths: test/support/no-fast-path.mjs, preloaded, turns these off.
  if (globalThis[Symbol.for('rotor.fastPath')] === false) return false
  if (argv[0] === 'status' && argv.includes('--json')) {
    const {runStatusFast} = await import('../dist/cli/status-fast.js')
    return runStatusFast(argv.slice(1))
  }
  // `rotor get NAME [--reveal]` likewise (src/cli/get-fast.ts).
  if (argv[0] === 'get') {
    const {runGetFast} = await import('../dist/cli/get-fast.js')
    return runGetFast(argv.slice(1))
  }
  return false
}

// oclif, bundled with rotor's commands (scripts/build.js): one file instead of its module tree.
let oclif
/**
 * oclif's flush waits for stdout to drain. A reader that closed the pipe early (`| head`) never
 * lets it, and the process would end on this unsettled await with exit 13: stop once stdout closes.
 */
function flushStdout() {
  if (!oclif || process.stdout.destroyed) return undefined
  return Promise.race([oclif.flush(), new Promise((resolve) => process.stdout.once('close', resolve))])
}
try {
  if (!(await fastPath())) {
    oclif = await import('../dist/cli/oclif.js')
    await oclif.run(argv, import.meta.url)
    await flushStdout()
  }
} catch (error) {
  // `this.exit(n)`: from a rotor command, or from a plugin's command (autocomplete, help) that
  // loaded the @oclif/core installed next to it, whose ExitError is another class.
  if (error?.code === 'EEXIT' && typeof error?.oclif?.exit === 'number') {
    await flushStdout()
    process.exitCode = error.oclif.exit
  } else {
    // oclif's parse errors outside a command exit 2, which is rotor's "changes pending": a usage error.
    const exit = error?.oclif?.exit
    await fail(error, exit === 2 ? 64 : (exit ?? 1))
  }
}
