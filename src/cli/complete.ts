/**
 * Shell completion of the names in rotor.yaml (issue 15 item 5). oclif's autocomplete plugin
 * completes commands and flags from a static list; rotor adds the names a config defines:
 *
 * - `rotor __complete secrets|stores [--config FILE]` prints one name a line. bin/run.js answers
 *   it without loading oclif or a command (a TAB press should not wait for the whole CLI); it is
 *   not an oclif command, so it is in no help page, manifest or JSON contract.
 * - After `rotor autocomplete` (or `autocomplete:create`) has written oclif's bash, zsh and
 *   PowerShell functions, a postrun hook (src/cli/hooks/completion.ts) extends each one: where a
 *   secret or store name goes, it asks `rotor __complete`; anywhere else it hands over to oclif's.
 *
 * Where names go: the argument of get, rotate, rollback and restore and the values of --select
 * (-s) and --secret are secrets; the argument of `store rotate-key` and `store accept-rollback`
 * and the value of --store (except `init --store`, which takes a cloud) are stores.
 */
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {parse} from 'yaml'
import {resolveConfigPath} from '../config/load.js'

export const COMPLETE_COMMAND = '__complete'
export const NAME_KINDS = ['secrets', 'stores'] as const
export type NameKind = (typeof NAME_KINDS)[number]

/** The names under `secrets:` or `stores:` of a config file, in file order. Throws when the file cannot be read or parsed. */
export async function configNames(kind: NameKind, file: string): Promise<string[]> {
  const doc: unknown = parse(await readFile(file, 'utf8'))
  const section = doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>)[kind] : undefined
  return section !== null && typeof section === 'object' && !Array.isArray(section) ? Object.keys(section) : []
}

/**
 * `rotor __complete KIND [--config FILE | -c FILE | --config=FILE]`: prints the names and returns
 * 0; a bad invocation or an unreadable config says why on stderr and returns 64 or 1 (the shell
 * functions discard stderr, so a TAB press never prints into the command line).
 */
