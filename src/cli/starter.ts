/** The rotor.yaml that `rotor init` writes: the file store and one example secret. */
export const STARTER_CONFIG = `# rotor configuration. Reference: README.md, or \`rotor config schema\` for editor completion.
version: 1
audit:
  path: .rotor/audit.log          # append-only, hash-chained; check with \`rotor audit verify\`

stores:
  local:
    type: file                    # the embedded default: one AES-256-GCM encrypted file
    path: .rotor/secrets.enc      # key: $ROTOR_FILE_KEY, else ~/.config/rotor/keys/ (created 0600 by the first apply)

secrets:
  example-api-key:
    description: An example key; rename it and point targets at real stores
    generator:
      length: 40                  # 40 x base62 = 238 bits of entropy
      alphabet: base62
      prefix: rk_
      checksum: crc32             # lets scanners recognise a leaked key
    schedule:
      cron: "0 3 * * 1"           # Mondays 03:00
      timezone: UTC
    maxAge: 30d                   # rotate at least this often, even if cron never fires
    grace: 24h                    # old and new value both valid this long after a rotation
    retire: disable               # or destroy
    environment: development
    targets:                      # store:path; the first is the primary
      - local:example/api-key
`
