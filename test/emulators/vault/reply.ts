/** Vault's response shapes: an envelope around `data` or `auth`, and `{errors: [...]}` on failure. */
export interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

let requestCounter = 0

export function envelope(fields: {data?: unknown; auth?: unknown; warnings?: string[] | null}): Record<string, unknown> {
  requestCounter++
  return {
    request_id: `emulated-${requestCounter}`,
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: fields.data ?? null,
    wrap_info: null,
    warnings: fields.warnings ?? null,
    auth: fields.auth ?? null,
  }
}

export const data = (payload: unknown): Reply => ({status: 200, body: envelope({data: payload})})

export const noContent = (): Reply => ({status: 204})

/** A missing path: Vault answers 404 with an empty error list. */
export const notFound = (): Reply => ({status: 404, body: {errors: []}})

export const errors = (status: number, messages: string[], headers?: Record<string, string>): Reply => ({
  status,
  body: {errors: messages},
  ...(headers ? {headers} : {}),
})

/** Vault joins several errors with go-multierror. */
export function multiError(...messages: string[]): string {
  return `${messages.length} error${messages.length === 1 ? '' : 's'} occurred:\n${messages.map((m) => `\t* ${m}`).join('\n')}\n\n`
}

export const permissionDenied = (): Reply => errors(403, [multiError('permission denied')])

export const invalidToken = (): Reply => errors(403, [multiError('permission denied', 'invalid token')])
