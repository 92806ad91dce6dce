// Which local services restart when a guest of another host runs a new instance: each once,
// whatever the deploy file's order. On a real kernel: host "front" runs checkout (requires the
// remote store.Store and the local pricer.Pricer) listed before pricer (requires store.Store).
// Restarting pricer takes checkout along, so restarting checkout on its own as well (what the
// file-order loop did when checkout came first) restarted it twice.
import { describe, expect, it } from 'vitest'
import type { ServiceConfig } from '../../src/shared/deploy-config/types'
import { dependentsOf, remoteDependentsToRestart } from '../../src/main/runner/deployment-modules'
import { KernelHarness } from '../kernel/kernel-driver'

const service = (name: string): ServiceConfig => ({
  name,
  wasm: `${name}.wasm`,
  role: 'server',
  args: [],
  env: {},
  plugins: [],
  host: 'front',
})

function front(order: readonly string[]) {
  const k = new KernelHarness()
  const checkout = k.guest('checkout')
  const pricer = k.guest('pricer')
  const audit = k.guest('audit')
  checkout.register('checkout.Checkout')
  pricer.register('pricer.Pricer')
  audit.register('audit.Audit')
  pricer.export('pricer.Pricer')
  checkout.export('checkout.Checkout')
  expect(pricer.require('store.Store')).toBe(0)
  expect(checkout.require('store.Store', 'pricer.Pricer')).toBe(0)
  // Requires nothing the store exports, nor anything that does: never restarted.
  expect(audit.require('ledger.Ledger')).toBe(0)
  return { kernel: k.kernel, services: order.map(service) }
}

/** Every restart one remote new instance causes: each chosen service with its dependents. */
function restartsOf(order: readonly string[]): string[] {
  const { kernel, services } = front(order)
  return remoteDependentsToRestart(kernel, services, () => true, new Set(['store.Store'])).flatMap(
    (s) => [s.name, ...dependentsOf(kernel, services, s).map((d) => d.name)],
  )
}

describe('remote dependents to restart', () => {
  it('a dependent listed before its dependency restarts once, with it', () => {
    expect(restartsOf(['checkout', 'pricer', 'audit']).sort()).toEqual(['checkout', 'pricer'])
  })

  it('the same when the dependency comes first', () => {
    expect(restartsOf(['pricer', 'checkout', 'audit']).sort()).toEqual(['checkout', 'pricer'])
  })

  it('a service that is not running is not restarted', () => {
    const { kernel, services } = front(['checkout', 'pricer'])
    const chosen = remoteDependentsToRestart(
      kernel,
      services,
      (name) => name !== 'pricer',
      new Set(['store.Store']),
    )
    expect(chosen.map((s) => s.name)).toEqual(['checkout'])
  })

  it('nothing requires what the new instance exports: nothing restarts', () => {
    const { kernel, services } = front(['checkout', 'pricer', 'audit'])
    expect(remoteDependentsToRestart(kernel, services, () => true, new Set(['x.Y']))).toEqual([])
  })
})