export async function runComplete(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{code: number; stdout: string; stderr: string}> {
  const [kind, ...rest] = argv
  let flag: string | undefined
  for (let i = 0; i < rest.length; i++) {
    if ((rest[i] === '--config' || rest[i] === '-c') && i + 1 < rest.length) flag = rest[++i]
    else if (rest[i].startsWith('--config=')) flag = rest[i].slice('--config='.length)
    else return {code: 64, stdout: '', stderr: `Error: unexpected argument "${rest[i]}"\nHint: usage: rotor ${COMPLETE_COMMAND} secrets|stores [--config FILE]\n`}
  }
  if (!NAME_KINDS.includes(kind as NameKind)) {
    return {code: 64, stdout: '', stderr: `Error: expected secrets or stores, got ${kind === undefined ? 'nothing' : `"${kind}"`}\nHint: usage: rotor ${COMPLETE_COMMAND} secrets|stores [--config FILE]\n`}
  }
  const file = resolveConfigPath(flag, env)
  try {
    const names = await configNames(kind as NameKind, file)
    return {code: 0, stdout: names.map((n) => `${n}\n`).join(''), stderr: ''}
  } catch (error) {
    return {code: 1, stdout: '', stderr: `Error: cannot read the names in ${file}: ${(error as Error).message.split('\n')[0]}\n`}
  }
}

const MARKER = 'rotor: names of secrets and stores from rotor.yaml'
const SECRET_ARGS = ['get', 'rotate', 'rollback', 'restore']
const STORE_ARGS = ['store rotate-key', 'store accept-rollback']
const SECRET_FLAGS = ['-s', '--select', '--secret']

/** Appended to oclif's bash function file: wraps `_<bin>_autocomplete`. */
export function bashExtension(bin: string): string {
  const fn = `_${bin}_names_complete`
  return `
# ${MARKER} (\`${bin} ${COMPLETE_COMMAND}\`); anything else goes to oclif's function above.
${fn}()
{
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" kind="" config="" i
  local -a words=()
  (( COMP_CWORD > 1 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -c|--config) config="\${COMP_WORDS[i+1]}"; ((i++)) ;;
      --config=*) config="\${COMP_WORDS[i]#--config=}" ;;
      -*) ;;
      *) words+=("\${COMP_WORDS[i]}") ;;
    esac
  done
  case "$prev" in
    ${SECRET_FLAGS.join('|')}) kind=secrets ;;
    --store) [[ "\${words[0]}" != init ]] && kind=stores ;;
    *)
      if [[ "$cur" != -* ]]; then
        case "\${words[*]}" in
          ${SECRET_ARGS.join('|')}) kind=secrets ;;
          ${STORE_ARGS.map((s) => `"${s}"`).join('|')}) kind=stores ;;
        esac
      fi ;;
  esac
  if [[ -n "$kind" ]]; then
    local names
    names="$("\${COMP_WORDS[0]}" ${COMPLETE_COMMAND} "$kind" \${config:+--config "$config"} 2>/dev/null)"
    COMPREPLY=($(compgen -W "$names" -- "$cur"))
    return 0
  fi
  _${bin}_autocomplete
}
complete -F ${fn} ${bin}
`
}

/** Inserted before the last line of oclif's zsh function file (the line that calls `_<bin>`). */
export function zshExtension(bin: string): string {
  return `
# ${MARKER} (\`${bin} ${COMPLETE_COMMAND}\`); anything else goes to oclif's function above.
functions[_${bin}_oclif]=$functions[_${bin}]
_${bin}() {
  local kind= config= i prev=\${words[CURRENT-1]}
  local -a pos
  for ((i = 2; i < CURRENT; i++)); do
    case \${words[i]} in
      -c|--config) config=\${words[i+1]}; ((i++)) ;;
      --config=*) config=\${words[i]#--config=} ;;
      -*) ;;
      *) pos+=(\${words[i]}) ;;
    esac
  done
  case $prev in
    ${SECRET_FLAGS.join('|')}) kind=secrets ;;
    --store) [[ \${pos[1]} != init ]] && kind=stores ;;
    *)
      if [[ \${words[CURRENT]} != -* ]]; then
        case "\${pos[*]}" in
          ${SECRET_ARGS.join('|')}) kind=secrets ;;
          ${STORE_ARGS.map((s) => `"${s}"`).join('|')}) kind=stores ;;
        esac
      fi ;;
  esac
  if [[ -n $kind ]]; then
    local -a names
    names=(\${(f)"$(\${words[1]} ${COMPLETE_COMMAND} $kind \${config:+--config $config} 2>/dev/null)"})
    compadd -a names
    return
  fi
  _${bin}_oclif "$@"
}
`
}

/** Appended to oclif's PowerShell file: registers a completer that falls back to oclif's `$scriptblock`. */
export function powershellExtension(bin: string): string {
  const list = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ')
  return `
# ${MARKER} (\`${bin} ${COMPLETE_COMMAND}\`); anything else goes to oclif's completer above.
$${bin}OclifCompleter = $scriptblock
$${bin}NamesCompleter = {
  param($WordToComplete, $CommandAst, $CursorPosition)
  $words = @($CommandAst.CommandElements | ForEach-Object { $_.ToString() })
  if ($WordToComplete -ne '' -and $words.Count -gt 1) { $words = $words[0..($words.Count - 2)] }
  $config = $null
  $pos = @()
  for ($i = 1; $i -lt $words.Count; $i++) {
    $w = $words[$i]
    if ($w -eq '-c' -or $w -eq '--config') { if ($i + 1 -lt $words.Count) { $config = $words[$i + 1] }; $i++ }
    elseif ($w.StartsWith('--config=')) { $config = $w.Substring(9) }
    elseif (-not $w.StartsWith('-')) { $pos += $w }
  }
  $prev = if ($words.Count -gt 1) { $words[-1] } else { '' }
  $kind = $null
  if ($prev -in ${list(SECRET_FLAGS)}) { $kind = 'secrets' }
  elseif ($prev -eq '--store') { if ($pos.Count -eq 0 -or $pos[0] -ne 'init') { $kind = 'stores' } }
  elseif (-not $WordToComplete.StartsWith('-')) {
    $joined = $pos -join ' '
    if ($joined -in ${list(SECRET_ARGS)}) { $kind = 'secrets' }
    elseif ($joined -in ${list(STORE_ARGS)}) { $kind = 'stores' }
  }
  if ($kind) {
    $arguments = @('${COMPLETE_COMMAND}', $kind)
    if ($config) { $arguments += @('--config', $config) }
    & $words[0] @arguments 2>$null | Where-Object { $_.StartsWith($WordToComplete) } | ForEach-Object {
      New-Object -Type System.Management.Automation.CompletionResult -ArgumentList $_, $_, 'ParameterValue', $_
    }
    return
  }
  & $${bin}OclifCompleter $WordToComplete $CommandAst $CursorPosition
}.GetNewClosure()
Register-ArgumentCompleter -Native -CommandName ${bin} -ScriptBlock $${bin}NamesCompleter
`
}

/**
 * Extends the function files oclif's autocomplete plugin wrote under `<cacheDir>/autocomplete/
 * functions/`. Each file is rewritten by every `autocomplete` run, so the marker only guards
 * against extending one twice. Returns the files it extended; a missing file is skipped.
 */
export async function extendCompletionScripts(cacheDir: string, bin: string): Promise<string[]> {
  const dir = join(cacheDir, 'autocomplete', 'functions')
  const files: Array<[string, (text: string) => string]> = [
    [join(dir, 'bash', `${bin}.bash`), (text) => `${text.trimEnd()}\n${bashExtension(bin)}`],
    [join(dir, 'powershell', `${bin}.ps1`), (text) => `${text.trimEnd()}\n${powershellExtension(bin)}`],
    [
      join(dir, 'zsh', `_${bin}`),
      (text) => {
        const lines = text.trimEnd().split('\n')
        const last = lines.pop() ?? ''
        if (last.trim() !== `_${bin}`) throw new Error(`unexpected end of oclif's zsh function file: ${JSON.stringify(last)}`)
        return `${lines.join('\n')}\n${zshExtension(bin)}\n_${bin}\n`
      },
    ],
  ]
  const extended: string[] = []
  for (const [file, extend] of files) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw error
    }
    if (text.includes(MARKER)) continue
    await writeFile(file, extend(text))
    extended.push(file)
  }
  return extended
}
