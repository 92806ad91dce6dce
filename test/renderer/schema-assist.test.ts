import { describe, expect, it } from 'vitest'
import {
  completeAt,
  hoverAt,
  type CompletionResult,
} from '../../src/renderer/src/panels/editor/schema-assist'

/** Text with `|` marking the cursor, as (text without the marker, 1-based position). */
function at(marked: string): [string, { line: number; column: number }] {
  const index = marked.indexOf('|')
  if (index < 0) throw new Error('no cursor marker')
  const before = marked.slice(0, index).split('\n')
  const line = before.length
  const column = (before[before.length - 1] ?? '').length + 1
  return [marked.slice(0, index) + marked.slice(index + 1), { line, column }]
}

function complete(marked: string): CompletionResult {
  const [text, position] = at(marked)
  return completeAt(text, position)
}

const labels = (r: CompletionResult): string[] => r.items.map((i) => i.label)

describe('completeAt: table headers', () => {
  it('offers the tables the schema allows, with a placeholder for a new service', () => {
    const r = complete('[|')
    expect(labels(r)).toEqual(
      expect.arrayContaining(['deployment', 'services.<name>', 'plugins.file', 'plugins.queue']),
    )
    // Maps of tables are never offered bare: `[services]` alone says nothing.
    expect(labels(r)).not.toContain('services')
    expect(labels(r)).not.toContain('plugins')
    const service = r.items.find((i) => i.label === 'services.<name>')
    expect(service).toMatchObject({ snippet: true, insertText: 'services.${1:name}]' })
    expect(service?.documentation).toContain('One microservice')
    expect(r.startColumn).toBe(2)
    expect(r.endColumn).toBe(2)
  })

  it('fills in the services the document already has, and leaves out written tables', () => {
    const r = complete('[deployment]\nname = "x"\n[services.api]\nwasm = "a.wasm"\n[serv|]')
    expect(labels(r)).toContain('services.api.env')
    expect(labels(r)).toContain('services.api.plugin.<name>')
    expect(labels(r)).not.toContain('deployment')
    // The closing bracket is already there: the insertion does not add another.
    expect(r.items.find((i) => i.label === 'services.api.env')?.insertText).toBe('services.api.env')
    expect(r.startColumn).toBe(2)
    expect(r.endColumn).toBe(6)
  })

  it('closes an array-of-tables header with ]]', () => {
    const r = complete('[[|')
    expect(r.items.find((i) => i.label === 'deployment')?.insertText).toBe('deployment]]')
    expect(r.startColumn).toBe(3)
  })
})

describe('completeAt: keys', () => {
  it('offers the keys of the current table with their descriptions, minus those written', () => {
    const r = complete('[services.api]\nwasm = "a.wasm"\n|\nargs = []\n[plugins.file]\n')
    expect(labels(r).sort()).toEqual([
      '[services.api.plugin.<name>]',
      'env',
      'host',
      'memory_limit_mb',
      'plugins',
      'role',
      'worker',
    ])
    const role = r.items.find((i) => i.label === 'role')
    expect(role?.kind).toBe('key')
    expect(role?.insertText).toBe('role = "${1|server,main,test|}"')
    expect(role?.detail).toBe('string, one of "server" | "main" | "test" (default "server")')
    expect(role?.documentation).toContain('What the runner does with the service')
    // A map of tables becomes a header with a name placeholder, not an inline table.
    expect(r.items.find((i) => i.label.startsWith('[services.api.plugin'))?.insertText).toBe(
      '[services.api.plugin.${1:name}]\n$0',
    )
  })

  it('gives typed snippets: integers start at their default, arrays of enums offer a choice', () => {
    const d = complete('[deployment]\n  call|')
    const call = d.items.find((i) => i.label === 'call_timeout_ms')
    expect(call?.insertText).toBe('call_timeout_ms = ${1:3000}')
    expect(call?.detail).toBe('integer, 1..3600000 (default 3000)')
    expect(d.startColumn).toBe(3)
    expect(d.endColumn).toBe(7)
    const s = complete('[services.api]\n|')
    expect(s.items.find((i) => i.label === 'plugins')?.insertText).toBe(
      'plugins = ["${1|file,queue|}"]',
    )
  })

  it('at the root offers tables as headers', () => {
    const r = complete('# my deployment\n|')
    expect(labels(r)).toEqual(
      expect.arrayContaining(['[deployment]', '[services.<name>]', '[plugins]']),
    )
    expect(r.items.find((i) => i.label === '[services.<name>]')?.insertText).toBe(
      '[services.${1:name}]\n$0',
    )
  })

  it('follows dotted keys into sub-tables', () => {
    const r = complete('deployment.log|')
    expect(labels(r)).toContain('log_level')
    expect(r.items.find((i) => i.label === 'log_level')?.insertText).toBe(
      'deployment.log_level = "${1|debug,info,warn,error|}"',
    )
  })

  it('offers nothing where names are free or the table is unknown', () => {
    expect(complete('[services.api.env]\n|').items).toEqual([])
    // A plugin's settings are its own; the queue's one key the schema knows is its backend.
    expect(complete('[plugins.queue]\n|').items.map((i) => i.label)).toEqual(['backend'])
    expect(complete('[nonsense]\n|').items).toEqual([])
    expect(complete('# a comment |').items).toEqual([])
  })
})

describe('completeAt: values', () => {
  it('offers enum values, replacing an auto-closed quote', () => {
    const r = complete('[services.api]\nrole = "m|"')
    expect(labels(r)).toEqual(['"server"', '"main"', '"test"'])
    expect(r.items[0]?.detail).toBe('default')
    // Replaces `"m` and the closing quote after the cursor.
    expect(r.startColumn).toBe(8)
    expect(r.endColumn).toBe(11)
  })

  it('offers the enum values an array may still take', () => {
    const r = complete('[services.api]\nplugins = ["file", |')
    expect(labels(r)).toEqual(['"queue"'])
    expect(r.startColumn).toBe(20)
  })

  it('offers an integer default and nothing after a complete value', () => {
    expect(labels(complete('[deployment]\ninbound_queue = |'))).toEqual(['1024'])
    expect(complete('[services.api]\nrole = "main" |').items).toEqual([])
    expect(complete('[services.api]\nwasm = |').items).toEqual([])
  })
})

describe('hoverAt', () => {
  it('describes a key of a table', () => {
    const [text, pos] = at('[deployment]\nlaunch_ti|meout_ms = 5')
    const h = hoverAt(text, pos)
    expect(h?.key).toBe('deployment.launch_timeout_ms')
    expect(h?.markdown).toContain('How long a launched service may wait')
    expect(h?.markdown).toContain('integer')
    expect(h?.startColumn).toBe(1)
    expect(h?.endColumn).toBe(18)
  })

  it('describes each segment of a header, service names included', () => {
    const [text, pos] = at('[services.pro|ducer]')
    expect(hoverAt(text, pos)?.markdown).toContain('One microservice')
    const [text2, pos2] = at('[serv|ices.producer]')
    expect(hoverAt(text2, pos2)?.key).toBe('services')
    expect(hoverAt(text2, pos2)?.markdown).toContain('The microservices')
  })

  it('is silent on values, comments and unknown keys', () => {
    for (const marked of ['[deployment]\nname = "a|b"', '# na|me', '[deployment]\nbo|gus = 1']) {
      const [text, pos] = at(marked)
      expect(hoverAt(text, pos)).toBeUndefined()
    }
  })
})
