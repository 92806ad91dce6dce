// A tiny guest for a pool worker's warm-up (guest-worker.ts): it exports a memory and `_start`,
// which calls the WASI functions a guest's runtime calls first (args, environ, random_get) and
// one `parigot.*` syscall with a request too large for the warm-up channel (rejected in the
// worker, so no kernel is asked). Hand-encoded, so the worker needs no compiler.

const I32 = 0x7f
const I64 = 0x7e

/** Unsigned LEB128. */
function uleb(value: number): number[] {
  const out: number[] = []
  do {
    let byte = value & 0x7f
    value >>>= 7
    if (value !== 0) byte |= 0x80
    out.push(byte)
  } while (value !== 0)
  return out
}

/** i32.const of a small non-negative value (signed LEB128). */
function i32Const(value: number): number[] {
  const out: number[] = [0x41]
  for (;;) {
    const byte = value & 0x7f
    value >>= 7
    if (value === 0 && (byte & 0x40) === 0) return [...out, byte]
    out.push(byte | 0x80)
  }
}

const name = (text: string) => [...uleb(text.length), ...new TextEncoder().encode(text)]
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()]
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body]
const call = (fn: number, ...args: number[]) => [...args.flatMap(i32Const), 0x10, fn, 0x1a]

const WASI = 'wasi_snapshot_preview1'
const imports: [string, string, number][] = [
  [WASI, 'args_sizes_get', 0],
  [WASI, 'args_get', 0],
  [WASI, 'environ_sizes_get', 0],
  [WASI, 'random_get', 0],
  ['parigot', 'register_', 1],
]
const body = [
  0x00, // no locals
  ...call(0, 0, 4),
  ...call(1, 64, 1024),
  ...call(2, 8, 12),
  ...call(3, 2048, 16),
  ...call(4, 128, 4096, 8192, 16),
  0x0b,
]

export const WARM_UP_MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(
    1,
    vec([
      [0x60, ...vec([[I32], [I32]]), ...vec([[I32]])],
      [0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[I64]])],
      [0x60, 0x00, 0x00],
    ]),
  ),
  ...section(
    2,
    vec(imports.map(([module, field, type]) => [...name(module), ...name(field), 0x00, type])),
  ),
  ...section(3, vec([[2]])),
  ...section(5, vec([[0x00, 0x01]])),
  ...section(
    7,
    vec([
      [...name('memory'), 0x02, 0x00],
      [...name('_start'), 0x00, imports.length],
    ]),
  ),
  ...section(10, vec([[...uleb(body.length), ...body]])),
])
