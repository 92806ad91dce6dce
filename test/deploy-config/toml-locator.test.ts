import { parse } from 'smol-toml'
import { describe, expect, it } from 'vitest'
import { formatKeyPath, TomlLocator } from '../../src/shared/deploy-config/toml-locator'

// Each `^` marks where a key (k) or value (v) starts; positions are 1-based.
const TRICKY = [
  '# a comment with [brackets] and key = "value"', // 1
  'top = 1 # trailing comment', // 2
  '', // 3
  '[ services . "my svc" ]   # spaced header, quoted key', // 4
  'wasm = "a # not a comment"', // 5
  'env.A = "x"', // 6
  'env . "B C" = \'lit\'', // 7
  'args = [', // 8
  '  "one", # first', // 9
  '', // 10
  '  # a comment line inside the array', // 11
  '  "two",', // 12
  ']', // 13
  'plugin = { metrics = { path = "m.mjs", symbol = "M" }, "x.y" = { path = "" } }', // 14
  'text = """', // 15
  'multi "quoted" ]', // 16
  '"""', // 17
  "lit = '''", // 18
  'also ] # not', // 19
  "'''", // 20
  "after = 'ok'", // 21
  '[[runs]]', // 22
  'n = 1', // 23
  '[[runs]]', // 24
  'n = 2', // 25
  'nested = [[1, 2], [3]]', // 26
  'when = 1979-05-27 07:32:00Z', // 27
  'next = true', // 28
].join('\n')

describe('TomlLocator', () => {
  const locator = new TomlLocator(TRICKY)

  it('parses as TOML (the fixture is valid)', () => {
    expect(() => parse(TRICKY)).not.toThrow()
  })

  it('finds top-level keys after comments', () => {
    expect(locator.locate(['top'])).toEqual({
      key: { line: 2, column: 1 },
      value: { line: 2, column: 7 },
    })
  })

  it('finds tables from spaced headers with quoted keys', () => {
    expect(locator.locate(['services'])).toEqual({ key: { line: 4, column: 3 } })
    expect(locator.locate(['services', 'my svc'])).toEqual({ key: { line: 4, column: 14 } })
  })

  it('does not take # inside a string for a comment', () => {
    expect(locator.locate(['services', 'my svc', 'wasm'])?.value).toEqual({ line: 5, column: 8 })
    expect(locator.locate(['services', 'my svc', 'env'])?.key).toEqual({ line: 6, column: 1 })
  })

  it('finds dotted keys, spaced and quoted', () => {
    expect(locator.locate(['services', 'my svc', 'env', 'A'])).toEqual({
      key: { line: 6, column: 5 },
      value: { line: 6, column: 9 },
    })
    expect(locator.locate(['services', 'my svc', 'env', 'B C'])).toEqual({
      key: { line: 7, column: 7 },
      value: { line: 7, column: 15 },
    })
  })

  it('finds the elements of a multi-line array with comments', () => {
    expect(locator.locate(['services', 'my svc', 'args'])?.value).toEqual({ line: 8, column: 8 })
    expect(locator.locate(['services', 'my svc', 'args', 0])?.value).toEqual({
      line: 9,
      column: 3,
    })
    expect(locator.locate(['services', 'my svc', 'args', 1])?.value).toEqual({
      line: 12,
      column: 3,
    })
    expect(locator.locate(['services', 'my svc', 'args', 2])).toBeUndefined()
  })

  it('finds keys inside nested inline tables', () => {
    const base = ['services', 'my svc', 'plugin']
    expect(locator.locate([...base, 'metrics'])?.key).toEqual({ line: 14, column: 12 })
    expect(locator.locate([...base, 'metrics', 'path'])).toEqual({
      key: { line: 14, column: 24 },
      value: { line: 14, column: 31 },
    })
    expect(locator.locate([...base, 'metrics', 'symbol'])?.value).toEqual({
      line: 14,
      column: 49,
    })
    expect(locator.locate([...base, 'x.y', 'path'])?.value).toEqual({ line: 14, column: 73 })
  })

  it('skips multi-line strings holding brackets, quotes and #', () => {
    expect(locator.locate(['services', 'my svc', 'text'])?.value).toEqual({ line: 15, column: 8 })
    expect(locator.locate(['services', 'my svc', 'lit'])?.value).toEqual({ line: 18, column: 7 })
    expect(locator.locate(['services', 'my svc', 'after'])?.key).toEqual({ line: 21, column: 1 })
  })

  it('numbers arrays of tables', () => {
    expect(locator.locate(['runs', 0, 'n'])?.key).toEqual({ line: 23, column: 1 })
    expect(locator.locate(['runs', 1, 'n'])?.key).toEqual({ line: 25, column: 1 })
  })

  it('finds nested array elements and values after date-times', () => {
    expect(locator.locate(['runs', 1, 'nested', 1, 0])?.value).toEqual({ line: 26, column: 20 })
    expect(locator.locate(['runs', 1, 'next'])?.key).toEqual({ line: 28, column: 1 })
  })

  it('falls back to the nearest ancestor, then to 1:1', () => {
    expect(locator.position(['services', 'my svc', 'role'])).toEqual({ line: 4, column: 14 })
    expect(locator.position(['nothing', 'here'])).toEqual({ line: 1, column: 1 })
    expect(locator.position(['top'], 'key')).toEqual({ line: 2, column: 1 })
  })

  it('decodes escapes in quoted keys', () => {
    const l = new TomlLocator('[a."b\\u0041\\"c"]\nk = 1\n')
    expect(l.locate(['a', 'bA"c', 'k'])?.key).toEqual({ line: 2, column: 1 })
  })

  it('counts columns in UTF-16 code units and reads TOML 1.1 escapes, as smol-toml does', () => {
    const l = new TomlLocator('x = { a = "\u{1F600}\u00e9", b = 1 }\ny = "\\e\\x41"\nz = 2\n')
    expect(l.locate(['x', 'b'])).toEqual({
      key: { line: 1, column: 18 },
      value: { line: 1, column: 22 },
    })
    expect(l.locate(['z'])?.key).toEqual({ line: 3, column: 1 })
  })

  it('formats key paths with quotes and indices', () => {
    expect(formatKeyPath(['services', 'my svc', 'args', 1])).toBe('services."my svc".args[1]')
    expect(formatKeyPath(['services', 'greeting', 'wasm'])).toBe('services.greeting.wasm')
  })
})
