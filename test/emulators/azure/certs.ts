/**
 * A throwaway TLS certificate for the emulator, made with the system's `openssl` when a test
 * starts. The private key lives only in this process's memory: the temporary directory it was
 * written to is removed at once, and nothing is committed. One certificate serves every emulator
 * in the process, since making one costs tens of milliseconds.
 */
import {execFile} from 'node:child_process'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

const run = promisify(execFile)

export interface TlsMaterial {
  /** PEM certificate: also the CA a client must trust, since it is self-signed. */
  cert: string
  key: string
}

let made: Promise<TlsMaterial> | undefined

export function emulatorCertificate(): Promise<TlsMaterial> {
  made ??= makeCertificate()
  return made
}

async function makeCertificate(): Promise<TlsMaterial> {
  const dir = await mkdtemp(join(tmpdir(), 'rotor-azure-tls-'))
  try {
    const keyFile = join(dir, 'key.pem')
    const certFile = join(dir, 'cert.pem')
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=rotor-azure-emulator',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ])
    return {cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8')}
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}
