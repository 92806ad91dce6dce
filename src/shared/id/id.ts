import { isIdKind, kindInfo } from './kinds'
import type { IdKind } from './kinds'

/**
 * A 128-bit id of kind K. The most significant byte of `high` is the kind's letter; the other
 * 7 bytes of `high` and all of `low` are data. Kept as plain frozen data (no methods, no
 * prototype) so that it survives structured clone across the main/renderer IPC boundary.
 * The literal `kind` field is what stops a CallId from being passed where a ServiceId is expected.
 */
export interface Id<K extends IdKind = IdKind> {
  readonly kind: K
  /** Unsigned 64-bit. */
  readonly high: bigint
  /** Unsigned 64-bit. */
  readonly low: bigint
}

/** An id of any kind. */
export type AnyId = Id<IdKind>

/** The wire shape: structurally the fields of the generated protobuf `IdRaw` message. */
export interface IdRawLike {
  readonly high: bigint
  readonly low: bigint
}

export type IdRaw = { high: bigint; low: bigint }

export type IdResult<K extends IdKind> = { ok: true; id: Id<K> } | { ok: false; error: string }

export const U64_MAX = 0xffff_ffff_ffff_ffffn
/** The 7 data bytes of `high`. */
export const HIGH_DATA_MASK = 0x00ff_ffff_ffff_ffffn
/** Bytes 0..5 of `high`: the reference's zero/empty tests ignore byte 6. */
const HIGH_TEST_MASK = 0x0000_ffff_ffff_ffffn
const LETTER_SHIFT = 56n

function isU64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value <= U64_MAX
}

function make<K extends IdKind>(kind: K, highData: bigint, low: bigint): Id<K> {
  const high = (kindInfo(kind).letterByte << LETTER_SHIFT) | (highData & HIGH_DATA_MASK)
  return Object.freeze({ kind, high, low })
}

function checkRaw(raw: IdRawLike): string | undefined {
  if (!isU64(raw.high)) return `id high half is not an unsigned 64-bit bigint: ${String(raw.high)}`
  if (!isU64(raw.low)) return `id low half is not an unsigned 64-bit bigint: ${String(raw.low)}`
  return undefined
}

/** The letter byte of a raw pair (0 for a default-constructed IdRaw). */
export function letterByteOf(raw: IdRawLike): number {
  return Number((raw.high >> LETTER_SHIFT) & 0xffn)
}

/**
 * The reference's NewIdTyped: the letter byte is overwritten with the kind's letter, so a pair
 * carrying another kind's letter is silently re-tagged. Use fromRawChecked for untrusted input.
 * Throws RangeError for values that are not uint64, which protobuf decoding can never produce.
 */
export function fromRaw<K extends IdKind>(kind: K, raw: IdRawLike): Id<K> {
  const problem = checkRaw(raw)
  if (problem !== undefined) throw new RangeError(problem)
  return make(kind, raw.high, raw.low)
}

/**
 * Like fromRaw, but refuses a pair whose letter byte names a different kind letter, as when a
 * guest sends a CallId where a ServiceId belongs. Letter byte 0 is accepted because a
 * default-constructed IdRaw{0,0} (the empty id) carries no letter.
 */
export function fromRawChecked<K extends IdKind>(kind: K, raw: IdRawLike): IdResult<K> {
  const problem = checkRaw(raw)
  if (problem !== undefined) return { ok: false, error: problem }
  const info = kindInfo(kind)
  const letter = letterByteOf(raw)
  if (letter !== 0 && BigInt(letter) !== info.letterByte) {
    return {
      ok: false,
      error:
        `wrong id type: expected letter '${info.letter}' (0x${info.letterByte.toString(16)}) ` +
        `for a ${info.short} id, got byte 0x${letter.toString(16).padStart(2, '0')}`,
    }
  }
  return { ok: true, id: make(kind, raw.high, raw.low) }
}

/** A fresh plain object, ready to hand to protobuf-es `create(IdRawSchema, ...)`. */
export function toRaw(id: AnyId): IdRaw {
  return { high: id.high, low: id.low }
}

/** The "not an id, an error happened" sentinel: all data bits set. */
export function zeroId<K extends IdKind>(kind: K): Id<K> {
  return make(kind, HIGH_DATA_MASK, U64_MAX)
}

/** The empty id: all data bits clear. */
export function emptyId<K extends IdKind>(kind: K): Id<K> {
  return make(kind, 0n, 0n)
}

/** The reference's IsZeroValue: high bytes 0..5 all 0xff and low all ones. */
export function isZero(id: IdRawLike): boolean {
  return (id.high & HIGH_TEST_MASK) === HIGH_TEST_MASK && id.low === U64_MAX
}

/** The reference's IsEmptyValue: high bytes 0..5 zero and low zero. */
export function isEmpty(id: IdRawLike): boolean {
  return (id.high & HIGH_TEST_MASK) === 0n && id.low === 0n
}

/**
 * The reference's Equal: the zero value equals nothing, not even itself, so an error sentinel
 * can never match a lookup. Two empty ids are equal (as the reference behaves). Kinds sharing a
 * letter (method, queueMsg, methodCall) are still different ids.
 */
export function equals(a: AnyId, b: AnyId): boolean {
  if (isZero(a) || isZero(b)) return false
  return a.kind === b.kind && a.high === b.high && a.low === b.low
}

/** Random words drawn from the crypto source in one go and handed out two per id. */
const RANDOM_POOL_WORDS = 512
const randomPool = new BigUint64Array(RANDOM_POOL_WORDS)
let randomNext = RANDOM_POOL_WORDS

/**
 * Two random 64-bit words. Ids are made per call on the kernel's thread (remote calls, the
 * Studio's invocations), and one draw per id cost more than the rest of making it.
 */
function randomPair(): [bigint, bigint] {
  if (randomNext + 2 > RANDOM_POOL_WORDS) {
    // getRandomValues fills at most 65,536 bytes at once; the pool is 4 KiB.
    globalThis.crypto.getRandomValues(randomPool)
    randomNext = 0
  }
  const high = randomPool[randomNext] ?? 0n
  const low = randomPool[randomNext + 1] ?? 0n
  // Each word is handed out once: zeroed, so no later reader of the pool sees it.
  randomPool[randomNext] = 0n
  randomPool[randomNext + 1] = 0n
  randomNext += 2
  return [high, low]
}

/** A random id: 120 random data bits from the platform's crypto source. */
export function newId<K extends IdKind>(kind: K): Id<K> {
  for (;;) {
    const [high, low] = randomPair()
    const id = make(kind, high, low)
    // Odds are about 2^-111, but a fresh id must never read as a sentinel.
    if (!isZero(id) && !isEmpty(id)) return id
  }
}

/**
 * A runtime guard for ids that arrived as untyped data (IPC, JSON revivers): checks the shape,
 * the uint64 ranges and that the letter byte matches the kind.
 */
export function isId<K extends IdKind>(value: unknown, kind?: K): value is Id<K> {
  if (typeof value !== 'object' || value === null) return false
  const v = value as { kind?: unknown; high?: unknown; low?: unknown }
  if (!isIdKind(v.kind) || (kind !== undefined && v.kind !== kind)) return false
  if (!isU64(v.high) || !isU64(v.low)) return false
  return BigInt(letterByteOf({ high: v.high, low: v.low })) === kindInfo(v.kind).letterByte
}
