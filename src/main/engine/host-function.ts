import type { HostId } from '../../shared/id'
import type { GuestMemory } from './guest-memory'
import type { Logger } from './logger'

/** What a host function knows about the guest instance it was bound to. */
export interface GuestBinding {
  /** The service's name in the deployment (its deploy-config table). */
  readonly serviceName: string
  /** The host id the kernel assigned to this guest, once it has one. */
  readonly hostId: () => HostId | undefined
  readonly logger: Logger
  /** The guest's memory; only valid once instantiation has finished. */
  readonly memory: () => GuestMemory
}

/** A raw wasm import: numbers in; out, a number/bigint for the guest (or nothing). */
export type WasmImport = (...args: number[]) => unknown

/**
 * A host function as plugins register it: a factory, because each guest instance needs its own
 * closure over that guest's memory and identity.
 */
export interface HostFunctionDef {
  readonly module: string
  readonly name: string
  bind(guest: GuestBinding): WasmImport
}
