import type { DescMessage, MessageShape } from '@bufbuild/protobuf'
import {
  BindMethodRequestSchema,
  BindMethodResponseSchema,
  BlockUntilCallRequestSchema,
  BlockUntilCallResponseSchema,
  DispatchRequestSchema,
  DispatchResponseSchema,
  ExitRequestSchema,
  ExitResponseSchema,
  ExportRequestSchema,
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
  SynchronousExitRequestSchema,
  SynchronousExitResponseSchema,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import type { HostId } from '../../shared/id'
import type { Kernel } from './kernel'
import { SYSCALL_ABI } from './syscall-abi'

/** A syscall that found nothing to answer yet and may wait (read_one_, block_until_call_). */
export const PARK = 'park' as const

export interface SyscallEntry<Req extends DescMessage = DescMessage> {
  readonly name: string
  readonly request: Req
  readonly response: DescMessage | undefined
  /** `final` is true when a parked call's wait is over: answer now, even if with a timeout. */
  readonly handle: (
    kernel: Kernel,
    caller: HostId,
    request: MessageShape<Req>,
    response: MessageShape<DescMessage> | undefined,
    final: boolean,
  ) => KernelErr | typeof PARK
  /** How long a parked call may wait, from its request (ms; undefined = until woken). */
  readonly waitMs?: (
    request: MessageShape<Req>,
    defaults: { callTimeoutMs: number },
  ) => number | undefined
}

function entry<Req extends DescMessage, Res extends DescMessage | undefined>(
  name: string,
  request: Req,
  response: Res,
  handle: (
    kernel: Kernel,
    caller: HostId,
    request: MessageShape<Req>,
    response: Res extends DescMessage ? MessageShape<Res> : undefined,
    final: boolean,
  ) => KernelErr | typeof PARK,
  waitMs?: SyscallEntry<Req>['waitMs'],
): SyscallEntry {
  return {
    name,
    request,
    response,
    handle,
    ...(waitMs ? { waitMs } : {}),
  } as unknown as SyscallEntry
}

/**
 * Every function of import module `parigot`, in the order of SYSCALL_ABI (the index is what
 * crosses the worker channel), with its messages and its handler.
 */
export const SYSCALLS: readonly SyscallEntry[] = [
  entry('register_', RegisterRequestSchema, RegisterResponseSchema, (k, h, req, resp) =>
    k.register(h, req, resp),
  ),
  entry('export_', ExportRequestSchema, undefined, (k, h, req) => k.export(h, req)),
  entry('require_', RequireRequestSchema, undefined, (k, h, req) => k.require(h, req)),
  entry('bind_method_', BindMethodRequestSchema, BindMethodResponseSchema, (k, h, req, resp) =>
    k.bindMethod(h, req, resp),
  ),
  entry('launch_', LaunchRequestSchema, undefined, (k, h, req) => k.launch(h, req)),
  entry('locate_', LocateRequestSchema, LocateResponseSchema, (k, h, req, resp) =>
    k.locate(h, req, resp),
  ),
  entry('dispatch_', DispatchRequestSchema, DispatchResponseSchema, (k, h, req, resp) =>
    k.dispatch(h, req, resp),
  ),
  entry('return_value_', ReturnValueRequestSchema, undefined, (k, h, req) => k.returnValue(h, req)),
  entry(
    'read_one_',
    ReadOneRequestSchema,
    ReadOneResponseSchema,
    (k, h, req, resp, final) => {
      const code = k.readOne(h, req, resp)
      if (code !== 'empty') return code
      // Nothing yet: wait unless this was a poll (timeout 0) or the wait is over.
      return final || req.timeoutInMillis === 0 ? KernelErr.NoError : PARK
    },
    (req) => (req.timeoutInMillis < 0 ? undefined : req.timeoutInMillis),
  ),
  entry('exit_', ExitRequestSchema, ExitResponseSchema, (k, h, req, resp) => k.exit(h, req, resp)),
  entry(
    'synchronous_exit_',
    SynchronousExitRequestSchema,
    SynchronousExitResponseSchema,
    (k, h, req, resp) => k.synchronousExit(h, req, resp),
  ),
  entry(
    'block_until_call_',
    BlockUntilCallRequestSchema,
    BlockUntilCallResponseSchema,
    (k, h, _req, resp, final) => {
      if (k.hasEvent(h)) return KernelErr.NoError
      if (!final) return PARK
      resp.timedOut = true
      return KernelErr.NoError
    },
    (req, defaults) => (req.canTimeout ? defaults.callTimeoutMs : undefined),
  ),
]

// Guest workers number and answer syscalls by SYSCALL_ABI: a table that strays from it is a bug
// that would misroute every call, so it stops the kernel from loading at all.
if (
  SYSCALLS.length !== SYSCALL_ABI.length ||
  SYSCALLS.some(
    (s, i) =>
      SYSCALL_ABI[i]?.name !== s.name || SYSCALL_ABI[i]?.answers !== (s.response !== undefined),
  )
) {
  throw new Error('internal: the syscall table does not follow SYSCALL_ABI (syscall-abi.ts)')
}

export const SYSCALL_INDEX: ReadonlyMap<string, number> = new Map(
  SYSCALLS.map((s, i) => [s.name, i]),
)
