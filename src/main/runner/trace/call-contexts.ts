import { randomBytes } from 'node:crypto'
import { keyWords } from '../../kernel/call-key'

/** Contexts per generation; two are kept, so between this many and twice as many (see `remember`). */
export const CONTEXT_GENERATION = 16_384
/** Slots per generation's table: four times its entries, so chance collisions keep probes short. */
const SLOTS = 65_536
/** A key whose probe runs past this many slots is not kept (only colliding ids can get there). */
const MAX_PROBE = 64
/** Words per slot: the key's four, the trace's counter, the span's counter, and two unused. */
const STRIDE = 8
const TRACE = 4
const SPAN = 5

/** Where a call's context was found: a generation's table and a slot in it. */
export interface ContextSlot {
  readonly table: ContextTable
  readonly slot: number
}

/**
 * The trace contexts of recent calls (their trace, and their span's counter), by call key, kept
 * so late children, log lines and captured payloads still find them. A traced deployment keeps
 * one per call, up to 32,768 calls: in maps of strings and objects they all survived the young
 * generation and took about 3 µs of the kernel thread's garbage collection per call. Here they
 * are words in one typed array (the key's 120 data bits, the trace's counter, the span's counter:
 * one slot's words share a cache line), in open-addressing tables hashed with a random seed (call ids come from guests; a probe is
 * bounded, and a key that would need more is counted in `unkept`, not kept). Not a library's map:
 * a general one keeps a key string and an entry per call, the garbage this avoids.
 */
export class CallContexts {
  private current: ContextTable
  private older: ContextTable
  /** Contexts not kept because their key collided too often (named ids from a hostile guest). */
  unkept = 0
  private readonly words = new Uint32Array(4)

  constructor(seed?: Uint32Array) {
    this.current = new ContextTable(seed)
    this.older = new ContextTable(seed)
  }

  /**
   * Keeps `call`'s context: `trace` is a local trace's counter or another host's trace id.
   * When the current generation is full it becomes the older one and the oldest is cleared at
   * once, instead of forgetting one entry per call.
   */
  remember(call: string, trace: number | string, spanCounter: number): void {
    if (keyWords(call, this.words)) this.rememberWords(this.words, trace, spanCounter)
  }

  /** `remember` for a call id given as its four words (not all 0), as the kernel read them. */
  rememberWords(words: ArrayLike<number>, trace: number | string, spanCounter: number): void {
    if (this.current.size >= CONTEXT_GENERATION) {
      const cleared = this.older
      cleared.clear()
      this.older = this.current
      this.current = cleared
    }
    const table = this.current
    if (
      !table.put(
        words[0] as number,
        words[1] as number,
        words[2] as number,
        words[3] as number,
        trace,
        spanCounter,
      )
    )
      this.unkept++
  }

  find(call: string): ContextSlot | undefined {
    return keyWords(call, this.words) ? this.findWords(this.words) : undefined
  }

  /** `find` for a call id given as its four words. */
  findWords(words: ArrayLike<number>): ContextSlot | undefined {
    const a = words[0] as number
    const b = words[1] as number
    const c = words[2] as number
    const d = words[3] as number
    let slot = this.current.find(a, b, c, d)
    if (slot >= 0) return { table: this.current, slot }
    slot = this.older.find(a, b, c, d)
    return slot >= 0 ? { table: this.older, slot } : undefined
  }
}

export class ContextTable {
  size = 0
  /** STRIDE words per slot; a slot whose key words are all 0 is empty. */
  private readonly slots = new Uint32Array(SLOTS * STRIDE)
  /** Another host's trace id, where the trace word holds 0. */
  private foreign: (string | undefined)[] = []
  /** `seed`: for tests that need ids to collide; otherwise random, so guests cannot aim. */
  constructor(private readonly seed: Uint32Array = randomSeed()) {}

  /** False when the probe ran out (the context is not kept). Words are taken as unsigned. */
  put(
    a: number,
    b: number,
    c: number,
    d: number,
    trace: number | string,
    spanCounter: number,
  ): boolean {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    const k = this.slots
    let slot = this.home(a, b, c, d)
    for (let probe = 0; probe < MAX_PROBE; probe++, slot = (slot + 1) & (SLOTS - 1)) {
      const at = slot * STRIDE
      const empty =
        ((k[at] as number) |
          (k[at + 1] as number) |
          (k[at + 2] as number) |
          (k[at + 3] as number)) ===
        0
      if (!empty && (k[at] !== a || k[at + 1] !== b || k[at + 2] !== c || k[at + 3] !== d)) continue
      if (empty) {
        k[at] = a
        k[at + 1] = b
        k[at + 2] = c
        k[at + 3] = d
        this.size++
      }
      if (typeof trace === 'number') k[at + TRACE] = trace
      else {
        k[at + TRACE] = 0
        this.foreign[slot] = trace
      }
      k[at + SPAN] = spanCounter
      return true
    }
    return false
  }

  /** The slot of the key, or -1. */
  find(a: number, b: number, c: number, d: number): number {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    const k = this.slots
    let slot = this.home(a, b, c, d)
    for (let probe = 0; probe < MAX_PROBE; probe++, slot = (slot + 1) & (SLOTS - 1)) {
      const at = slot * STRIDE
      if (k[at] === a && k[at + 1] === b && k[at + 2] === c && k[at + 3] === d) return slot
      if (
        ((k[at] as number) |
          (k[at + 1] as number) |
          (k[at + 2] as number) |
          (k[at + 3] as number)) ===
        0
      )
        return -1
    }
    return -1
  }

  /** A local trace's counter, or another host's trace id. */
  traceAt(slot: number): number | string {
    const trace = this.slots[slot * STRIDE + TRACE] as number
    return trace !== 0 ? trace : (this.foreign[slot] ?? '')
  }

  spanAt(slot: number): number {
    return this.slots[slot * STRIDE + SPAN] as number
  }

  clear(): void {
    this.slots.fill(0)
    this.foreign = []
    this.size = 0
  }

  /** The first slot a key's probe looks at. */
  home(a: number, b: number, c: number, d: number): number {
    const s = this.seed
    let h =
      Math.imul(a ^ (s[0] as number), 0x85ebca6b) ^
      Math.imul(b ^ (s[1] as number), 0xc2b2ae35) ^
      Math.imul(c ^ (s[2] as number), 0x27d4eb2f) ^
      Math.imul(d ^ (s[3] as number), 0x165667b1)
    h ^= h >>> 15
    h = Math.imul(h, 0x2c1b3c6d)
    h ^= h >>> 12
    return h & (SLOTS - 1)
  }
}

function randomSeed(): Uint32Array {
  const bytes = randomBytes(16)
  return Uint32Array.of(
    bytes.readUInt32LE(0),
    bytes.readUInt32LE(4),
    bytes.readUInt32LE(8),
    bytes.readUInt32LE(12),
  )
}
