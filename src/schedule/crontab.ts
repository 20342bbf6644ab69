/**
 * A crontab entry that works as printed: cron runs it with `sh`, PATH=/usr/bin:/bin and a near-empty
 * environment, so rotor (and node) are named by absolute path, and a PATH line covers what rotor
 * itself starts (verify and generator commands).
 */
import {dirname} from 'node:path'
import {applyArgv, type ManifestOptions, shellQuote} from './runner.js'

/** `%` ends the command in a crontab line unless escaped. */
const cronEscape = (text: string) => text.replaceAll('%', '\\%')

export function crontabPath(o: Pick<ManifestOptions, 'rotor'>): string {
  const standard = ['/usr/local/bin', '/usr/bin', '/bin']
  const node = dirname(o.rotor[0])
  return (standard.includes(node) ? standard : [node, ...standard]).join(':')
}

/** The command part of the entry (what cron hands to `sh -c`). */
export function crontabCommand(o: ManifestOptions): string {
  const run = applyArgv(o).map(shellQuote).join(' ')
  // The exit code survives the log line, so cron's mail (and anyone checking) sees the failure.
  return cronEscape(`cd ${shellQuote(o.workdir)} && ${run} || { status=$?; logger -t rotor "rotor apply failed with exit $status"; exit $status; }`)
}

export function crontab(o: ManifestOptions): string {
  return [
    `# rotor apply every ${o.cadence.everyMinutes} min for ${o.configFile}. Add with \`crontab -e\` as ${o.user},`,
    '# the user whose rotor key directory (~/.config/rotor) holds the store and audit keys.',
    `PATH=${crontabPath(o)}`,
    `${o.cadence.cron} ${crontabCommand(o)}`,
  ].join('\n')
}
