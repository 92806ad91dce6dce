// The test helper's nats-server is real: JetStream answers, and stop() removes its store.
import { existsSync } from 'node:fs'
import { connect } from '@nats-io/transport-node'
import { jetstreamManager } from '@nats-io/jetstream'
import { describe, expect, it } from 'vitest'
import { startNatsServer } from '../helpers/nats-server'

describe('startNatsServer', () => {
  it('starts nats-server with JetStream on a free loopback port, and stops it', async () => {
    const server = await startNatsServer()
    try {
      expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/)
      const nc = await connect({ servers: server.url })
      const jsm = await jetstreamManager(nc)
      const info = await jsm.getAccountInfo()
      expect(info.limits).toBeDefined()
      await nc.close()
    } finally {
      await server.stop()
    }
    expect(server.process.exitCode !== null || server.process.signalCode !== null).toBe(true)
    expect(existsSync(server.storeDir)).toBe(false)
  })

  it('refuses a client without the token when started with one', async () => {
    const server = await startNatsServer({ token: 'letmein' })
    try {
      await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(
        /Authorization/i,
      )
      const nc = await connect({ servers: server.url, token: 'letmein' })
      await nc.close()
    } finally {
      await server.stop()
    }
  })
})
