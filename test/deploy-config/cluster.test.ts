// `[cluster]` and `services.<name>.host`: a deployment split over hosts that meet on NATS.
import { describe, expect, it } from 'vitest'
import { schemaAt } from '../../src/shared/deploy-config/schema'
import { diagnose, parseText, SERVICE } from './helpers'

describe('[cluster]', () => {
  it('is absent by default: one process, no NATS', () => {
    const { config } = parseText(SERVICE)
    expect(config?.cluster).toBeUndefined()
    expect(config?.services[0]?.host).toBeUndefined()
  })

  it('reads the server, credentials and TLS files (resolved against the file folder)', () => {
    const { config, diagnostics } = parseText(
      `[cluster]\nnats = "tls://nats.example.com:4222"\ncreds = "secrets/app.creds"\nrequire_credentials = true\n` +
        `[cluster.tls]\nca_file = "tls/ca.pem"\ncert_file = "/etc/c.pem"\nkey_file = "k.pem"\n` +
        `${SERVICE}host = "db"\n`,
    )
    expect(diagnostics).toEqual([])
    expect(config?.cluster).toEqual({
      nats: 'tls://nats.example.com:4222',
      creds: '/project/app/secrets/app.creds',
      requireCredentials: true,
      capturePayloads: true,
      tls: {
        caFile: '/project/app/tls/ca.pem',
        certFile: '/etc/c.pem',
        keyFile: '/project/app/k.pem',
        handshakeFirst: false,
      },
    })
    expect(config?.services[0]?.host).toBe('db')
  })

  it('accepts a token, or a user with a password', () => {
    expect(
      parseText(`[cluster]\nnats = "nats://127.0.0.1:4222"\ntoken = "s3cret"\n${SERVICE}`).config
        ?.cluster,
    ).toEqual({
      nats: 'nats://127.0.0.1:4222',
      token: 's3cret',
      requireCredentials: false,
      capturePayloads: true,
    })
    expect(
      parseText(`[cluster]\nnats = "nats://[::1]"\nuser = "a"\npassword = "b"\n${SERVICE}`).config
        ?.cluster,
    ).toEqual({
      nats: 'nats://[::1]',
      user: 'a',
      password: 'b',
      requireCredentials: false,
      capturePayloads: true,
    })
  })

  it('capture_payloads: on unless set to false, a boolean named at its place when wrong', () => {
    const capture = (line: string) =>
      parseText(`[cluster]\nnats = "nats://a:1"\n${line}${SERVICE}`).config?.cluster
        ?.capturePayloads
    expect(capture('')).toBe(true)
    expect(capture('capture_payloads = true\n')).toBe(true)
    expect(capture('capture_payloads = false\n')).toBe(false)
    expect(diagnose(`[cluster]\nnats = "nats://a:1"\ncapture_payloads = "no"\n${SERVICE}`)).toEqual(
      [expect.stringMatching(/^3:20 error \[cluster\.capture_payloads\] .*boolean/)],
    )
    expect(
      diagnose(`[cluster]\nnats = "nats://a:1"\ncapture_payload = false\n${SERVICE}`)[0],
    ).toMatch(/^3:1 error \[cluster\.capture_payload\] unknown key `capture_payload`/)
  })

  it('names each wrong key at its place', () => {
    const missing = diagnose(`[cluster]\ntoken = "x"\n${SERVICE}`)
    expect(missing).toHaveLength(1)
    expect(missing[0]).toMatch(/^1:\d+ error \[cluster(\.nats)?\] missing required key `nats`/)
    const bad = diagnose(`[cluster]\nnats = "http://user:pw@x/"\n${SERVICE}`)
    expect(bad).toHaveLength(1)
    expect(bad[0]).toMatch(/^2:8 error \[cluster\.nats\] .*must be `nats:\/\/HOST:PORT`/)
    expect(diagnose(`[cluster]\nnats = "nats://a:1"\nuser = "u"\n${SERVICE}`)[0]).toMatch(
      /\[cluster\.user\].*password/,
    )
    expect(diagnose(`[cluster]\nnats = "nats://a:1"\nport = 4222\n${SERVICE}`)[0]).toMatch(
      /^3:1 error \[cluster\.port\] unknown key `port`/,
    )
    expect(diagnose(`${SERVICE}host = "two words"\n`)[0]).toMatch(
      /^3:8 error \[services\.greeting\.host\]/,
    )
  })

  it('refuses two ways of authenticating, and require_credentials without any', () => {
    expect(
      diagnose(`[cluster]\nnats = "nats://a:1"\ntoken = "t"\ncreds = "c.creds"\n${SERVICE}`),
    ).toEqual([
      '4:1 error [cluster.creds] `cluster.token` and `cluster.creds` are two ways of authenticating to NATS: keep one (`token`, `user` + `password`, or `creds`)',
    ])
    expect(
      diagnose(`[cluster]\nnats = "nats://a:1"\nrequire_credentials = true\n${SERVICE}`),
    ).toEqual([
      '3:23 error [cluster.require_credentials] `cluster.require_credentials` is true but no credentials are given: set `token`, `user` + `password`, or `creds`',
    ])
  })

  it('[plugins.queue] backend: sqlite or jetstream, and jetstream needs [cluster]', () => {
    const QUEUE_USER = `${SERVICE}plugins = ["queue"]\n`
    const jetstream = `[plugins.queue]\nbackend = "jetstream"\n`
    expect(diagnose(`[cluster]\nnats = "nats://a:1"\n${jetstream}${QUEUE_USER}`)).toEqual([])
    expect(diagnose(`${jetstream}${QUEUE_USER}`)).toEqual([
      '2:11 error [plugins.queue.backend] `plugins.queue.backend` is "jetstream" but there is no `[cluster]` table: its `nats` server keeps the queues',
    ])
    expect(diagnose(`[plugins.queue]\nbackend = "kafka"\n${QUEUE_USER}`)[0]).toMatch(
      /^2:11 error \[plugins\.queue\.backend\] .*sqlite.*jetstream/,
    )
    // The other queue settings stay the plugin's to check.
    expect(diagnose(`[plugins.queue]\nsynchronous = "FULL"\n${QUEUE_USER}`)).toEqual([])
    expect(schemaAt(['plugins', 'queue', 'backend'])?.default).toBe('sqlite')
  })

  it('is described for hover and completion', () => {
    expect(schemaAt(['cluster', 'nats'])?.examples).toEqual(['nats://127.0.0.1:4222'])
    expect(schemaAt(['services', 'x', 'host'])?.default).toBe('local')
    expect(schemaAt(['cluster', 'tls', 'ca_file'])?.type).toBe('string')
  })
})
