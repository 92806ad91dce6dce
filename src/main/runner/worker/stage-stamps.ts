/**
 * The guest worker's stamps for the stage probe (kernel/transport/stage-probe.ts): when its
 * guest makes a call (dispatch_) or answers one (return_value_), and when read_one_ hands it a
 * call or a result. Only called with PARIGOT_STAGE_PROBE set; decoding here is the probe's cost.
 */
import { fromBinary } from '@bufbuild/protobuf'
import {
  DispatchRequestSchema,
  ReadOneResponseSchema,
  ReturnValueRequestSchema,
} from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import type { IdRaw } from '../../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import { formatId, fromRawChecked } from '../../../shared/id'
import { probeNow, stamp } from '../../kernel/transport/stage-probe'

function key(raw: IdRaw | undefined): string | undefined {
  if (raw === undefined) return undefined
  const id = fromRawChecked('call', raw)
  return id.ok ? formatId(id.id) : undefined
}

export function probeBefore(syscall: string, request: Uint8Array): void {
  const at = probeNow()
  if (syscall === 'dispatch_') {
    const call = key(fromBinary(DispatchRequestSchema, request).callId)
    if (call !== undefined) stamp('guest dispatch_', call, at)
  } else if (syscall === 'return_value_') {
    const call = key(fromBinary(ReturnValueRequestSchema, request).callId)
    if (call !== undefined) stamp('callee return_value_', call, at)
  }
}

export function probeAfter(answer: Uint8Array): void {
  const at = probeNow()
  const read = fromBinary(ReadOneResponseSchema, answer)
  const got = key(read.callId)
  if (got !== undefined) stamp('callee read_one_ got the call', got, at)
  const resolved = key(read.resolved?.callId)
  if (resolved !== undefined) stamp('guest read_one_ got the result', resolved, at)
}
