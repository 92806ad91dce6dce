// The deployment badge derives from the engine's status, the services and the connection.
import { describe, expect, it } from 'vitest'
import type { DeploymentStatus, ServiceGraph, ServiceNode } from '../../src/shared/bridge/contract'
import { deriveBadge } from '../../src/renderer/src/lib/badge'

const node = (
  name: string,
  state: ServiceNode['state'],
  extra: Partial<ServiceNode> = {},
): ServiceNode => ({
  name,
  role: 'server',
  state,
  registered: [],
  exports: [],
  requires: [],
  unmet: [],
  ...extra,
})
const graph = (...nodes: ServiceNode[]): ServiceGraph => ({ nodes, edges: [] })
const status = (
  state: DeploymentStatus['state'],
  extra: Partial<DeploymentStatus> = {},
): DeploymentStatus => ({
  state,
  errorCount: 0,
  ...extra,
})

describe('deriveBadge', () => {
  it('is disconnected whatever the last status said, once the engine is gone', () => {
    expect(deriveBadge(status('running'), graph(node('a', 'running')), false).state).toBe(
      'disconnected',
    )
  })

  it('running, degraded with the count of failed services, starting while all wait', () => {
    expect(
      deriveBadge(status('running'), graph(node('a', 'running'), node('b', 'running')), true).state,
    ).toBe('running')
    const degraded = deriveBadge(
      status('running'),
      graph(node('a', 'running'), node('b', 'failed')),
      true,
    )
    expect(degraded).toMatchObject({ state: 'degraded', text: 'degraded (1 failed)' })
    expect(degraded.detail).toContain('b failed')
    expect(deriveBadge(status('running'), graph(node('a', 'waiting')), true).state).toBe('starting')
  })

  it('exited with the code, or failed, once every service has ended in watch mode', () => {
    const ended = graph(
      node('srv', 'exited', { exitCode: 0 }),
      node('main', 'exited', { role: 'main', exitCode: 3 }),
    )
    expect(deriveBadge(status('running'), ended, true)).toMatchObject({
      state: 'exited',
      text: 'exited (code 3)',
    })
    const crashed = graph(
      node('srv', 'failed'),
      node('main', 'exited', { role: 'main', exitCode: 0 }),
    )
    expect(deriveBadge(status('running'), crashed, true).state).toBe('failed')
    expect(deriveBadge(status('exited', { exitCode: 2 }), ended, true)).toMatchObject({
      state: 'failed',
      text: 'exited (code 2)',
    })
    expect(
      deriveBadge(status('exited', { exitCode: 0 }), graph(node('m', 'exited')), true).state,
    ).toBe('exited')
  })

  it('passes the engine’s own states through: stopped, failed with its message, ready', () => {
    expect(deriveBadge(status('stopped'), graph(), true).state).toBe('stopped')
    expect(
      deriveBadge(status('failed', { message: 'a module did not compile' }), graph(), true),
    ).toMatchObject({
      state: 'failed',
      detail: 'a module did not compile',
    })
    expect(deriveBadge(status('ready'), graph(node('a', 'not-started')), true).state).toBe('ready')
  })
})
