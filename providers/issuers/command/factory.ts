/**
 * `type: command`: any system that must accept a credential, driven by the operator's own
 * programs (`accept`, `check`, `revoke`, optionally `list`). An accepting issuer: the value comes
 * from the secret's generator, and rotor names the credential (two slots per binding, so old and
 * new are both registered during grace). The programs get everything in the environment, never
 * in argv; see client.ts for the variables and the exit-code contract.
 */
import {z} from 'zod'
import {parseDuration} from '../../../src/config/duration.js'
import {isCredentialName} from '../../../src/exec/child-env.js'
import type {IssuerCapabilities, IssuerFactory} from '../types.js'

export const DEFAULT_COMMAND_TIMEOUT = '30s'
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
/** Credential ids travel in environment variables and list output: one line, printable. */
export const CREDENTIAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$/

const argv = (what: string) =>
  z
    .array(z.string().min(1))
    .min(1, {error: 'give the program and its arguments, e.g. ["./partner.js", "register"]'})
    .describe(`${what} Program and arguments, run without a shell; a relative program (./bin/x) is found next to rotor.yaml.`)

const settings = z
  .strictObject({
    accept: argv('Registers the value (ROTOR_SECRET_VALUE) under the id ROTOR_CREDENTIAL_ID; exit 0 when done. May print `id=<its own id>`.'),
    check: argv('Does the value (ROTOR_SECRET_VALUE, ROTOR_CREDENTIAL_ID) log in now? Exit 0 yes, 1 refused, anything else: could not tell.'),
    revoke: argv('Makes ROTOR_CREDENTIAL_ID stop working; exit 0, also when it is already gone.'),
    list: argv('Optional: prints the ids of this binding (ROTOR_BINDING_ID) at the system, one per line (`<id>` or `<id> inactive`).').optional(),
    timeout: z
      .string()
      .refine((text) => canParse(text), {error: 'expected a duration like 30s or 2m'})
      .describe(`How long one program may run before its process group is killed. Default ${DEFAULT_COMMAND_TIMEOUT}.`)
      .optional(),
    passEnv: z
      .array(
        z
          .string()
          .regex(ENV_NAME, {error: 'an environment variable name'})
          .refine((name) => !isCredentialName(name), {
            error: (issue) => `${String(issue.input)} holds one of rotor's own credentials; rotor never passes it to a program it runs`,
          }),
      )
      .describe("Variables of rotor's environment the programs also get (a token for the system), besides PATH, HOME, USER, LANG, LC_*, TZ, TMPDIR, TERM and SHELL.")
      .optional(),
  })
  .describe('Programs that register, check and revoke a credential at any system.')

const binding = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,60}$/, {error: 'the binding id uses A-Z, a-z, 0-9, ".", "_" and "-" (1-61 characters)'})
      .describe('Names this secret\'s credentials at the system: rotor registers `<id>-a` and `<id>-b` in turn. Distinct per secret on one issuer.'),
    args: z.array(z.string()).describe('Arguments appended to every program of this secret (an account, a key name); never a secret.').optional(),
  })
  .describe('Which credentials of the command issuer belong to this secret.')

export type CommandSettings = z.output<typeof settings>
export type CommandBinding = z.output<typeof binding>

function canParse(text: string): boolean {
  try {
    parseDuration(text)
    return true
  } catch {
    return false
  }
}

export const commandTimeoutMs = (settings: Pick<CommandSettings, 'timeout'>): number => parseDuration(settings.timeout ?? DEFAULT_COMMAND_TIMEOUT)

/** `lists` depends on the settings (a `list` program); without them the factory cannot tell and says no. */
export function commandCapabilities(settings?: Pick<CommandSettings, 'list'>): IssuerCapabilities {
  return {accepts: true, mints: false, maxValid: 2, deactivates: false, lists: settings?.list !== undefined}
}

export const commandIssuerFactory: IssuerFactory<CommandSettings, CommandBinding> & {
  capabilities(binding: CommandBinding, settings?: CommandSettings): IssuerCapabilities
} = {
  kind: 'command',
  summary: 'programs that register, check and revoke a credential at any system',
  settings,
  binding,
  capabilities: (_binding: CommandBinding, settingsGiven?: CommandSettings) => commandCapabilities(settingsGiven),
  fields: ['id', 'value'],
  secretField: 'value',
  policy: (input) => ({
    format: 'text',
    title: `Command issuer ${input.issuerName}`,
    document:
      'rotor runs the configured accept, check, revoke and list programs; they need whatever the system asks of them (a token in passEnv).\n' +
      `Bindings: ${input.bindings.map((b) => `${b.secret} (${(b.binding as CommandBinding).id}-a, ${(b.binding as CommandBinding).id}-b)`).join(', ') || 'none'}\n`,
  }),
  async create(issuerName, settingsGiven, bindingGiven, context) {
    const {CommandIssuerClient} = await import('./client.js')
    return new CommandIssuerClient(issuerName, settingsGiven, bindingGiven, context)
  },
}
