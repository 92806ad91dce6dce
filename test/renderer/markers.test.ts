import { describe, expect, it } from 'vitest'
import { toMarkers, tokenEnd } from '../../src/renderer/src/panels/editor/markers'

const diag = (line: number, column: number, key = 'k', message = 'bad') =>
  ({ severity: 'error', file: '/d.toml', line, column, key, message }) as const

describe('toMarkers', () => {
  it('covers the key, string or word at the diagnostic position and names the key', () => {
    const text = '[deployment]\nbogus_key = 1\nrole = "mian" # x\n'
    const [key, str] = toMarkers(text, [
      diag(2, 1, 'deployment.bogus_key', 'unknown key `bogus_key`'),
      diag(3, 8, 'services.a.role'),
    ])
    expect(key).toEqual({
      severity: 'error',
      message: 'unknown key `bogus_key` [deployment.bogus_key]',
      startLineNumber: 2,
      startColumn: 1,
      endLineNumber: 2,
      endColumn: 10,
    })
    expect(str).toMatchObject({ startColumn: 8, endColumn: 14 })
  })

  it('clamps positions past the text and leaves key-less messages alone', () => {
    const [m] = toMarkers('a = 1', [diag(9, 40, '', 'invalid TOML')])
    expect(m).toMatchObject({ startLineNumber: 1, startColumn: 6, endColumn: 7 })
    expect(m?.message).toBe('invalid TOML')
  })

  it('ends an unterminated string at the end of the line', () => {
    expect(tokenEnd('x = "abc', 5)).toBe(9)
    expect(tokenEnd('x = "a\\"b" ', 5)).toBe(11)
  })
})
