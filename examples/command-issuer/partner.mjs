#!/usr/bin/env node
// The command issuer's programs for a partner's key API (see examples/command-issuer.yaml).
// rotor hands everything over in the environment, never in argv:
//   ROTOR_CREDENTIAL_ID, ROTOR_SECRET_VALUE (register, check), ROTOR_BINDING_ID (list);
// PARTNER_URL and PARTNER_TOKEN come through the issuer's passEnv.
// Exit codes: 0 done / accepted; check: 1 refused; 75 try again later; 2 refused or broken.
const TEMPFAIL = 75
const [action] = process.argv.slice(2)
const base = process.env.PARTNER_URL
const token = process.env.PARTNER_TOKEN
const id = process.env.ROTOR_CREDENTIAL_ID
const secret = process.env.ROTOR_SECRET_VALUE

if (!base || !token) fail(2, 'PARTNER_URL and PARTNER_TOKEN must be set (issuer passEnv)')
const admin = {authorization: `Bearer ${token}`, 'content-type': 'application/json'}

async function call(method, path, body, headers = admin) {
  try {
    return await fetch(`${base}${path}`, {method, headers, ...(body ? {body: JSON.stringify(body)} : {})})
  } catch (error) {
    // Not reachable: the caller may try again.
    return fail(action === 'check' ? 2 : TEMPFAIL, `cannot reach ${base}: ${error.cause?.code ?? error.message}`)
  }
}

function fail(code, message) {
  process.stderr.write(`partner ${action}: ${message}\n`)
  process.exit(code)
}

const key = (value) => encodeURIComponent(value ?? '')

switch (action) {
  case 'register': {
    const response = await call('PUT', `/keys/${key(id)}`, {secret})
    if (response.status >= 500) fail(TEMPFAIL, `service answered ${response.status}`)
    if (!response.ok) fail(2, `service refused the key: ${response.status}`)
    process.stdout.write(`id=${id}\n`)
    break
  }
  case 'check': {
    const response = await call('POST', '/auth', {id, secret}, {'content-type': 'application/json'})
    if (response.status === 200) break
    if (response.status === 401) fail(1, `key ${id} refused`)
    fail(2, `service answered ${response.status}`)
    break
  }
  case 'revoke': {
    const response = await call('DELETE', `/keys/${key(id)}`)
    // Gone already is revoked.
    if (response.ok || response.status === 404) break
    fail(response.status >= 500 ? TEMPFAIL : 2, `service answered ${response.status}`)
    break
  }
  case 'list': {
    const response = await call('GET', `/keys?prefix=${key(`${process.env.ROTOR_BINDING_ID}-`)}`)
    if (!response.ok) fail(response.status >= 500 ? TEMPFAIL : 2, `service answered ${response.status}`)
    const {keys} = await response.json()
    for (const listed of keys) process.stdout.write(`${listed}\n`)
    break
  }
  default:
    fail(2, `unknown action ${JSON.stringify(action)}; expected register, check, revoke or list`)
}
