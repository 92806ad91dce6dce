import { HIGH_DATA_MASK, fromRaw, isEmpty, isZero } from './id'
import type { AnyId, Id, IdResult } from './id'
import { kindByShortName, kindInfo } from './kinds'
import type { IdKind } from './kinds'

const HIGH_DIGITS = 14
const LOW_DIGITS = 16
const BODY_LENGTH = HIGH_DIGITS + 1 + LOW_DIGITS

function hex(value: bigint, width: number): string {
  return value.toString(16).padStart(width, '0')
}

/**
 * The canonical, lossless form and the map key: `<short>-<14 hex of high data>-<16 hex of low>`,
 * lowercase and fixed width, e.g. `svc-00000012345678-00000000deadbeef`. The letter byte is
 * carried by the short name, which (unlike the letter) is unique per kind.
 */
export function formatId(id: AnyId): string {
  const high = hex(id.high & HIGH_DATA_MASK, HIGH_DIGITS)
  return `${kindInfo(id.kind).short}-${high}-${hex(id.low, LOW_DIGITS)}`
}

/** The key used by maps of ids; the same text as formatId. */
export const idKey: (id: AnyId) => string = formatId

function describe(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text)
}

function parseBody<K extends IdKind>(kind: K, text: string, body: string): IdResult<K> {
  if (body.length !== BODY_LENGTH) {
    return {
      ok: false,
      error:
        `wrong length in id ${describe(text)}: expected ${BODY_LENGTH} characters after the ` +
        `prefix (${HIGH_DIGITS} hex, '-', ${LOW_DIGITS} hex), got ${body.length}`,
    }
  }
  if (body[HIGH_DIGITS] !== '-') {
    return {
      ok: false,
      error: `missing '-' separator at offset ${HIGH_DIGITS} of the digits in id ${describe(text)}`,
    }
  }
  for (let i = 0; i < body.length; i++) {
    if (i === HIGH_DIGITS) continue
    const ch = body[i] ?? ''
    if (/[0-9a-f]/.test(ch)) continue
    const what = /[A-F]/.test(ch) ? 'uppercase hex digit' : 'non-hex character'
    const hint = /[A-F]/.test(ch) ? ' (the canonical form is lowercase)' : ''
    return {
      ok: false,
      error: `${what} ${JSON.stringify(ch)} at digit offset ${i} in id ${describe(text)}${hint}`,
    }
  }
  const high = BigInt(`0x${body.slice(0, HIGH_DIGITS)}`)
  const low = BigInt(`0x${body.slice(HIGH_DIGITS + 1)}`)
  return { ok: true, id: fromRaw(kind, { high, low }) }
}

/** Parses exactly the formatId form for the given kind. */
export function parseId<K extends IdKind>(kind: K, text: string): IdResult<K> {
  const prefix = `${kindInfo(kind).short}-`
  if (!text.startsWith(prefix)) {
    const dash = text.indexOf('-')
    const found = dash < 0 ? describe(text) : JSON.stringify(text.slice(0, dash + 1))
    return {
      ok: false,
      error: `wrong prefix in id ${describe(text)}: expected '${prefix}', got ${found}`,
    }
  }
  return parseBody(kind, text, text.slice(prefix.length))
}

/** Parses the formatId form of any kind, taking the kind from the short-name prefix. */
export function parseAnyId(text: string): IdResult<IdKind> {
  const dash = text.indexOf('-')
  const info = dash < 0 ? undefined : kindByShortName(text.slice(0, dash))
  if (info === undefined) {
    return { ok: false, error: `wrong prefix in id ${describe(text)}: no known id kind short name` }
  }
  return parseBody(info.kind, text, text.slice(dash + 1))
}

/** The reference's Short(): `[<short>-zero]`, `[<short>-empty]` or `[<short>-XXXX]`. */
export function shortString(id: AnyId): string {
  const short = kindInfo(id.kind).short
  if (isZero(id)) return `[${short}-zero]`
  if (isEmpty(id)) return `[${short}-empty]`
  return `[${short}-${hex(id.low & 0xffffn, 4)}]`
}

/**
 * The reference's String(), kept only so logs read like the reference's. It is LOSSY (bits
 * 16..23 of low never appear and bits 24..31 appear twice), so distinct ids can print the same:
 * never use it as a key or parse it.
 */
export function referenceString(id: Id): string {
  const { high, low } = id
  const fields = [
    hex((high >> 32n) & 0xffffffn, 6),
    hex(high & 0xffffffffn, 8),
    hex((low >> 32n) & 0xffffffffn, 8),
    hex((low >> 24n) & 0xffffn, 4),
    hex(low & 0xffffn, 4),
  ] as const
  const [a, b, c, d, e] = fields
  return `${kindInfo(id.kind).short}-${a}-${b}:${c}-${d}-${e}`
}
