// The invoke form's values and their JSON: each field is edited as text (or a checkbox, or a
// list of rows), and turned into protobuf's JSON mapping only when called. What does not parse
// is passed on as written, so the engine's fromJson names the field at fault.
import type { FieldView, JsonValue } from '../../../../../shared/bridge/contract'

export type FormValue = string | boolean | FormMessage | FormValue[] | MapRow[]
export interface FormMessage {
  [jsonName: string]: FormValue
}
export interface MapRow {
  key: string
  value: FormValue
}

const INTEGER_32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32'])
const FLOATING = new Set(['float', 'double'])

/** A field's empty value as the form starts it. */
export function emptyValue(field: FieldView, element = false): FormValue {
  if (field.repeated && !element) return []
  if (field.kind === 'map') return [] as MapRow[]
  if (field.kind === 'scalar' && field.scalar === 'bool') return false
  if (field.kind === 'message' && field.fields !== undefined) return emptyMessage(field.fields)
  return ''
}

export function emptyMessage(fields: readonly FieldView[]): FormMessage {
  const message: FormMessage = {}
  for (const f of fields) message[f.jsonName] = emptyValue(f)
  return message
}

/** The JSON of a message's form, leaving out what was not filled in. */
export function messageJson(fields: readonly FieldView[], value: FormMessage): JsonValue {
  const json: Record<string, JsonValue> = {}
  for (const f of fields) {
    const v = fieldJson(f, value[f.jsonName])
    if (v !== undefined) json[f.jsonName] = v
  }
  return json
}

function fieldJson(field: FieldView, value: FormValue | undefined): JsonValue | undefined {
  if (value === undefined) return undefined
  if (field.kind === 'map') {
    const rows = value as MapRow[]
    if (rows.length === 0) return undefined
    const json: Record<string, JsonValue> = {}
    const inner = field.mapValue as FieldView
    for (const row of rows) json[row.key] = elementJson(inner, row.value) ?? defaultOf(inner)
    return json
  }
  if (field.repeated) {
    const items = value as FormValue[]
    if (items.length === 0) return undefined
    return items.map((item) => elementJson(field, item) ?? defaultOf(field))
  }
  return elementJson(field, value)
}

/** An element's zero value, so a list or map keeps its shape when an element is left empty. */
function defaultOf(field: FieldView): JsonValue {
  if (field.kind === 'message') return {}
  if (field.kind === 'enum') return field.enumValues?.[0]?.name ?? 0
  if (field.scalar === 'bool') return false
  if (field.scalar === 'string' || field.scalar === 'bytes') return ''
  return 0
}

function elementJson(field: FieldView, value: FormValue): JsonValue | undefined {
  if (field.kind === 'message') {
    if (field.fields === undefined) return opaqueJson(value as string)
    const json = messageJson(field.fields, value as FormMessage)
    return Object.keys(json as object).length === 0 ? undefined : json
  }
  if (typeof value === 'boolean') return value ? true : undefined
  const text = value as string
  if (text === '') return undefined
  if (field.kind === 'enum') return text
  const scalar = field.scalar ?? 'string'
  if (INTEGER_32.has(scalar) || FLOATING.has(scalar)) {
    const n = Number(text.trim())
    return text.trim() !== '' && Number.isFinite(n) ? n : text
  }
  return text
}

function opaqueJson(text: string): JsonValue | undefined {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as JsonValue
  } catch {
    return text
  }
}

/**
 * The form for a request given as JSON (raw mode back to the form), so a field the engine
 * refused shows the value it refused. Keys that name no field are dropped (raw mode keeps them).
 */
export function formFromJson(fields: readonly FieldView[], json: JsonValue): FormMessage {
  const form = emptyMessage(fields)
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return form
  for (const f of fields) {
    const value = json[f.jsonName] ?? json[f.name]
    if (value === undefined || value === null) continue
    if (f.kind === 'map') {
      if (typeof value === 'object' && !Array.isArray(value))
        form[f.jsonName] = Object.entries(value).map(([key, v]) => ({
          key,
          value: elementForm(f.mapValue as FieldView, v),
        }))
    } else if (f.repeated) {
      if (Array.isArray(value)) form[f.jsonName] = value.map((v) => elementForm(f, v))
    } else {
      form[f.jsonName] = elementForm(f, value)
    }
  }
  return form
}

function elementForm(field: FieldView, value: JsonValue): FormValue {
  if (field.kind === 'message')
    return field.fields === undefined ? JSON.stringify(value) : formFromJson(field.fields, value)
  if (field.kind === 'enum' && typeof value === 'number')
    return field.enumValues?.find((v) => v.number === value)?.name ?? String(value)
  if (field.kind === 'scalar' && field.scalar === 'bool') return value === true
  return typeof value === 'string' ? value : JSON.stringify(value)
}
