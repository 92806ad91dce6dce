// The CLI's human log lines: colour by node:util styleText, and when to colour by Node's rule
// (TTY, NO_COLOR, FORCE_COLOR), which styleText does not apply by itself on Node 20.
import { describe, expect, it } from 'vitest'
import { colorWanted, createTerminalOutput } from '../../src/main/cli/terminal-output'
import type { LogRecord } from '../../src/shared/log/log-record'

const ESC = '\x1b['
const tty = { isTTY: true }
const pipe = { isTTY: false }

function lines(color: boolean, records: readonly Partial<LogRecord>[]): string[] {
  const out: string[] = []
  const output = createTerminalOutput({ json: false, color, write: (l) => out.push(l) })
  for (const r of records) {
    output.log({ source: 'svc', level: 'info', message: 'm', ...r } as LogRecord)
  }
  output.progress('building')
  return out
}

describe('colorWanted', () => {
  it('colours a colour terminal and not a pipe', () => {
    expect(colorWanted(tty, { TERM: 'xterm-256color' })).toBe(true)
    expect(colorWanted(pipe, { TERM: 'xterm-256color' })).toBe(false)
  })

  it('NO_COLOR, NODE_DISABLE_COLORS and TERM=dumb turn a terminal plain', () => {
    expect(colorWanted(tty, { TERM: 'xterm-256color', NO_COLOR: '1' })).toBe(false)
    expect(colorWanted(tty, { TERM: 'xterm-256color', NODE_DISABLE_COLORS: '1' })).toBe(false)
    expect(colorWanted(tty, { TERM: 'dumb' })).toBe(false)
  })

  it('FORCE_COLOR colours a pipe, and FORCE_COLOR=0 keeps even a terminal plain', () => {
    expect(colorWanted(pipe, { FORCE_COLOR: '1' })).toBe(true)
    expect(colorWanted(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true)
    expect(colorWanted(tty, { TERM: 'xterm-256color', FORCE_COLOR: '0' })).toBe(false)
  })
})

describe('createTerminalOutput', () => {
  const records: Partial<LogRecord>[] = [
    { source: 'a', message: 'hello' },
    { source: 'b', level: 'warn', message: 'careful' },
    { source: 'a', level: 'error', message: 'broken' },
  ]

  it('without colour writes no escape code at all', () => {
    expect(lines(false, records)).toEqual([
      '[a] hello',
      '[b] warn: careful',
      '[a] error: broken',
      '… building',
    ])
  })

  it('with colour gives each service its own colour and styles levels', () => {
    const [a1, b, a2, progress] = lines(true, records)
    const tagA = a1!.slice(0, a1!.indexOf(' '))
    expect(tagA).toBe(`${ESC}36m[a]${ESC}39m`)
    expect(a2!.startsWith(`${tagA} `)).toBe(true)
    expect(b!.startsWith(`${ESC}32m[b]${ESC}39m `)).toBe(true)
    expect(a1).toBe(`${tagA} hello`)
    expect(b).toContain(`${ESC}33mwarn: careful${ESC}39m`)
    expect(a2).toContain('error: broken')
    expect(a2).toContain(`${ESC}31m`)
    expect(a2).toContain(`${ESC}1m`)
    expect(progress).toBe(`${ESC}2m… building${ESC}22m`)
    // FORCE_COLOR=0 would make styleText itself drop the colour (on Node 20.20 and 22.13+): the
    // decision is colorWanted's alone, so a caller that asked for colour gets it.
    const saved = process.env.FORCE_COLOR
    process.env.FORCE_COLOR = '0'
    try {
      expect(lines(true, [{ source: 'x' }])[0]).toBe(`${ESC}36m[x]${ESC}39m m`)
    } finally {
      if (saved === undefined) delete process.env.FORCE_COLOR
      else process.env.FORCE_COLOR = saved
    }
  })
})
