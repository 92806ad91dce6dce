import { KernelErr } from '../gen/parigot/syscall/v1/syscall_pb'
import type { SpanRecord } from './span'

/**
 * `ok`, `kernel error NotFound (4)`, `service error 3`: the result column of the Calls panel and
 * the exports. Kept apart from span.ts so the guest worker, which records spans, does not load
 * the generated protobuf enum.
 */
export function spanResult(span: SpanRecord): string {
  if (span.kernelError !== 0) {
    const name = KernelErr[span.kernelError] as string | undefined
    return name === undefined
      ? `kernel error ${span.kernelError} (unknown to this build)`
      : `kernel error ${name} (${span.kernelError})`
  }
  // A service's own error codes have no names the kernel knows of.
  if (span.resultError !== 0) return `service error ${span.resultError}`
  return 'ok'
}
