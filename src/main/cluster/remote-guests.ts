/**
 * Guests of other hosts, entered into the local kernel as what they are: services of a host
 * (a worker-less kernel host named `<guest>@<host>`) that register, bind their methods, export,
 * require and launch as their registry entry says. So require, launch and locate keep their
 * semantics and messages across hosts (dependency order, cycles refused, `... waiting for X`),
 * and a call to such a service is queued on its stand-in like any call: the stand-in takes it
 * (`read_one_`), sends it over NATS (`RemoteCalls`), and answers it (`return_value_`) or fails it
 * with a typed kernel error.
 */
import { create } from '@bufbuild/protobuf'
import type { Any } from '@bufbuild/protobuf/wkt'
import { IdRawSchema } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  BindMethodRequestSchema,
  BindMethodResponseSchema,
  ExportRequestSchema,
  FullyQualifiedServiceSchema,
  KernelErr,
  LaunchRequestSchema,
  ReadOneRequestSchema,
  ReadOneResponseSchema,
  RegisterRequestSchema,
  RegisterResponseSchema,
  RequireRequestSchema,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import { formatId, fromRawChecked, LaunchMethod, newCallId, toRaw } from '../../shared/id'
import type { HostId } from '../../shared/id'
import type { Logger } from '../engine/logger'
import type { HostEnding } from '../kernel/kernel'
import type { KernelAccess } from './kernel-access'
import type { GuestEntry } from './registry-entry'

/** A call a stand-in took: what to send, and how to answer it. */
export interface TakenCall {
  readonly standIn: HostId
  readonly remoteHost: string
  readonly service: string
  readonly method: string
  readonly callId: { high: bigint; low: bigint }
  readonly callKey: string
  readonly param: Any | undefined
}

interface StandIn {
  readonly host: HostId
  readonly remoteHost: string
  readonly instance: string
  readonly incarnation: string
  /** Kernel service id per service name, once registered. */
  readonly services: Map<string, { id: { high: bigint; low: bigint }; launched: boolean }>
  ended: boolean
  /** Ended because its host went silent or left, not because the guest itself ended. */
  hostLost: boolean
}

const raw = (id: { high: bigint; low: bigint }) =>
  create(IdRawSchema, { high: id.high, low: id.low })
const plain = (id: { high: bigint; low: bigint }) => ({ high: id.high, low: id.low })

function fqs(name: string) {
  const dot = name.lastIndexOf('.')
  return create(FullyQualifiedServiceSchema, {
    packagePath: name.slice(0, dot),
    service: name.slice(dot + 1),
  })
}

export class RemoteGuests {
  /** By `<host>.<guest>`. */
  private readonly standIns = new Map<string, StandIn>()
  private readonly byHostKey = new Map<string, StandIn>()

  constructor(
    private readonly access: KernelAccess,
    private readonly logger: Logger,
    private readonly send: (call: TakenCall) => void,
    /**
     * A guest of another host came back as a new incarnation (restarted, started again, or its
     * host process replaced): the names it exported before, whose local requirers hold ids
     * located from the old one.
     */
    private readonly restarted: (guest: string, host: string, exports: string[]) => void = () => {},
  ) {}

  /** Is `host` one of the stand-ins (not a local guest)? */
  isStandIn(hostKey: string): boolean {
    return this.byHostKey.has(hostKey)
  }

  /** A guest's entry changed; `live`: its host's heartbeat (with that instance) is current. */
  update(entry: GuestEntry, live: boolean): void {
    const key = `${entry.host}.${entry.guest}`
    let standIn = this.standIns.get(key)
    let exportedBefore: string[] | undefined
    if (
      standIn !== undefined &&
      (standIn.instance !== entry.instance || standIn.incarnation !== entry.incarnation)
    ) {
      exportedBefore = this.exportsOf(standIn)
      this.end(standIn, {
        kind: 'failed',
        reason: `${entry.guest} on host ${entry.host} restarted`,
      })
      standIn = undefined
    }
    if (standIn?.ended) {
      // Its host's heartbeat lapsed (a paused process, a slow link) and came back with the same
      // instance: the guest ran on. It gets a new stand-in, and what requires it here restarts
      // (their bindings name the ended one), as after a restart.
      if (!(standIn.hostLost && live && entry.alive)) return
      exportedBefore = this.exportsOf(standIn)
      standIn = undefined
    }
    if (!live) return
    if (standIn === undefined) {
      const host = this.access.virtualHost(`${entry.guest}@${entry.host}`, () => this.drain(key))
      standIn = {
        host,
        remoteHost: entry.host,
        instance: entry.instance,
        incarnation: entry.incarnation,
        services: new Map(),
        ended: false,
        hostLost: false,
      }
      this.standIns.set(key, standIn)
      this.byHostKey.set(formatId(host), standIn)
    }
    this.mirror(standIn, entry)
    if (exportedBefore !== undefined && exportedBefore.length > 0 && entry.alive)
      this.restarted(entry.guest, entry.host, exportedBefore)
    if (!entry.alive) {
      const failed = entry.services.find((s) => s.state === 'failed')
      const exited = entry.services.find((s) => s.exitCode !== undefined)
      this.end(
        standIn,
        failed
          ? { kind: 'failed', reason: `on host ${entry.host}: ${failed.failure ?? 'failed'}` }
          : { kind: 'exited', code: exited?.exitCode ?? 0 },
      )
    }
    this.access.flush()
  }

