import { callKeyText } from '../call-key'
import { wireKeyWords } from './wire-key'

/**
 * A call id as four 32-bit words (the data bits of `high` split 24/32, `low` split 32/32), the
 * form in which a worker tells the kernel which call is the parent of a new one: in the syscall
 * channel's TRACE_PARENT words and in a STARTED notice. All zero means "no parent".
 */

export const TRACE_WORDS = 4

/** Byte offset of the parent's words in a STARTED notice cell (after kind, slot, time, 3 ids). */
export const NOTICE_PARENT = 88

/** The kernel's call key (formatId of a call id) for the words, or undefined when all are 0. */
export function callKeyOfWords(a: number, b: number, c: number, d: number): string | undefined {
  if ((a | b | c | d) === 0) return undefined
  return callKeyText(a, b, c, d)
}

/** The kernel's call key for a worker's wire key (wire-key.ts). */
export function callKeyOfWireKey(key: string): string | undefined {
  const words = wireKeyWords(key)
  return words === undefined ? undefined : callKeyOfWords(...words)
}
