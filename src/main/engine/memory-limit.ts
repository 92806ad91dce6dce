import { EngineError } from './errors'

/** WebAssembly pages are 64 KiB: 16 to a MiB. */
const PAGES_PER_MIB = 16
const MEMORY_SECTION = 5

/**
 * Caps a module's linear memory at `limitMb` MiB by rewriting the maximum in its memory section
 * (the only place the limit can live: a guest defines its own memory, and `memory.grow` past the
 * declared maximum fails with -1 inside the guest). A maximum already below the cap is kept.
 * Throws `MemoryLimit` when the module needs more than the cap at start, or declares a memory
 * whose maximum cannot be set this way (shared or 64-bit).
 */
export function limitMemory(bytes: Uint8Array, limitMb: number, origin: string): Uint8Array {
  const limitPages = Math.floor(limitMb * PAGES_PER_MIB)
  if (bytes.byteLength < 8) return bytes // not a module: compilation will say so
  let offset = 8
  while (offset < bytes.byteLength) {
    const id = bytes[offset] as number
    const size = readLeb(bytes, offset + 1)
    if (size === undefined) return bytes
    const payloadStart = size.next
    const payloadEnd = payloadStart + size.value
    if (payloadEnd > bytes.byteLength) return bytes
    if (id === MEMORY_SECTION) {
      const payload = rewriteMemories(
        bytes.subarray(payloadStart, payloadEnd),
        limitPages,
        limitMb,
        origin,
      )
      const header = [MEMORY_SECTION, ...writeLeb(payload.byteLength)]
      const out = new Uint8Array(
        offset + header.length + payload.byteLength + (bytes.byteLength - payloadEnd),
      )
      out.set(bytes.subarray(0, offset), 0)
      out.set(header, offset)
      out.set(payload, offset + header.length)
      out.set(bytes.subarray(payloadEnd), offset + header.length + payload.byteLength)
      return out
    }
    offset = payloadEnd
  }
  return bytes
}

function rewriteMemories(
  payload: Uint8Array,
  limitPages: number,
  limitMb: number,
  origin: string,
): Uint8Array {
  const count = readLeb(payload, 0)
  if (count === undefined) return payload
  const out: number[] = [...writeLeb(count.value)]
  let p = count.next
  for (let i = 0; i < count.value; i++) {
    const flags = payload[p] as number
    if (flags !== 0 && flags !== 1) {
      throw new EngineError(
        'MemoryLimit',
        `${origin}: its memory is ${flags & 2 ? 'shared' : '64-bit'}; memory_limit_mb cannot be enforced on it`,
      )
    }
    const min = readLeb(payload, p + 1)
    if (min === undefined) return payload
    let max = limitPages
    p = min.next
    if (flags === 1) {
      const declared = readLeb(payload, p)
      if (declared === undefined) return payload
      max = Math.min(declared.value, limitPages)
      p = declared.next
    }
    if (min.value > limitPages) {
      throw new EngineError(
        'MemoryLimit',
        `${origin}: needs ${min.value / PAGES_PER_MIB} MiB of memory at start, over its memory_limit_mb of ${limitMb}`,
      )
    }
    out.push(1, ...writeLeb(min.value), ...writeLeb(max))
  }
  out.push(...payload.subarray(p))
  return Uint8Array.from(out)
}

function readLeb(bytes: Uint8Array, at: number): { value: number; next: number } | undefined {
  let value = 0
  let shift = 0
  for (let p = at; p < bytes.byteLength && shift < 35; p++) {
    const b = bytes[p] as number
    value += (b & 0x7f) * 2 ** shift
    shift += 7
    if ((b & 0x80) === 0) return { value, next: p + 1 }
  }
  return undefined
}

function writeLeb(value: number): number[] {
  const out: number[] = []
  let v = value
  do {
    let b = v % 128
    v = Math.floor(v / 128)
    if (v > 0) b |= 0x80
    out.push(b)
  } while (v > 0)
  return out
}
