/**
 * A systemd service + timer pair. The timer is Persistent (a run missed while the machine was off
 * happens at boot) and randomly delayed a little, so a fleet of hosts does not hit the stores at
 * the same second.
 */
import {applyArgv, type ManifestOptions} from './runner.js'
import {crontabPath} from './crontab.js'

export interface SystemdUnits {
  service: {file: string; content: string}
  timer: {file: string; content: string}
}

/** systemd's own quoting for ExecStart words. */
const unitQuote = (word: string) => (/^[A-Za-z0-9_./:=@-]+$/.test(word) ? word : `"${word.replace(/(["\\])/g, '\\$1').replaceAll('%', '%%')}"`)

export function onCalendar(everyMinutes: number): string {
  return everyMinutes >= 60 ? '*-*-* *:00:00' : `*-*-* *:00/${everyMinutes}:00`
}

export function systemdUnits(o: ManifestOptions): SystemdUnits {
  const delaySec = Math.max(30, Math.floor((o.cadence.everyMinutes * 60) / 10))
  const service = `# /etc/systemd/system/${o.name}.service
[Unit]
Description=rotor apply: rotate the secrets in ${o.configFile}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
User=${o.user}
WorkingDirectory=${o.workdir}
Environment=PATH=${crontabPath(o)}
# Credentials (ROTOR_FILE_KEY, AWS_*, VAULT_TOKEN, ...) from a root-owned 0600 file, if you use one:
#EnvironmentFile=/etc/rotor/${o.name}.env
ExecStart=${applyArgv(o).map(unitQuote).join(' ')}
`
  const timer = `# /etc/systemd/system/${o.name}.timer
# Enable with: systemctl daemon-reload && systemctl enable --now ${o.name}.timer
[Unit]
Description=Run rotor apply every ${o.cadence.everyMinutes} minutes

[Timer]
OnCalendar=${onCalendar(o.cadence.everyMinutes)}
# A run missed while the machine was off happens at the next boot.
Persistent=true
RandomizedDelaySec=${delaySec}
Unit=${o.name}.service

[Install]
WantedBy=timers.target
`
  return {service: {file: `${o.name}.service`, content: service}, timer: {file: `${o.name}.timer`, content: timer}}
}