  /** The guest's entry was deleted (its host stopped it or left). */
  remove(host: string, guest: string, why: string): void {
    const standIn = this.standIns.get(`${host}.${guest}`)
    if (standIn !== undefined) this.end(standIn, { kind: 'failed', reason: why })
  }

  /** Every stand-in of `host` ends: its callers get ServiceFailed at once. */
  hostGone(host: string, why: string): void {
    for (const standIn of this.standIns.values()) {
      if (standIn.remoteHost !== host || standIn.ended) continue
      standIn.hostLost = true
      this.end(standIn, { kind: 'failed', reason: why })
    }
  }

  private exportsOf(standIn: StandIn): string[] {
    const names = new Set<string>()
    for (const { id } of standIn.services.values()) {
      const sid = fromRawChecked('service', id)
      const record = sid.ok ? this.access.kernel.serviceById(sid.id) : undefined
      for (const name of record?.exports ?? []) names.add(name)
    }
    return [...names]
  }

  private end(standIn: StandIn, ending: HostEnding): void {
    if (standIn.ended) return
    standIn.ended = true
    this.access.kernel.hostEnded(standIn.host, ending)
    this.access.flush()
  }

  private mirror(standIn: StandIn, entry: GuestEntry): void {
    const { kernel } = this.access
    const host = standIn.host
    const where = `${entry.guest}@${entry.host}`
    for (const service of entry.services) {
      let known = standIn.services.get(service.name)
      if (known === undefined) {
        const resp = create(RegisterResponseSchema)
        const code = kernel.register(
          host,
          create(RegisterRequestSchema, { fqs: fqs(service.name) }),
          resp,
        )
        if (code !== KernelErr.NoError || resp.id === undefined) {
          this.logger.log(
            'warn',
            `${where}: ${service.name} not registered here: KernelErr ${KernelErr[code] ?? code}`,
          )
          continue
        }
        known = { id: plain(resp.id), launched: false }
        standIn.services.set(service.name, known)
      }
      const serviceId = raw(known.id)
      for (const methodName of service.methods) {
        kernel.bindMethod(
          host,
          create(BindMethodRequestSchema, { serviceId, methodName }),
          create(BindMethodResponseSchema),
        )
      }
      const sid = fromRawChecked('service', known.id)
      const record = sid.ok ? kernel.serviceById(sid.id) : undefined
      const newExports = service.exports.filter((n) => !record?.exports.has(n))
      if (newExports.length > 0) {
        const code = kernel.export(
          host,
          create(ExportRequestSchema, { serviceId, service: newExports.map(fqs) }),
        )
        if (code !== KernelErr.NoError)
          this.logger.log(
            'error',
            `${where}: exporting ${newExports.join(', ')} refused here: KernelErr ${KernelErr[code] ?? code}`,
          )
      }
      const newRequires = service.requires.filter((n) => !record?.requires.has(n))
      if (newRequires.length > 0) {
        const code = kernel.require(
          host,
          create(RequireRequestSchema, { source: serviceId, dest: newRequires.map(fqs) }),
        )
        if (code !== KernelErr.NoError)
          this.logger.log(
            'error',
            `${where}: requiring ${newRequires.join(', ')} refused here: KernelErr ${KernelErr[code] ?? code}`,
          )
      }
      if (service.state === 'running' && !known.launched) {
        known.launched = true
        kernel.launch(
          host,
          create(LaunchRequestSchema, {
            serviceId,
            callId: raw(toRaw(newCallId())),
            methodId: raw(toRaw(LaunchMethod)),
          }),
        )
      }
    }
  }

  /** The kernel woke a stand-in: send each call queued on it. */
  private drain(key: string): void {
    const standIn = this.standIns.get(key)
    if (standIn === undefined) return
    const { kernel } = this.access
    for (;;) {
      const resp = create(ReadOneResponseSchema)
      const code = kernel.readOne(standIn.host, create(ReadOneRequestSchema), resp)
      if (code !== KernelErr.NoError || resp.exit) return
      if (resp.call === undefined || resp.callId === undefined) continue // a launch completed
      const sid = resp.call.serviceId && fromRawChecked('service', resp.call.serviceId)
      const mid = resp.call.methodId && fromRawChecked('method', resp.call.methodId)
      const record = sid && sid.ok ? kernel.serviceById(sid.id) : undefined
      const method = mid && mid.ok ? record?.methodNamesByKey.get(formatId(mid.id)) : undefined
      const cid = fromRawChecked('call', resp.callId)
      const callKey = cid.ok ? formatId(cid.id) : 'invalid call id'
      if (record === undefined || method === undefined) {
        kernel.failTakenCall(
          standIn.host,
          resp.callId,
          KernelErr.NotFound,
          `call ${callKey} to ${key}: unknown service or method`,
        )
        continue
      }
      this.send({
        standIn: standIn.host,
        remoteHost: standIn.remoteHost,
        service: record.fullName,
        method,
        callId: plain(resp.callId),
        callKey,
        param: resp.param,
      })
    }
  }
}
