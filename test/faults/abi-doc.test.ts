// docs/abi.md cannot drift: its complete WAT client (section 8) is taken from the document,
// assembled with wabt and run against the real helloworld greeting server.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/main/engine'
import { Supervisor } from '../../src/main/runner/supervisor'
import type { LogRecord } from '../../src/shared/log/log-record'
import { compileAssemblyScript, REPO_ROOT } from '../helpers/asc'
import { assembleWat } from '../helpers/wat'

const MARKER = '<!-- abi-client.wat: extracted and run by test/faults/abi-doc.test.ts -->'

async function docClient(): Promise<string> {
  const doc = await readFile(join(REPO_ROOT, 'docs', 'abi.md'), 'utf8')
  const at = doc.indexOf(MARKER)
  if (at < 0) throw new Error(`docs/abi.md has no "${MARKER}"`)
  const block = /```wat\n([\s\S]*?)\n```/.exec(doc.slice(at))
  if (block?.[1] === undefined) throw new Error('no ```wat block after the marker')
  return block[1]
}

let supervisor: Supervisor | undefined
afterEach(async () => {
  await supervisor?.stopAll(1000)
  supervisor?.close()
  supervisor = undefined
})

describe('docs/abi.md', () => {
  it('the same client with an undecodable request: the server names the method, the client sees the error', async () => {
    const wat = (await docClient()).replace(
      'FetchGreetingRequest\\12\\02\\08\\02"',
      'FetchGreetingRequest\\12\\02\\ff\\ff"',
    )
    expect(wat).toContain('\\12\\02\\ff\\ff"')
    const engine = createEngine()
    const client = await engine.compile(await assembleWat(wat, 'garbage.wat'), 'garbage.wat')
    const greeting = await engine.compile(
      await compileAssemblyScript('examples/helloworld/guest/greeting.ts'),
      'greeting.wasm',
    )
    const logs: LogRecord[] = []
    supervisor = new Supervisor({ logSink: (r) => logs.push(r) })
    await supervisor.start({ name: 'greet', compiled: greeting })
    const handle = await supervisor.start({ name: 'wat-client', compiled: client, program: true })
    // Step 6 of the client: the call resolved with an error.
    expect(await handle.ended).toEqual({ kind: 'exited', code: 6 })
    const text = logs.map((r) => `[${r.source}] ${r.message}`).join('\n')
    expect(text).toContain(
      '[greet] greeting.v1.greeting.FetchGreeting: param (2 bytes, type type.googleapis.com/greeting.v1.FetchGreetingRequest) is not a valid request; answered UnmarshalFailed',
    )
  }, 60_000)

  it('its WAT client of the greeting server assembles, runs and prints the greeting', async () => {
    const engine = createEngine()
    const client = await engine.compile(await assembleWat(await docClient(), 'abi.md'), 'abi.md')
    const greeting = await engine.compile(
      await compileAssemblyScript('examples/helloworld/guest/greeting.ts'),
      'greeting.wasm',
    )
    const logs: LogRecord[] = []
    supervisor = new Supervisor({ logSink: (r) => logs.push(r) })
    await supervisor.start({ name: 'greet', compiled: greeting })
    const handle = await supervisor.start({ name: 'wat-client', compiled: client, program: true })
    const ending = await handle.ended
    const text = logs.map((r) => `[${r.source}] ${r.message}`).join('\n')
    expect(ending, text).toEqual({ kind: 'exited', code: 0 })
    expect(text).toContain('[wat-client] bonjour, world')
  }, 60_000)
})
