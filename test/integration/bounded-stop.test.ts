// Stopping is bounded whatever a guest is doing, even blocked inside a system call that no
// JavaScript can interrupt: the built CLI names the stuck guest and the process ends.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { TERMINATE_WAIT_MS } from '../../src/main/runner/supervisor'
import { runParigot } from '../helpers/parigot-cli'
import { assembleFixture, fixturePath } from '../helpers/wat'

let dir: string
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parigot-bounded-stop-'))
  execFileSync('mkfifo', [join(dir, 'never-written')])
  writeFileSync(join(dir, 'blocking.wasm'), await assembleFixture('blocking-guest'))
  writeFileSync(
    join(dir, 'deploy.toml'),
    [
      '[deployment]',
      'name = "stuck"',
      'stop_grace_ms = 300',
      '',
      '[services.stuck]',
      'wasm = "blocking.wasm"',
      'role = "main"',
      '',
      '[services.stuck.plugin.blocker]',
      `path = "${fixturePath('plugins/blocking-plugin.mjs')}"`,
      'symbol = "BlockingPlugin"',
      `settings = { fifo = "${join(dir, 'never-written')}" }`,
      '',
    ].join('\n'),
  )
}, 60_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('SIGTERM ends a run whose guest is blocked in a system call, naming it', async () => {
  let signalledAt = 0
  const result = await runParigot(['run', join(dir, 'deploy.toml')], {
    onStdout(text, kill) {
      if (signalledAt === 0 && text.includes('blocking on')) {
        signalledAt = Date.now()
        kill('SIGTERM')
      }
    },
  })
  const took = Date.now() - signalledAt
  expect(signalledAt, result.stdout + result.stderr).toBeGreaterThan(0)
  // stop_grace_ms, then TERMINATE_WAIT_MS for the thread to end, then the kill.
  expect(took).toBeLessThan(300 + TERMINATE_WAIT_MS + 3000)
  expect(result.stdout + result.stderr).toMatch(
    new RegExp(`stuck \\(thread \\d+\\) did not end within ${TERMINATE_WAIT_MS} ms`),
  )
  expect(result.stderr).toMatch(
    /guest threads blocked in system calls: stuck \(thread \d+\); ending the process with SIGKILL/,
  )
  expect(result.signal).toBe('SIGKILL')
}, 30_000)
