// `parigot serve --cluster URL --deployment NAME` against a real nats-server that wants a user
// and password: the Studio attaches with credentials from the environment or from the deploy
// config the hosts run, and a wrong or missing credential is refused naming the server.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileGuestFixture } from '../helpers/asc'
import { startNatsServer, type NatsServer } from '../helpers/nats-server'
import { runParigot, type ParigotRun } from '../helpers/parigot-cli'

const USER = { name: 'studio', password: 's3cret-pass' }
let nats: NatsServer
let dir: string

beforeAll(async () => {
  nats = await startNatsServer({ user: USER })
  dir = await mkdtemp(join(tmpdir(), 'parigot-serve-creds-'))
  await writeFile(join(dir, 'server.wasm'), await compileGuestFixture('test-server'))
}, 120_000)

afterAll(async () => {
  await nats?.stop()
})

/** Runs serve until it says where the Studio is (then interrupts it), or until it exits. */
function serve(args: string[], env: Record<string, string> = {}): Promise<ParigotRun> {
  return runParigot(['serve', '--port', '0', '--no-build', ...args], {
    env,
    onStdout: (text, kill) => {
      if (text.includes('Studio running at')) kill('SIGINT')
    },
  })
}

async function config(name: string, cluster: string, deployment = 'demo'): Promise<string> {
  const file = join(dir, `${name}.toml`)
  await writeFile(
    file,
    `[deployment]\nname = "${deployment}"\n[cluster]\n${cluster}\n` +
      `[services.echo]\nwasm = "server.wasm"\nhost = "a"\n`,
  )
  return file
}

describe('parigot serve --cluster: credentials', () => {
  it('attaches with user and password from PARIGOT_NATS_USER and PARIGOT_NATS_PASSWORD', async () => {
    const run = await serve(['--cluster', nats.url, '--deployment', 'demo'], {
      PARIGOT_NATS_USER: USER.name,
      PARIGOT_NATS_PASSWORD: USER.password,
    })
    expect(run.stdout).toMatch(/Studio running at http:\/\/127\.0\.0\.1:\d+\//)
    expect(run.stderr).toContain(`attached to deployment demo on ${nats.url}`)
    expect(run.code).toBe(0)
  }, 60_000)

  it('refuses a wrong password, naming the server', async () => {
    const run = await serve(['--cluster', nats.url, '--deployment', 'demo'], {
      PARIGOT_NATS_USER: USER.name,
      PARIGOT_NATS_PASSWORD: 'wrong',
    })
    expect(run.stdout).not.toContain('Studio running at')
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(nats.url.replace('nats://', ''))
    expect(run.stderr).toMatch(/authori[sz]ation/i)
  }, 60_000)

  it('refuses two ways to authenticate at once, and a password without a user', async () => {
    const both = await serve(['--cluster', nats.url, '--deployment', 'demo'], {
      PARIGOT_NATS_TOKEN: 't',
      PARIGOT_NATS_USER: USER.name,
    })
    expect(both.code).toBe(1)
    expect(both.stderr).toContain(
      'set one way to authenticate, not PARIGOT_NATS_TOKEN and PARIGOT_NATS_USER',
    )
    const lone = await serve(['--cluster', nats.url, '--deployment', 'demo'], {
      PARIGOT_NATS_PASSWORD: 'x',
    })
    expect(lone.code).toBe(1)
    expect(lone.stderr).toContain('PARIGOT_NATS_PASSWORD is set without PARIGOT_NATS_USER')
  }, 60_000)

  it("takes the credentials from the deploy config's [cluster] table, for its deployment only", async () => {
    const file = await config(
      'hosts',
      `nats = "nats://192.0.2.1:4222"\nuser = "${USER.name}"\npassword = "${USER.password}"`,
    )
    // The Studio reaches the server by the address given with --cluster, not the file's.
    const run = await serve([file, '--cluster', nats.url, '--deployment', 'demo'])
    expect(run.stderr).toContain(`attached to deployment demo on ${nats.url}`)
    expect(run.code).toBe(0)
    const other = await serve([file, '--cluster', nats.url, '--deployment', 'other'])
    expect(other.code).toBe(1)
    expect(other.stderr).toContain('describes deployment "demo", not "other"')
  }, 60_000)
})
