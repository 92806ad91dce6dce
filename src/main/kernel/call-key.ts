/**
 * The kernel's key of a call (formatId of a call id: `call-`, the 56 data bits of `high` in 14
 * hex digits, `-`, `low` in 16) from its data bits as four 32-bit words (high's split 24/32,
 * low's 32/32). Traced, two are made for every call on the kernel thread, so hex digits come
 * from a table of byte pairs: about half the time of `toString(16).padStart`.
 */
export function callKeyText(a: number, b: number, c: number, d: number): string {
  return `call-${BYTE_HEX[(a >>> 16) & 0xff]}${BYTE_HEX[(a >>> 8) & 0xff]}${BYTE_HEX[a & 0xff]}${wordHex(b)}-${wordHex(c)}${wordHex(d)}`
}

const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
)

/** A 32-bit word as eight lowercase hex digits. */
export function wordHex(w: number): string {
  return `${BYTE_HEX[w >>> 24]}${BYTE_HEX[(w >>> 16) & 0xff]}${BYTE_HEX[(w >>> 8) & 0xff]}${BYTE_HEX[w & 0xff]}`
}

/**
 * The four data words of a call key (`call-` + 14 hex + `-` + 16 hex: what `callKeyText` makes) into
 * `out`, read in place; false for any other text or for the all-zero id.
 */
export function keyWords(key: string, out: Uint32Array): boolean {
  if (key.length !== 36 || !key.startsWith('call-') || key.charCodeAt(19) !== 0x2d) return false
  const a = hexAt(key, 5, 6)
  const b = hexAt(key, 11, 8)
  const c = hexAt(key, 20, 8)
  const d = hexAt(key, 28, 8)
  if (a < 0 || b < 0 || c < 0 || d < 0 || (a | b | c | d) === 0) return false
  out[0] = a
  out[1] = b
  out[2] = c
  out[3] = d
  return true
}

/** `n` lowercase hex digits at `at` as an unsigned number, or -1. */
function hexAt(text: string, at: number, n: number): number {
  let value = 0
  for (let i = at; i < at + n; i++) {
    const ch = text.charCodeAt(i)
    const digit = ch >= 0x30 && ch <= 0x39 ? ch - 0x30 : ch >= 0x61 && ch <= 0x66 ? ch - 0x57 : -1
    if (digit < 0) return -1
    value = value * 16 + digit
  }
  return value
}
