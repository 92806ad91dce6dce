// A seeded generator of hostile deploy configs: each mutant is an example config with one to
// three mutations (lines lost, doubled or swapped, cut off, odd bytes, values of the wrong type,
// keys too long or too deep, paths to system files and devices, limits out of range). The same
// seed gives the same mutants, so a failure can be replayed by its index.

/** mulberry32: small, fast, good enough to pick mutations. */
export function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Rng = () => number

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T
}

const HOSTILE_PATHS = [
  '/',
  '/proc',
  '/proc/self',
  '/proc/self/mem',
  '/sys/kernel',
  '/dev',
  '/dev/null',
  '/dev/zero',
  '/etc/passwd',
  '/etc/shadow',
  '/etc',
  '.',
  '..',
  '../../../../../../etc/passwd',
  'build',
  'deploy.toml',
  'build/',
  '',
  'x'.repeat(5000),
  'a\u0000b',
  'plugin.txt',
  '/tmp',
]

const VALUES = [
  '1',
  '-1',
  '0',
  '99999999999999999999999',
  '1.5',
  'nan',
  'inf',
  'true',
  '""',
  '"x"',
  '[]',
  '[1, "a"]',
  '{}',
  '{ a = 1 }',
  '1979-05-27T07:32:00Z',
  "'''\nmulti\n'''",
  '"""\nmulti\n"""',
  '"\\u0000"',
  '"\\uD800"',
  `"${'v'.repeat(20_000)}"`,
  `${'['.repeat(100)}${']'.repeat(100)}`,
  `${'{ a = '.repeat(40)}1${' }'.repeat(40)}`,
]

const KEYS = [
  'wasm',
  'role',
  'args',
  'env',
  'plugins',
  'data_dir',
  'name',
  'log_level',
  'stop_grace_ms',
  'launch_timeout_ms',
  'call_timeout_ms',
  'inbound_queue',
  'descriptors',
  'unknown_key',
  'Wasm',
  '"quoted key"',
  `${'k'.repeat(2000)}`,
  Array(50).fill('d').join('.'),
  '__proto__',
  'constructor',
]

const HEADERS = [
  '[deployment]',
  '[services]',
  '[services.extra]',
  '[services.extra.plugin.p]',
  '[plugins.queue]',
  '[[services]]',
  '[services.""]',
  `[${Array(40).fill('t').join('.')}]`,
  `[services.${'n'.repeat(300)}]`,
  '[services.__proto__]',
  '[',
  '[]',
  '[[',
]

const SNIPPETS = [
  ...HOSTILE_PATHS.map((p) => `wasm = ${JSON.stringify(p)}`),
  ...HOSTILE_PATHS.map((p) => `data_dir = ${JSON.stringify(p)}`),
  ...HOSTILE_PATHS.map((p) => `descriptors = [${JSON.stringify(p)}]`),
  ...HOSTILE_PATHS.map((p) => `[services.px.plugin.q]\npath = ${JSON.stringify(p)}\nsymbol = "x"`),
  'role = "test"',
  'role = "root"',
  'plugins = ["file", "file"]',
  'plugins = ["nope"]',
  'args = ["a", 1]',
  'env = { A = "1", A = "2" }',
  'stop_grace_ms = -5',
  'inbound_queue = 0',
  'log_level = "loud"',
  '\uFEFF',
  '\u0000',
  '\r',
  '\u2028',
  '"unterminated',
  "'unterminated",
  '"""unterminated',
  'a = 1\na = 2',
  '= 1',
  'key =',
]

type Mutation = (lines: string[], rng: Rng) => string[]

const MUTATIONS: readonly Mutation[] = [
  (lines, rng) => lines.filter((_, i) => i !== Math.floor(rng() * lines.length)),
  (lines, rng) => {
    const i = Math.floor(rng() * lines.length)
    return [...lines.slice(0, i + 1), lines[i] ?? '', ...lines.slice(i + 1)]
  },
  (lines, rng) => {
    const out = [...lines]
    const i = Math.floor(rng() * out.length)
    const j = Math.floor(rng() * out.length)
    ;[out[i], out[j]] = [out[j] ?? '', out[i] ?? '']
    return out
  },
  (lines, rng) => {
    const text = lines.join('\n')
    return text.slice(0, Math.floor(rng() * text.length)).split('\n')
  },
  (lines, rng) => {
    const text = lines.join('\n')
    const at = Math.floor(rng() * text.length)
    const junk = String.fromCharCode(
      ...Array.from({ length: 1 + Math.floor(rng() * 8) }, () => Math.floor(rng() * 256)),
    )
    return (text.slice(0, at) + junk + text.slice(at)).split('\n')
  },
  // A value replaced by one of another type or size.
  (lines, rng) =>
    lines.map((line) =>
      /^\s*[\w".-]+\s*=/.test(line) && rng() < 0.3
        ? line.replace(/=.*$/, `= ${pick(rng, VALUES)}`)
        : line,
    ),
  // A key renamed.
  (lines, rng) =>
    lines.map((line) =>
      /^\s*[\w.-]+\s*=/.test(line) && rng() < 0.3
        ? line.replace(/^\s*[\w.-]+/, pick(rng, KEYS))
        : line,
    ),
  // A header inserted.
  (lines, rng) => {
    const i = Math.floor(rng() * (lines.length + 1))
    return [...lines.slice(0, i), pick(rng, HEADERS), ...lines.slice(i)]
  },
  // A hostile snippet inserted after a header (so that it lands in a table).
  (lines, rng) => {
    const headers = lines.flatMap((l, i) => (l.startsWith('[') ? [i] : []))
    const i = headers.length > 0 ? pick(rng, headers) + 1 : 0
    return [...lines.slice(0, i), pick(rng, SNIPPETS), ...lines.slice(i)]
  },
  // Line endings and whitespace.
  (lines) => [lines.join('\r\n')],
  (lines, rng) => lines.map((l) => (rng() < 0.2 ? `\t ${l}` : l)),
  // A key or value path made deep or long.
  (lines, rng) => [
    ...lines,
    `${Array(10 + Math.floor(rng() * 200))
      .fill('z')
      .join('.')} = 1`,
  ],
  (lines, rng) => [...lines, `${'x'.repeat(1 + Math.floor(rng() * 50_000))} = 1`],
]

/** `count` mutants of `sources` (the example configs' texts), the same for the same seed. */
export function mutants(
  sources: readonly { readonly name: string; readonly text: string }[],
  count: number,
  seed: number,
): { readonly index: number; readonly example: string; readonly text: string }[] {
  const rng = random(seed)
  const out: { index: number; example: string; text: string }[] = []
  for (let index = 0; index < count; index++) {
    const source = pick(rng, sources)
    let lines = source.text.split('\n')
    const times = 1 + Math.floor(rng() * 3)
    for (let m = 0; m < times; m++) lines = pick(rng, MUTATIONS)(lines, rng)
    out.push({ index, example: source.name, text: lines.join('\n') })
  }
  return out
}
