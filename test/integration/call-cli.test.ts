// `parigot call` with the built CLI on the helloworld example: the request goes through the
// kernel to the real greeting guest; the method's types come from the parigot.descriptors
// section that the example build embeds in each .wasm.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileGuestFixture } from '../helpers/asc'
import { buildExample } from '../helpers/examples'
import { runParigot } from '../helpers/parigot-cli'

const METHOD = 'greeting.v1.Greeting.FetchGreeting'

describe('parigot call', () => {
  let helloworld: string
  let bare: string
  beforeAll(async () => {
    helloworld = await buildExample('helloworld')
    bare = mkdtempSync(join(tmpdir(), 'parigot-call-'))
    writeFileSync(join(bare, 'server.wasm'), await compileGuestFixture('test-server'))
    writeFileSync(join(bare, 'deploy.toml'), '[services.echo]\nwasm = "server.wasm"\n')
  }, 120_000)
  afterAll(() => rmSync(bare, { recursive: true, force: true }))

  it('prints the JSON answer of a good call and exits 0', async () => {
    const run = await runParigot(['call', helloworld, METHOD, '{"tongue":"French"}'])
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({ greeting: 'bonjour' })
    // Guest logs go to stderr, so stdout is only the answer.
    expect(run.stderr).toContain('[greet] greeting service launched successfully')
  })

  it('names the error a service answers with, on stderr, and exits 1', async () => {
    const run = await runParigot(['call', helloworld, METHOD, '{"tongue":"Unspecified"}'])
    expect(run.stderr).toContain(`${METHOD} answered GreetErr.UnknownLang (4)`)
    expect(run.stdout).toBe('')
    expect(run.code).toBe(1)
  })

  it('refuses a request that does not fit the input type, naming the field, before starting anything', async () => {
    const run = await runParigot(['call', helloworld, METHOD, '{"tongue":"Klingon"}'])
    expect(run.stderr).toMatch(
      /does not fit greeting\.v1\.FetchGreetingRequest: .*greeting\.v1\.Tongue.*"Klingon"/,
    )
    expect(run.stderr).not.toContain('[greet]')
    expect(run.code).toBe(2)
    const unknown = await runParigot(['call', helloworld, 'greeting.v1.Greeting.Nope'])
    expect(unknown.stderr).toContain(
      'greeting.v1.Greeting has no method "Nope" (it has: FetchGreeting)',
    )
    expect(unknown.code).toBe(2)
  })

  it('--list prints every callable method, and says which guests carry no descriptors', async () => {
    const listed = await runParigot(['call', helloworld, '--list'])
    expect(listed.code).toBe(0)
    expect(listed.stdout.trim().split('\n')).toEqual([
      `${METHOD}(greeting.v1.FetchGreetingRequest) returns (greeting.v1.FetchGreetingResponse)`,
    ])
    const none = await runParigot(['call', join(bare, 'deploy.toml'), '--list'])
    expect(none.code).toBe(0)
    expect(none.stdout).toBe('')
    expect(none.stderr).toContain('echo: its .wasm has no parigot.descriptors section')
  })
})
