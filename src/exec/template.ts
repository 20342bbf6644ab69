/**
 * Templates for consumers that need one string made of a structured value's fields, e.g.
 * `postgresql://{{username}}:{{password | url}}@db.internal:5432/app`. `{{field}}` inserts the
 * field as it is; `{{field | url}}` percent-encodes it (for the user-info or query of a URL).
 * Anything else in `{{ }}` is an error at config time, never a literal.
 */
import {SecretValue} from '../../providers/types.js'

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\|\s*([A-Za-z0-9_]+)\s*)?\}\}/g
const FILTERS = ['url'] as const

export interface Placeholder {
  field: string
  filter?: string
}

/** The placeholders of a template, or the first problem with its `{{ }}` syntax. */
export function parseTemplate(template: string): {placeholders: Placeholder[]; problem?: string} {
  const placeholders: Placeholder[] = []
  for (const match of template.matchAll(PLACEHOLDER)) {
    const [, field, filter] = match
    if (filter !== undefined && !(FILTERS as readonly string[]).includes(filter)) {
      return {placeholders, problem: `unknown filter "${filter}" in ${match[0]}; the only filter is url ({{password | url}})`}
    }
    placeholders.push({field, ...(filter ? {filter} : {})})
  }
  const rest = template.replace(PLACEHOLDER, '')
  if (rest.includes('{{') || rest.includes('}}')) {
    return {placeholders, problem: 'a "{{" or "}}" that is not a placeholder; write placeholders as {{field}} or {{field | url}}'}
  }
  if (placeholders.length === 0) return {placeholders, problem: 'the template names no field; write e.g. {{password}} where the value goes'}
  return {placeholders}
}

/** The problems of a template against the fields a value has (config checks). */
export function templateProblems(template: string, fields: readonly string[]): string[] {
  const {placeholders, problem} = parseTemplate(template)
  if (problem) return [problem]
  const unknown = [...new Set(placeholders.map((p) => p.field).filter((field) => !fields.includes(field)))]
  return unknown.map((field) => `{{${field}}} is not a field of this secret's value; its fields are ${fields.join(', ')}`)
}

/** The template with each field filled in, as a SecretValue (registered with the redactor). */
export function renderTemplate(template: string, fields: Record<string, string>): SecretValue {
  const text = template.replace(PLACEHOLDER, (_whole, field: string, filter?: string) => {
    const value = fields[field]
    if (value === undefined) throw new Error(`the value has no field ${field}`)
    return filter === 'url' ? encodeURIComponent(value) : value
  })
  return new SecretValue(text)
}
