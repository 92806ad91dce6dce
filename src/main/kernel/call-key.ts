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

function wordHex(w: number): string {
  return `${BYTE_HEX[w >>> 24]}${BYTE_HEX[(w >>> 16) & 0xff]}${BYTE_HEX[(w >>> 8) & 0xff]}${BYTE_HEX[w & 0xff]}`
}
