// The renderer's view of the preload bridge: failures that crossed Electron's context bridge as
// plain data come back as BridgeError with their code and field, as over the WebSocket.
import { describe, expect, it } from 'vitest'
import { BridgeError } from '../../src/shared/bridge/contract'
import type { StudioBridge } from '../../src/shared/bridge/contract'
import { asBridgeError, ipcBridge } from '../../src/renderer/src/bridge/ipc-bridge'

function preloadRejecting(reason: unknown): StudioBridge {
  return {
    transport: 'electron-ipc',
    call: () => Promise.reject(reason),
    on: () => () => {},
  }
}

describe('ipcBridge', () => {
  it('turns a plain rejection from the preload into a BridgeError', async () => {
    const bridge = ipcBridge(
      preloadRejecting({
        name: 'BridgeError',
        code: 'invalid-params',
        message: 'params.limit: expected an integer from 1 to 1000',
        field: 'params.limit',
      }),
    )
    const failure = await bridge
      .call('queue.peek', { queue: 'q', limit: 0 })
      .catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(BridgeError)
    expect(failure).toMatchObject({ code: 'invalid-params', field: 'params.limit' })
    expect((failure as Error).message).toContain('params.limit')
  })

  it('keeps real errors, and never shows [object Object] for unknown shapes', () => {
    const real = new Error('ipc channel closed')
    expect(asBridgeError(real)).toBe(real)
    expect(asBridgeError({ code: 'no-such-code', message: 'x' })).not.toBeInstanceOf(BridgeError)
    expect(asBridgeError({ code: 'no-such-code', message: 'x' }).message).not.toContain(
      '[object Object]',
    )
  })

  it('passes results and events through unchanged', async () => {
    let listened = ''
    const preload: StudioBridge = {
      transport: 'electron-ipc',
      call: () => Promise.resolve({ state: 'empty', errorCount: 0 }) as never,
      on: (event) => {
        listened = event
        return () => {}
      },
    }
    const bridge = ipcBridge(preload)
    expect(await bridge.call('deployment.status', {})).toEqual({ state: 'empty', errorCount: 0 })
    bridge.on('logs', () => {})
    expect(listened).toBe('logs')
    expect(bridge.transport).toBe('electron-ipc')
  })
})
