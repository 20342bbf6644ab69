import {describe, expect, it} from 'vitest'
import {fastPathProject} from './support/fast-path.js'

/**
 * `rotor get NAME` runs without oclif when its command line is plain (bin/run.js,
 * src/cli/get-fast.ts). Each case runs the built CLI twice, once as users run it and once with the
 * fast path turned off (test/support/no-fast-path.mjs), and expects the same stdout, stderr and
 * exit code; the load trace tells which path ran. Needs `npm run build`.
 */
const project = fastPathProject('rotor-get-fast-', {
  // A schedule field that is not a cron expression: a config error with file, line and key.
  'bad.yaml': (text) => text.replace('cron: "0 3 * * 1"', 'cron: "every monday"'),
})
const {run, both} = project

describe('get without oclif', () => {
  it('prints the value with --reveal, and loads neither oclif nor any command', async () => {
    const fast = await both(['get', 'payments-api', '--reveal'])
    expect(fast.code, fast.stderr).toBe(0)
    expect(fast.stdout).toMatch(/^rk_live_\w+\n$/)
    expect(fast.modules).toContain('get-fast.js')
    expect(fast.modules.filter((m) => m === 'oclif.js' || m === 'commands.js' || /^chunks\/get-[A-Z0-9]+\.js$/.test(m)), fast.modules.join('\n')).toEqual([])
  })

  it('prints the same output as the command for each plain command line', async () => {
    for (const args of [
      ['get', 'payments-api', '--json', '--reveal'],
      ['get', 'payments-api'],
      ['get', 'payments-api', '--json'],
      ['get', 'payments-api', '-q'],
      ['get', '--reveal', 'webhook-signing', '--quiet', '-c', 'rotor.yaml'],
      ['get', 'payments-api', '--target=local:payments/api-key-replica', '--reveal', '--config=rotor.yaml'],
      ['get', 'payments-api', '--role', 'current', '--json'],
    ]) {
      const fast = await both(args)
      expect(fast.oclif, args.join(' ')).toBe(false)
      expect(fast.code, `${args.join(' ')}: ${fast.stderr}`).toBe(0)
    }
    // Without --reveal the value is not printed, on either path.
    const value = (await run(['get', 'payments-api', '--reveal'], {fast: true})).stdout.trim()
    for (const args of [['get', 'payments-api'], ['get', 'payments-api', '--json']]) {
      const fast = await run(args, {fast: true})
      expect(fast.oclif).toBe(false)
      expect(fast.stdout).not.toContain(value)
      expect(fast.stdout).toContain('redacted')
    }
  })

  it('fails alike: a missing secret, a bad config, a bad field or target, a refused switch', async () => {
    const cases: Array<{args: string[]; env?: NodeJS.ProcessEnv; code: number}> = [
      {args: ['get', 'nope', '--reveal'], code: 64},
      {args: ['get', 'nope', '--reveal', '--json'], code: 64},
      {args: ['get', 'payments-api', '--reveal', '--config', 'bad.yaml'], code: 65},
      {args: ['get', 'payments-api', '--reveal', '--json', '-c', 'missing.yaml'], code: 65},
      {args: ['get', 'payments-api', '--reveal', '--field', 'password'], code: 64},
      {args: ['get', 'payments-api', '--reveal', '--target', 'local:elsewhere'], code: 64},
      {args: ['get', 'payments-api', '--reveal'], env: {NODE_DEBUG: 'rotor-none'}, code: 64},
    ]
    for (const {args, env, code} of cases) {
      const fast = await both(args, env)
      expect(fast.oclif, args.join(' ')).toBe(false)
      expect(fast.code, `${args.join(' ')}: ${fast.stdout}${fast.stderr}`).toBe(code)
      // The error: on stderr, or as the --json document on stdout.
      expect(fast.stdout + fast.stderr).toContain('rror')
    }
  })

  it("prints a text-mode warning in oclif's format", async () => {
    const warned = await both(['get', 'payments-api', '--reveal'], {GRPC_TRACE: 'all'})
    expect(warned.oclif, 'oclif is loaded only to format the warning').toBe(true)
    expect(warned.modules).toContain('get-fast.js')
    expect(warned.stderr).toContain('GRPC_TRACE is ignored')
    expect(warned.code).toBe(0)
  })

  it('leaves to oclif what it does not parse itself, with the same result', async () => {
    for (const args of [
      ['get', 'payments-api', '--reveal', '--nope'],
      ['get', 'payments-api', 'webhook-signing', '--reveal'],
      ['get', '--reveal'],
      ['get', 'payments-api', '--reveal', '--reveal'],
      ['get', 'payments-api', '--field', 'password'],
      ['get', 'payments-api', '--reveal', '--field', 'x', '--template'],
      ['get', 'payments-api', '--role', 'latest'],
      ['get', 'payments-api', '--version', '1'],
      ['get', 'payments-api', '--target', ''],
      ['get', 'payments-api', '--', '--reveal'],
      ['get', 'payments-api', '--help'],
    ]) {
      const fast = await run(args, {fast: true})
      expect(fast.oclif, args.join(' ')).toBe(true)
    }
    for (const args of [
      ['get', 'payments-api', '--reveal', '--nope'],
      ['get', 'payments-api', 'webhook-signing', '--reveal'],
    ]) {
      const fast = await both(args)
      expect(fast.code, args.join(' ')).toBe(64)
    }
    expect((await run(['get', 'payments-api', '--reveal'], {fast: true, env: {DEBUG: 'rotor'}})).oclif).toBe(true)
  })
})
