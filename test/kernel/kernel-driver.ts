import { create } from '@bufbuild/protobuf'
import { anyPack, StringValueSchema, anyUnpack } from '@bufbuild/protobuf/wkt'
import type { Any } from '@bufbuild/protobuf/wkt'
import { createMemoryLogger } from '../../src/main/engine'
import { Kernel } from '../../src/main/kernel/kernel'
import type { KernelLimits } from '../../src/main/kernel/limits'
import type { BookedDirectCall } from '../../src/main/kernel/kernel'
import type { KernelEvent } from '../../src/shared/events/kernel-events'
import { IdRawSchema } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { IdRaw } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  BindMethodRequestSchema,
  BindMethodResponseSchema,
  DispatchRequestSchema,
  DispatchResponseSchema,
  ExitRequestSchema,
  ExitResponseSchema,
  ExportRequestSchema,
  FullyQualifiedServiceSchema,
  KernelErr,
  LaunchRequestSchema,
  LocateRequestSchema,
  LocateResponseSchema,
  ReadOneRequestSchema,
  ReadOneResponseSchema,
  RegisterRequestSchema,
  RegisterResponseSchema,
  RequireRequestSchema,
  ReturnValueRequestSchema,
} from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import type { ReadOneResponse } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import { ExitMethod, LaunchMethod, newCallId, toRaw } from '../../src/shared/id'
import type { HostId } from '../../src/shared/id'

export const raw = (id: Parameters<typeof toRaw>[0]): IdRaw => create(IdRawSchema, toRaw(id))
export const fqs = (name: string) => {
  const dot = name.lastIndexOf('.')
  return create(FullyQualifiedServiceSchema, {
    packagePath: name.slice(0, dot),
    service: name.slice(dot + 1),
  })
}
export const text = (value: string): Any =>
  anyPack(StringValueSchema, create(StringValueSchema, { value }))
export const untext = (any: Any | undefined): string | undefined =>
  any === undefined ? undefined : anyUnpack(any, StringValueSchema)?.value

/** A kernel with a fake clock and an event log, as the tests drive it. */
export class KernelHarness {
  nowMs = 1_000
  readonly events: KernelEvent[] = []
  readonly woken: string[] = []
  readonly log = createMemoryLogger('test')
  readonly kernel: Kernel

  /** `listening` false: no event listener (the kernel then makes no call events). */
  constructor(
    limits: Partial<KernelLimits> = {},
    random = () => 0,
    listening = true,
    /** Given: direct calls booked whole go here, as for a traced deployment. */
    completed?: BookedDirectCall[],
  ) {
    this.kernel = new Kernel({
      now: () => this.nowMs,
      logger: this.log.logger,
      limits,
      random,
      ...(listening ? { onEvent: (e: KernelEvent) => void this.events.push(e) } : {}),
      ...(completed ? { onCallCompleted: (c: BookedDirectCall) => void completed.push(c) } : {}),
      onWake: (h) => this.woken.push(h.high.toString(16)),
    })
  }

  guest(name: string): GuestDriver {
    return new GuestDriver(this.kernel, this.kernel.addHost(name), name)
  }

  advance(ms: number): void {
    this.nowMs += ms
    this.kernel.tick()
  }

  logText(): string {
    return this.log.records.map((r) => r.message).join('\n')
  }
}

/** Issues syscalls as one guest (one host) would, with real request/response messages. */
export class GuestDriver {
  serviceId: IdRaw | undefined

  constructor(
    readonly kernel: Kernel,
    readonly host: HostId,
    readonly name: string,
  ) {}

  register(name: string): { code: KernelErr; id?: IdRaw; existed?: boolean } {
    const resp = create(RegisterResponseSchema)
    const code = this.kernel.register(
      this.host,
      create(RegisterRequestSchema, { fqs: fqs(name) }),
      resp,
    )
    if (code === KernelErr.NoError) this.serviceId ??= resp.id
    return { code, ...(resp.id ? { id: resp.id } : {}), existed: resp.existedPreviously }
  }

  export(...names: string[]): KernelErr {
    return this.kernel.export(
      this.host,
      create(ExportRequestSchema, { serviceId: this.serviceId, service: names.map(fqs) }),
    )
  }

  require(...names: string[]): KernelErr {
    return this.kernel.require(
      this.host,
      create(RequireRequestSchema, { source: this.serviceId, dest: names.map(fqs) }),
    )
  }

  bind(method: string): { code: KernelErr; id?: IdRaw } {
    const resp = create(BindMethodResponseSchema)
    const code = this.kernel.bindMethod(
      this.host,
      create(BindMethodRequestSchema, { serviceId: this.serviceId, methodName: method }),
      resp,
    )
    return { code, ...(resp.methodId ? { id: resp.methodId } : {}) }
  }

  launch(callId: IdRaw = raw(newCallId())): { code: KernelErr; callId: IdRaw } {
    const code = this.kernel.launch(
      this.host,
      create(LaunchRequestSchema, {
        serviceId: this.serviceId,
        callId,
        methodId: raw(LaunchMethod),
      }),
    )
    return { code, callId }
  }

  /** A server's whole start-up: register, export, bind, launch. */
  serve(name: string, methods: string[] = ['Call'], requires: string[] = []): IdRaw {
    this.register(name)
    this.export(name)
    if (requires.length > 0) this.require(...requires)
    for (const m of methods) this.bind(m)
    return this.launch().callId
  }

  locate(name: string, calledBy: IdRaw | undefined = this.serviceId) {
    const resp = create(LocateResponseSchema)
    const dot = name.lastIndexOf('.')
    const code = this.kernel.locate(
      this.host,
      create(LocateRequestSchema, {
        packageName: name.slice(0, dot),
        serviceName: name.slice(dot + 1),
        calledBy,
      }),
      resp,
    )
    return { code, resp }
  }

  dispatch(service: IdRaw, method: IdRaw, param: Any | undefined, callId = raw(newCallId())) {
    const resp = create(DispatchResponseSchema)
    const code = this.kernel.dispatch(
      this.host,
      create(DispatchRequestSchema, { serviceId: service, methodId: method, param, callId }),
      resp,
    )
    return { code, callId, resp }
  }

  returnValue(callId: IdRaw | undefined, result?: Any, resultError = 0): KernelErr {
    return this.kernel.returnValue(
      this.host,
      create(ReturnValueRequestSchema, { callId, result, resultError }),
    )
  }

  readOne(): { code: KernelErr | 'empty'; resp: ReadOneResponse } {
    const resp = create(ReadOneResponseSchema)
    const code = this.kernel.readOne(this.host, create(ReadOneRequestSchema, {}), resp)
    return { code, resp }
  }

  exit(code: number) {
    const resp = create(ExitResponseSchema)
    const err = this.kernel.exit(
      this.host,
      create(ExitRequestSchema, {
        pair: { serviceId: this.serviceId, code },
        callId: raw(newCallId()),
        methodId: raw(ExitMethod),
      }),
      resp,
    )
    return { err, resp }
  }

  /** True when a launch result for `callId` is waiting, without consuming other events. */
  hasLaunched(callId: IdRaw): boolean {
    const host = this.kernel.hostById(this.host)
    return (
      host?.ready.some(
        (r) => r.callId.high === callId.high && r.callId.low === callId.low && r.resultError === 0,
      ) ?? false
    )
  }
}
