// The span payload panel's line naming where a call's request and response come from.
import { describe, expect, it } from 'vitest'
import { payloadSource } from '../../src/renderer/src/panels/calls/payload-source'

describe('payloadSource', () => {
  it('names the host that served the call, in a Studio attached to a cluster', () => {
    expect(payloadSource({ host: 'warehouse' })).toEqual({
      captureOff: false,
      text: 'From host warehouse, which served this call.',
    })
    expect(payloadSource({ host: 'a', reason: 'not kept: ...' })?.text).toContain('host a')
  })

  it('says plainly that capture is off, on which host', () => {
    expect(payloadSource({ host: 'vault', captureOff: true, reason: 'x' })).toEqual({
      captureOff: true,
      text: 'Payload capture is off on host vault ([cluster] capture_payloads = false in its deploy config): it keeps no request or response.',
    })
    expect(payloadSource({ captureOff: true, reason: 'x' })?.text).toMatch(
      /^Payload capture is off in this deployment /,
    )
  })

  it('adds nothing for a run in one process that captures', () => {
    expect(payloadSource({})).toBeUndefined()
    expect(payloadSource({ reason: 'a trace file holds no requests or responses' })).toBeUndefined()
  })
})
