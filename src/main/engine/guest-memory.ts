/**
 * Bounds-checked access to a guest's linear memory. Every pointer a guest hands the host is
 * untrusted: a read or write that does not fit entirely inside the memory returns `undefined` /
 * `false` instead of touching anything. The view is re-derived when the memory grows, because
 * growing detaches the old ArrayBuffer: the check runs against the view it has (a detached view
 * is 0 bytes long), and only an access that does not fit asks the memory for its current buffer
 * (the `buffer` getter costs more than the rest of a small access).
 */
export class GuestMemory {
  private buffer: ArrayBuffer | SharedArrayBuffer
  private view: DataView
  private bytes: Uint8Array

  constructor(private readonly memory: WebAssembly.Memory) {
    this.buffer = memory.buffer
    this.view = new DataView(this.buffer)
    this.bytes = new Uint8Array(this.buffer)
  }

  /** Current size in bytes. */
  get size(): number {
    this.refresh()
    return this.bytes.byteLength
  }

  /** True when `[ptr, ptr+len)` lies inside memory; pointers are treated as unsigned 32-bit. */
  contains(ptr: number, len: number): boolean {
    if (!(len >= 0 && Number.isInteger(len))) return false
    const end = (ptr >>> 0) + len
    if (end <= this.bytes.byteLength) return true
    // Memory only grows: a range past the view may fit the current buffer.
    this.refresh()
    return end <= this.bytes.byteLength
  }

  /** A copy of the bytes, so later guest writes cannot change what the host decoded. */
  read(ptr: number, len: number): Uint8Array | undefined {
    if (!this.contains(ptr, len)) return undefined
    const start = ptr >>> 0
    return this.bytes.slice(start, start + len)
  }

  /**
   * A view without copying, for the host's own short-lived use (e.g. decoding in place). It
   * aliases guest memory: nothing derived from it may outlive the host call, and it is empty
   * once the memory grows.
   */
  peek(ptr: number, len: number): Uint8Array | undefined {
    if (!this.contains(ptr, len)) return undefined
    const start = ptr >>> 0
    return this.bytes.subarray(start, start + len)
  }

  /**
   * `peek`, handing back the view `cache` already holds for this place and length: a syscall's
   * request sits where the previous one did (the SDK encodes into one scratch buffer), its length
   * moves with its ids' varints, and each new view is an allocation on every call. The cache
   * starts again when the place changes or growth replaced the buffer (a detached view is never
   * handed back).
   */
  peekCached(cache: PeekCache, ptr: number, len: number): Uint8Array | undefined {
    if (!this.contains(ptr, len)) return undefined
    const start = ptr >>> 0
    if (len > PEEK_CACHE_MAX_LEN) return this.bytes.subarray(start, start + len)
    if (cache.start !== start || cache.buffer !== this.buffer) {
      cache.start = start
      cache.buffer = this.buffer
      cache.views.fill(undefined)
    }
    let view = cache.views[len]
    if (view === undefined) {
      view = this.bytes.subarray(start, start + len)
      cache.views[len] = view
    }
    return view
  }

  write(ptr: number, data: Uint8Array): boolean {
    if (!this.contains(ptr, data.byteLength)) return false
    this.bytes.set(data, ptr >>> 0)
    return true
  }

  /**
   * Writes `length` bytes of `data` from offset `from` (which must hold them). A syscall's answer
   * is usually the front of a larger buffer, a random draw a piece of a pool: this spares the view
   * `write(ptr, data.subarray(...))` would make on every call, copying short runs byte by byte
   * (cheaper than `set` there).
   */
  writeFrom(ptr: number, data: Uint8Array, from: number, length: number): boolean {
    if (from < 0 || from + length > data.byteLength || !this.contains(ptr, length)) return false
    const at = ptr >>> 0
    const bytes = this.bytes
    if (length <= 64) for (let i = 0; i < length; i++) bytes[at + i] = data[from + i] as number
    else
      bytes.set(
        from === 0 && length === data.byteLength ? data : data.subarray(from, from + length),
        at,
      )
    return true
  }

  readI32(ptr: number): number | undefined {
    if (!this.contains(ptr, 4)) return undefined
    return this.view.getInt32(ptr >>> 0, true)
  }

  writeI32(ptr: number, value: number): boolean {
    if (!this.contains(ptr, 4)) return false
    this.view.setInt32(ptr >>> 0, value, true)
    return true
  }

  readU32(ptr: number): number | undefined {
    if (!this.contains(ptr, 4)) return undefined
    return this.view.getUint32(ptr >>> 0, true)
  }

  writeU32(ptr: number, value: number): boolean {
    if (!this.contains(ptr, 4)) return false
    this.view.setUint32(ptr >>> 0, value >>> 0, true)
    return true
  }

  writeU64(ptr: number, value: bigint): boolean {
    if (!this.contains(ptr, 8)) return false
    this.view.setBigUint64(ptr >>> 0, BigInt.asUintN(64, value), true)
    return true
  }

  readU64(ptr: number): bigint | undefined {
    if (!this.contains(ptr, 8)) return undefined
    return this.view.getBigUint64(ptr >>> 0, true)
  }

  private refresh(): void {
    if (this.memory.buffer !== this.buffer) {
      this.buffer = this.memory.buffer
      this.view = new DataView(this.buffer)
      this.bytes = new Uint8Array(this.buffer)
    }
  }
}

/** Lengths up to which peekCached keeps a view per length. */
const PEEK_CACHE_MAX_LEN = 256

/** The views peekCached made of one place of a guest's memory, by length. */
export class PeekCache {
  start = -1
  buffer: ArrayBufferLike | undefined = undefined
  readonly views: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(
    PEEK_CACHE_MAX_LEN + 1,
  ).fill(undefined)
}
