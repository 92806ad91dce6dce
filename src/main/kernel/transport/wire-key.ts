/**
 * The guest worker's key of an id (runner/worker/wire.ts idKey): its 120 data bits as four
 * 32-bit words (high's without the type letter, split 24/32; low's 32/32), written as eight
 * 16-bit code units. Keys are made several times per call, and this measured ~30 ns against
 * ~400 ns for the four words in decimal. A key is compared, or turned back into its words (the
 * trace parent of a log line or a call, trace-words.ts); it is never shown.
 */

/** The key of the words (each taken as an unsigned 32-bit value). */
export function wireKey(a: number, b: number, c: number, d: number): string {
  return String.fromCharCode(
    (a >>> 16) & 0xffff,
    a & 0xffff,
    b >>> 16,
    b & 0xffff,
    c >>> 16,
    c & 0xffff,
    d >>> 16,
    d & 0xffff,
  )
}

/** The four words of a key, or undefined when it is not one. */
export function wireKeyWords(key: string): [number, number, number, number] | undefined {
  if (key.length !== 8) return undefined
  const word = (i: number) => ((key.charCodeAt(i) << 16) | key.charCodeAt(i + 1)) >>> 0
  return [word(0), word(2), word(4), word(6)]
}
