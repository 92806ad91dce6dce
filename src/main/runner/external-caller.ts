// Calls into a running deployment from outside any guest (the Studio's invoke form, `parigot
// call`): a host of the kernel with no worker, whose calls take the same path as a guest's
// dispatch_ (queues, timeouts, a callee's death, events), so the graph shows it as a caller.
import { create } from '@bufbuild/protobuf'
import type { Any } from '@bufbuild/protobuf/wkt'
import { IdRawSchema } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  DispatchRequestSchema,
  DispatchResponseSchema,
  KernelErr,
  ReadOneRequestSchema,
  ReadOneResponseSchema,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import { newCallId, toRaw } from '../../shared/id'
import type { HostId } from '../../shared/id'
import type { Kernel } from '../kernel/kernel'

/** How a call made from outside ended. */
export type ExternalCallResult =
  | { readonly kind: 'ok'; readonly result: Any | undefined }
  /** The service answered with an error code of its own. */
  | { readonly kind: 'error'; readonly code: number }
  /** The kernel failed the call (timeout, callee failed, no such service...): a KernelErr. */
  | { readonly kind: 'kernel'; readonly code: KernelErr; readonly name: string }

export class ExternalCaller {
  readonly host: HostId
  private readonly waiting = new Map<string, (result: ExternalCallResult) => void>()

  constructor(
    private readonly kernel: Kernel,
    name: string,
  ) {
    this.host = kernel.addHost(name)
  }

  /**
   * Calls `method` of the service `fullName` (`package.Service`) with `param`. Resolves when the
   * callee answers or the kernel gives up on the call (its call timeout at the latest).
   */
  call(fullName: string, method: string, param: Any): Promise<ExternalCallResult> {
    const dot = fullName.lastIndexOf('.')
    const services = this.kernel.serviceByName(fullName.slice(0, dot), fullName.slice(dot + 1))
    const target = services.find((s) => s.state === 'running') ?? services[0]
    if (target === undefined) return Promise.resolve(kernelFailure(KernelErr.NotFound))
    const methodId = target.methodsByName.get(method)
    if (methodId === undefined) return Promise.resolve(kernelFailure(KernelErr.NotFound))
    const callId = create(IdRawSchema, toRaw(newCallId()))
    const code = this.kernel.dispatch(
      this.host,
      create(DispatchRequestSchema, {
        serviceId: create(IdRawSchema, toRaw(target.id)),
        methodId: create(IdRawSchema, toRaw(methodId)),
        callId,
        param,
      }),
      create(DispatchResponseSchema),
    )
    if (code !== KernelErr.NoError) return Promise.resolve(kernelFailure(code))
    return new Promise((resolve) => {
      this.waiting.set(rawKey(callId), resolve)
      this.collect()
    })
  }

  /** The kernel woke this host: hand out every result it holds. */
  collect(): void {
    for (;;) {
      const resp = create(ReadOneResponseSchema)
      const code = this.kernel.readOne(this.host, create(ReadOneRequestSchema, {}), resp)
      const resolved = resp.resolved
      if (code !== KernelErr.NoError || resolved?.callId === undefined) return
      const key = rawKey(resolved.callId)
      const settle = this.waiting.get(key)
      this.waiting.delete(key)
      settle?.(
        resolved.kernelError !== KernelErr.NoError
          ? kernelFailure(resolved.kernelError)
          : resolved.resultError !== 0
            ? { kind: 'error', code: resolved.resultError }
            : { kind: 'ok', result: resolved.result },
      )
    }
  }
}

function kernelFailure(code: KernelErr): ExternalCallResult {
  return { kind: 'kernel', code, name: KernelErr[code] ?? `KernelErr ${code}` }
}

function rawKey(id: { high: bigint; low: bigint }): string {
  return `${id.high}:${id.low}`
}
