import type { AbiErrorCodes, HostFunctionDef, invokeAdapter } from '../../engine'
import {
  CloseRequestSchema,
  CloseResponseSchema,
  CreateRequestSchema,
  CreateResponseSchema,
  DeleteRequestSchema,
  DeleteResponseSchema,
  FileErr,
  LoadTestDataRequestSchema,
  LoadTestDataResponseSchema,
  OpenRequestSchema,
  OpenResponseSchema,
  ReadRequestSchema,
  ReadResponseSchema,
  StatRequestSchema,
  StatResponseSchema,
  WriteRequestSchema,
  WriteResponseSchema,
} from '../../../shared/gen/parigot/file/v1/file_pb'
import { loadTestData } from './load-test-data'
import type { FileService } from './service'

/** The wasm import module of the file plugin (docs/abi.md section 2). */
export const FILE_MODULE = 'file'

/** Transport failures in FileErr terms (docs/abi.md section 4). */
export const FILE_ABI_ERRORS: AbiErrorCodes = {
  guestReadFailed: FileErr.GuestReadFailed,
  unmarshalFailed: FileErr.UnmarshalError,
  marshalFailed: FileErr.MarshalError,
  dataTooLarge: FileErr.DataTooLarge,
  guestWriteFailed: FileErr.GuestWriteFailed,
  internal: FileErr.InternalError,
}

/**
 * When read_'s response does not fit the guest's out buffer, the adapter answers DataTooLarge
 * and the guest retries; without this the retry would start after bytes the guest never got.
 * The error word is the 4th argument and holds the final code once the adapter returns.
 */
function undoReadOnDataTooLarge(def: HostFunctionDef, service: FileService): HostFunctionDef {
  return {
    module: def.module,
    name: def.name,
    bind: (guest) => {
      const inner = def.bind(guest)
      return (...args: number[]) => {
        service.takeLastRead()
        const ret = inner(...args)
        const undo = service.takeLastRead()
        const errPtr = (args[3] ?? 0) >>> 0
        if (undo !== undefined && guest.memory().readI32(errPtr) === FileErr.DataTooLarge) {
          undo.file.position = undo.position
        }
        return ret
      }
    },
  }
}

/** The eight host functions, bound to one FileService. */
export function fileHostFunctions(
  adapter: typeof invokeAdapter,
  service: FileService,
  dataDirReal: string,
): HostFunctionDef[] {
  const module = FILE_MODULE
  const errors = FILE_ABI_ERRORS
  return [
    adapter({
      module,
      name: 'open_',
      request: OpenRequestSchema,
      response: OpenResponseSchema,
      errors,
      impl: (ctx, req, res) => service.open(ctx, req, res),
    }),
    adapter({
      module,
      name: 'create_',
      request: CreateRequestSchema,
      response: CreateResponseSchema,
      errors,
      impl: (ctx, req, res) => service.create(ctx, req, res),
    }),
    adapter({
      module,
      name: 'close_',
      request: CloseRequestSchema,
      response: CloseResponseSchema,
      errors,
      impl: (ctx, req, res) => service.close(ctx, req, res),
    }),
    undoReadOnDataTooLarge(
      adapter({
        module,
        name: 'read_',
        request: ReadRequestSchema,
        response: ReadResponseSchema,
        errors,
        impl: (ctx, req, res) => service.read(ctx, req, res),
      }),
      service,
    ),
    adapter({
      module,
      name: 'write_',
      request: WriteRequestSchema,
      response: WriteResponseSchema,
      errors,
      impl: (ctx, req, res) => service.write(ctx, req, res),
    }),
    adapter({
      module,
      name: 'delete_',
      request: DeleteRequestSchema,
      response: DeleteResponseSchema,
      errors,
      impl: (ctx, req, res) => service.delete(ctx, req, res),
    }),
    adapter({
      module,
      name: 'stat_',
      request: StatRequestSchema,
      response: StatResponseSchema,
      errors,
      impl: (ctx, req, res) => service.stat(ctx, req, res),
    }),
    adapter({
      module,
      name: 'load_test_data_',
      request: LoadTestDataRequestSchema,
      response: LoadTestDataResponseSchema,
      errors,
      impl: (ctx, req, res) => loadTestData(service, dataDirReal, ctx, req, res),
    }),
  ]
}
