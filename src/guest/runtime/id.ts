// Parigot ids (protosupport.v1.IdRaw): 128 bits as two u64 halves. The most significant byte of
// `high` is a type letter ('s' service, 'm' method, 'c' call, 'h' host ...), the other 120 bits
// are data. Empty = all data bits 0 (an absent field); zero = all data bits 1 ("no id").

import { random_get } from './abi'
import { Reader, Writer } from './proto'

export const LETTER_SERVICE: u8 = 0x73 // 's'
export const LETTER_METHOD: u8 = 0x6d // 'm'
export const LETTER_CALL: u8 = 0x63 // 'c'
export const LETTER_HOST: u8 = 0x68 // 'h'

const DATA_MASK_HIGH: u64 = 0x00ffffffffffffff

export class Id {
  constructor(
    public high: u64 = 0,
    public low: u64 = 0,
  ) {}

  /** The type letter (top byte of high). */
  get letter(): u8 {
    return <u8>(this.high >>> 56)
  }

  /** All 120 data bits are 0 (what an absent field decodes to). */
  isEmpty(): bool {
    return (this.high & DATA_MASK_HIGH) == 0 && this.low == 0
  }

  /** All 120 data bits are 1: the "no id, an error happened" id. */
  isZero(): bool {
    return (this.high & DATA_MASK_HIGH) == DATA_MASK_HIGH && this.low == 0xffffffffffffffff
  }

  /** Same 128 bits (type letter included). */
  equals(other: Id): bool {
    return this.high == other.high && this.low == other.low
  }

  /** Writes this id as a nested IdRaw in `field` (always present, even when empty). */
  encode(w: Writer, field: i32): void {
    const nested = new Writer(24)
    nested.uint64(1, this.high)
    nested.uint64(2, this.low)
    w.message(field, nested)
  }

  /** Reads an IdRaw from the current (length-delimited) field of `r`. */
  static decode(r: Reader): Id {
    const sub = r.message()
    const id = new Id()
    while (sub.next()) {
      if (sub.field == 1) id.high = sub.uint64()
      else if (sub.field == 2) id.low = sub.uint64()
      else sub.skip()
    }
    return id
  }

  /** `hhhhhhhhhhhhhhhh:llllllllllllllll` in hex. */
  toString(): string {
    return hex64(this.high) + ':' + hex64(this.low)
  }
}

export function hex64(v: u64): string {
  const s = v.toString(16)
  return s.length >= 16 ? s : '0'.repeat(16 - s.length) + s
}

// Where random_get writes an id's bits (static: a call id per call allocates nothing else).
const randomWords: usize = memory.data(16, 8)

/** A fresh call id: type letter 'c' and 120 random bits from WASI random_get. */
export function newCallId(): Id {
  return randomId(LETTER_CALL)
}

/** A fresh id with the given type letter and 120 random bits. */
export function randomId(letter: u8): Id {
  random_get(randomWords, 16)
  const high = load<u64>(randomWords)
  const low = load<u64>(randomWords + 8)
  return new Id((high & DATA_MASK_HIGH) | ((<u64>letter) << 56), low)
}

/** The reserved method id of a launch completion. */
export function launchMethod(): Id {
  return new Id(0x6dffffffffffffff, 0xfffffffffffffff0)
}

/** The reserved method id of an exit completion. */
export function exitMethod(): Id {
  return new Id(0x6dffffffffffffff, 0xfffffffffffffff1)
}
