// The examples built on generated service code (examples/helloworld, examples/chain): their
// guests are compiled from source here, with the checked-in generated stubs, and run through the
// real `parigot run`. Success and error paths are told apart by logged lines and exit codes.

import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/asc'
import { buildExample } from '../helpers/examples'
import { runParigot } from '../helpers/parigot-cli'

const parigot = (args: string[]) => runParigot(args)

/** The lines a service logged, in order (the runner prefixes them with `[service] `). */
function linesOf(stdout: string, service: string): string[] {
  const prefix = `[${service}] `
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length))
}

/** A deploy config for helloworld whose main asks for `language`. */
async function helloworldWith(language: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parigot-hello-'))
  const build = join(REPO_ROOT, 'examples', 'helloworld', 'build')
  const file = join(dir, 'deploy.toml')
  await writeFile(
    file,
    [
      '[services.greet]',
      `wasm = ${JSON.stringify(join(build, 'greeting.wasm'))}`,
      '[services.helloworld]',
      `wasm = ${JSON.stringify(join(build, 'main.wasm'))}`,
      'role = "main"',
      `args = [${JSON.stringify(language)}]`,
      '',
    ].join('\n'),
  )
  return file
}

describe('examples built on generated services', () => {
  it('helloworld: the main locates the greeting service, calls it and logs the answer, exit 0', async () => {
    await buildExample('helloworld')
    const run = await parigot(['run', 'examples/helloworld/deploy.toml'])
    expect(run.stderr).toBe('')
    // The server's ready hook ran before the call reached it.
    expect(linesOf(run.stdout, 'greet')).toEqual(['greeting service launched successfully'])
    expect(linesOf(run.stdout, 'helloworld')).toEqual([
      'hello world launched successfully',
      'bonjour, world',
    ])
    expect(run.stdout).toContain('helloworld exited with code 0')
    expect(run.code).toBe(0)
  }, 90_000)

  it('helloworld: each language reaches the server as sent; an unknown one fails with its error code', async () => {
    await buildExample('helloworld')
    const german = await parigot(['run', await helloworldWith('german')])
    expect(linesOf(german.stdout, 'helloworld')).toContain('guten tag, world')
    expect(german.code).toBe(0)

    const klingon = await parigot(['run', await helloworldWith('klingon')])
    // The server's failed future reached the caller's failure handler as GreetErr.UnknownLang.
    expect(klingon.stdout + klingon.stderr).toContain(
      'failed to fetch greeting: error 4 (UnknownLang)',
    )
    expect(linesOf(klingon.stdout, 'helloworld')).not.toContain('bonjour, world')
    expect(klingon.code).toBe(1)
  }, 90_000)

  it('chain: a call waits on two more services; an unknown item comes back as an error the caller handles', async () => {
    await buildExample('chain')
    const run = await parigot(['run', 'examples/chain/deploy.toml'])
    expect(run.stderr).toBe('')
    // Each server's ready hook located what it requires (the kernel launches them in dependency
    // order; their log lines come from different threads, so their order is not asserted).
    expect(linesOf(run.stdout, 'store')).toEqual(['store: open'])
    expect(linesOf(run.stdout, 'checkout')).toEqual(['checkout: ready'])
    expect(linesOf(run.stdout, 'shopper')).toEqual([
      'shopper: 3 lines cost 350 cents',
      'shopper: durian refused with UnknownItem, as expected',
    ])
    // The store's NoSuchKey (4) was translated by the pricer before it reached the shopper.
    expect(linesOf(run.stdout, 'pricer')).toContain('pricer: the store has no durian (error 4)')
    expect(run.code).toBe(0)
  }, 120_000)
})
