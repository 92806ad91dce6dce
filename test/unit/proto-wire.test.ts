// Pins the generated protobuf types to the reference's wire format: field numbers, wire types,
// varint encodings of 64-bit ids, Any type URLs and error enum values (parigot-reference.md
// sections 2.1-2.4). Every expected byte string below is computed by hand from
// tag = (field number << 3) | wire type, with wire type 0 = varint and 2 = length-delimited.
import { describe, it, expect } from 'vitest'
import {
  ScalarType,
  create,
  equals,
  fromBinary,
  getOption,
  toBinary,
  type DescEnum,
  type DescField,
  type DescFile,
  type DescMessage,
} from '@bufbuild/protobuf'
import { anyPack, anyUnpack, AnySchema, TimestampSchema } from '@bufbuild/protobuf/wkt'
import {
  IdRawSchema,
  file_parigot_protosupport_v1_protosupport,
  parigot_error,
} from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  DispatchRequestSchema,
  ExitPairSchema,
  ExitRequestSchema,
  KernelErr,
  KernelErrSchema,
  LaunchResponseSchema,
  LocateRequestSchema,
  MethodDirection,
  MethodDirectionSchema,
  ReadOneResponseSchema,
  file_parigot_syscall_v1_syscall,
} from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import {
  FileErr,
  FileErrSchema,
  File as FileService,
  ReadResponseSchema,
  file_parigot_file_v1_file,
} from '../../src/shared/gen/parigot/file/v1/file_pb'
import {
  LengthResponseSchema,
  QueueErr,
  QueueErrSchema,
  QueueMsgSchema,
  Queue as QueueService,
  file_parigot_queue_v1_queue,
} from '../../src/shared/gen/parigot/queue/v1/queue_pb'

const id = (high: bigint, low: bigint) => create(IdRawSchema, { high, low })
const bytes = (...b: number[]) => new Uint8Array(b)
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0))

// 0x7300000000000001 (a service id: letter 's' in the top byte) as a varint: the low 7 bits
// (1) with the continuation bit, seven empty groups, then bits 56..62 = 0x73.
const SVC_HIGH = 0x7300000000000001n
const SVC_HIGH_VARINT = [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x73]
// The reserved ExitMethod id (reference section 2.8).
const EXIT_HIGH = 0x6dffffffffffffffn
const EXIT_LOW = 0xfffffffffffffff1n
const EXIT_HIGH_VARINT = [...Array<number>(8).fill(0xff), 0x6d]
const EXIT_LOW_VARINT = [0xf1, ...Array<number>(8).fill(0xff), 0x01]

describe('protosupport.v1.IdRaw', () => {
  it('encodes high as field 1 and low as field 2, both uint64 varints', () => {
    expect(toBinary(IdRawSchema, id(1n, 2n))).toEqual(bytes(0x08, 0x01, 0x10, 0x02))
    expect(toBinary(IdRawSchema, id(SVC_HIGH, 0n))).toEqual(bytes(0x08, ...SVC_HIGH_VARINT))
    const wire = bytes(0x08, ...EXIT_HIGH_VARINT, 0x10, ...EXIT_LOW_VARINT)
    expect(toBinary(IdRawSchema, id(EXIT_HIGH, EXIT_LOW))).toEqual(wire)
    const back = fromBinary(IdRawSchema, wire)
    expect(back.high).toBe(EXIT_HIGH)
    expect(back.low).toBe(EXIT_LOW)
  })

  it('encodes the empty id as zero bytes', () => {
    expect(toBinary(IdRawSchema, id(0n, 0n))).toEqual(bytes())
  })

  it('declares the custom options with the reference extension numbers', () => {
    const ext = Object.fromEntries(
      file_parigot_protosupport_v1_protosupport.extensions.map((e) => [
        e.name,
        [e.number, e.extendee.typeName],
      ]),
    )
    expect(ext).toEqual({
      parigot_error: [543211, 'google.protobuf.EnumOptions'],
      host_func_name: [543212, 'google.protobuf.MethodOptions'],
      error_id_name: [543213, 'google.protobuf.ServiceOptions'],
      is_reverse_api: [543214, 'google.protobuf.ServiceOptions'],
      implements_reverse_api: [543215, 'google.protobuf.ServiceOptions'],
    })
  })

  it('marks KernelErr, FileErr and QueueErr as parigot error enums', () => {
    expect(getOption(KernelErrSchema, parigot_error)).toBe(true)
    expect(getOption(FileErrSchema, parigot_error)).toBe(true)
    expect(getOption(QueueErrSchema, parigot_error)).toBe(true)
    expect(getOption(MethodDirectionSchema, parigot_error)).toBe(false)
  })
})

describe('syscall.v1 wire format', () => {
  it('LocateRequest: package_name=1, service_name=2, called_by=3', () => {
    const msg = create(LocateRequestSchema, {
      packageName: 'file.v1',
      serviceName: 'file',
      calledBy: id(SVC_HIGH, 2n),
    })
    // prettier-ignore
    const wire = bytes(
      0x0a, 7, ...ascii('file.v1'),
      0x12, 4, ...ascii('file'),
      0x1a, 12, 0x08, ...SVC_HIGH_VARINT, 0x10, 0x02,
    )
    expect(toBinary(LocateRequestSchema, msg)).toEqual(wire)
    const back = fromBinary(LocateRequestSchema, wire)
    expect(equals(LocateRequestSchema, back, msg)).toBe(true)
    expect(back.calledBy?.high).toBe(SVC_HIGH)
  })

  it('DispatchRequest: service_id=1, method_id=2, param=3 (Any), call_id=4, host_id=5', () => {
    const param = create(AnySchema, { typeUrl: 't/x', value: bytes(0x01) })
    const msg = create(DispatchRequestSchema, {
      serviceId: id(1n, 2n),
      methodId: id(3n, 4n),
      param,
      callId: id(5n, 6n),
      hostId: id(7n, 8n),
    })
    // prettier-ignore
    const wire = bytes(
      0x0a, 4, 0x08, 1, 0x10, 2,
      0x12, 4, 0x08, 3, 0x10, 4,
      0x1a, 8, 0x0a, 3, ...ascii('t/x'), 0x12, 1, 0x01,
      0x22, 4, 0x08, 5, 0x10, 6,
      0x2a, 4, 0x08, 7, 0x10, 8,
    )
    expect(toBinary(DispatchRequestSchema, msg)).toEqual(wire)
    const back = fromBinary(DispatchRequestSchema, wire)
    expect(equals(DispatchRequestSchema, back, msg)).toBe(true)
    expect(back.param?.typeUrl).toBe('t/x')
    expect(back.hostId?.low).toBe(8n)
  })

  it('ReadOneResponse: timeout=1, call=2, call_id=3, param=4, resolved=5, exit=6', () => {
    expect(
      toBinary(ReadOneResponseSchema, create(ReadOneResponseSchema, { timeout: true })),
    ).toEqual(bytes(0x08, 0x01))
    const msg = create(ReadOneResponseSchema, {
      call: { serviceId: id(1n, 0n), methodId: id(0n, 1n) },
      callId: id(9n, 0n),
      param: { typeUrl: 'a', value: bytes(0x08, 0x2a) },
      resolved: { hostId: id(1n, 1n), callId: id(2n, 2n), resultError: -1 },
      exit: true,
    })
    const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
    // prettier-ignore
    const wire = bytes(
      0x12, 8, 0x0a, 2, 0x08, 1, 0x12, 2, 0x10, 1,
      0x1a, 2, 0x08, 9,
      0x22, 7, 0x0a, 1, ...ascii('a'), 0x12, 2, 0x08, 0x2a,
      0x2a, 23, 0x0a, 4, 0x08, 1, 0x10, 1, 0x12, 4, 0x08, 2, 0x10, 2, 0x20, ...minusOne,
      0x30, 0x01,
    )
    expect(toBinary(ReadOneResponseSchema, msg)).toEqual(wire)
    const back = fromBinary(ReadOneResponseSchema, wire)
    expect(equals(ReadOneResponseSchema, back, msg)).toBe(true)
    expect(back.timeout).toBe(false)
    expect(back.resolved?.resultError).toBe(-1)
    expect(back.exit).toBe(true)
  })

  it('ExitRequest: pair=1 (service_id=1, code=2), call_id=2, host_id=3, method_id=4', () => {
    const msg = create(ExitRequestSchema, {
      pair: { serviceId: id(1n, 2n), code: 192 },
      callId: id(3n, 4n),
      hostId: id(5n, 6n),
      methodId: id(EXIT_HIGH, EXIT_LOW),
    })
    // prettier-ignore
    const wire = bytes(
      0x0a, 9, 0x0a, 4, 0x08, 1, 0x10, 2, 0x10, 0xc0, 0x01,
      0x12, 4, 0x08, 3, 0x10, 4,
      0x1a, 4, 0x08, 5, 0x10, 6,
      0x22, 21, 0x08, ...EXIT_HIGH_VARINT, 0x10, ...EXIT_LOW_VARINT,
    )
    expect(toBinary(ExitRequestSchema, msg)).toEqual(wire)
    const back = fromBinary(ExitRequestSchema, wire)
    expect(equals(ExitRequestSchema, back, msg)).toBe(true)
    expect(back.pair?.code).toBe(192)
    expect(back.methodId?.low).toBe(EXIT_LOW)
  })

  it('packs results in Any with the reference type URLs (proto package syscall.v1)', () => {
    const launch = anyPack(LaunchResponseSchema, create(LaunchResponseSchema))
    expect(launch.typeUrl).toBe('type.googleapis.com/syscall.v1.LaunchResponse')
    expect(launch.value).toEqual(bytes())
    const pair = create(ExitPairSchema, { serviceId: id(1n, 0n), code: 3 })
    const packed = anyPack(ExitPairSchema, pair)
    expect(packed.typeUrl).toBe('type.googleapis.com/syscall.v1.ExitPair')
    // prettier-ignore
    expect(toBinary(AnySchema, packed)).toEqual(
      bytes(
        0x0a, 39, ...ascii('type.googleapis.com/syscall.v1.ExitPair'),
        0x12, 6, 0x0a, 2, 0x08, 1, 0x10, 3,
      ),
    )
    const unpacked = anyUnpack(packed, ExitPairSchema)
    expect(unpacked && equals(ExitPairSchema, unpacked, pair)).toBe(true)
  })

  it('KernelErr has every reference value (21 unused)', () => {
    // prettier-ignore
    expect(enumTable(KernelErrSchema)).toEqual({
      NoError: 0, LocateError: 1, UnmarshalFailed: 2, IdDispatch: 3, NamespaceExhausted: 4,
      NotFound: 5, DataTooLarge: 6, MarshalFailed: 7, CallerUnavailable: 8,
      ServiceAlreadyClosedOrExported: 9, ServiceAlreadyRequired: 10, DependencyCycle: 11,
      NetworkFailed: 12, NetworkConnectionLost: 13, DataTooSmall: 14, KernelConnectionFailed: 15,
      NSRetryFailed: 16, DecodeError: 17, ExecError: 18, KernelDependencyFailure: 19,
      AbortRequest: 20, EncodeError: 22, ClosedErr: 23, GuestReadFailed: 24,
      GuestWriteFailed: 25, BadId: 26, NotReady: 27, NotRequired: 28, RunTimeout: 29,
      ReadOneTimeout: 30, BadCallId: 31, CallTimeout: 40, ServiceFailed: 41, CallQueueFull: 42,
    })
    expect(KernelErr.DependencyCycle).toBe(11)
    expect(KernelErr.BadId).toBe(26)
    expect(KernelErr.NotRequired).toBe(28)
    expect(KernelErr.RunTimeout).toBe(29)
    expect(KernelErr.BadCallId).toBe(31)
    expect(KernelErr.GuestReadFailed).toBe(24)
    expect(KernelErr[21]).toBeUndefined()
  })

  it('MethodDirection keeps its reference values', () => {
    // prettier-ignore
    expect(enumTable(MethodDirectionSchema)).toEqual({
      METHOD_DIRECTION_UNSPECIFIED: 0,
      METHOD_DIRECTION_IN: 1,
      METHOD_DIRECTION_OUT: 2,
      METHOD_DIRECTION_BOTH: 3,
    })
    expect(MethodDirection.BOTH).toBe(3)
  })

  it('declares every reference message with the reference field numbers and types', () => {
    // prettier-ignore
    expect(fileShape(file_parigot_syscall_v1_syscall)).toEqual({
      MethodBinding: ['method_name=1 string', 'method_id=2 IdRaw'],
      LocateRequest: ['package_name=1 string', 'service_name=2 string', 'called_by=3 IdRaw'],
      LocateResponse: ['host_id=1 IdRaw', 'service_id=2 IdRaw', 'binding=3 repeated MethodBinding'],
      DispatchRequest: [
        'service_id=1 IdRaw', 'method_id=2 IdRaw', 'param=3 Any', 'call_id=4 IdRaw',
        'host_id=5 IdRaw',
      ],
      DispatchResponse: ['call_id=1 IdRaw'],
      ReturnValueRequest: [
        'host_id=1 IdRaw', 'call_id=2 IdRaw', 'result=3 Any', 'result_error=4 int32',
      ],
      ReturnValueResponse: [],
      BlockUntilCallRequest: ['can_timeout=1 bool'],
      BlockUntilCallResponse: [
        'param=1 Any', 'method=2 IdRaw', 'call=3 IdRaw', 'timed_out=4 bool',
      ],
      BindMethodRequest: [
        'host_id=1 IdRaw', 'service_id=2 IdRaw', 'method_name=3 string',
        'direction=4 MethodDirection',
      ],
      BindMethodResponse: ['method_id=1 IdRaw'],
      FullyQualifiedService: ['package_path=1 string', 'service=2 string'],
      ExportRequest: [
        'service_id=1 IdRaw', 'service=2 repeated FullyQualifiedService', 'host_id=3 IdRaw',
      ],
      ExportResponse: [],
      RequireRequest: ['dest=1 repeated FullyQualifiedService', 'source=2 IdRaw'],
      RequireResponse: [],
      LaunchRequest: [
        'service_id=1 IdRaw', 'call_id=2 IdRaw', 'host_id=3 IdRaw', 'method_id=4 IdRaw',
      ],
      LaunchResponse: [],
      ExitRequest: ['pair=1 ExitPair', 'call_id=2 IdRaw', 'host_id=3 IdRaw', 'method_id=4 IdRaw'],
      ExitResponse: ['pair=1 ExitPair'],
      RegisterRequest: ['fqs=1 FullyQualifiedService', 'host_id=2 IdRaw'],
      RegisterResponse: ['id=1 IdRaw', 'existed_previously=2 bool'],
      HostBinding: ['service_id=1 IdRaw', 'host_id=2 IdRaw'],
      ServiceByNameRequest: ['fqs=1 FullyQualifiedService'],
      ServiceByNameResponse: ['binding=1 repeated HostBinding'],
      ServiceByIdRequest: ['service_id=1 string'],
      ServiceByIdResponse: ['binding=1 HostBinding'],
      DependencyExistsRequest: [
        'source_service_id=1 IdRaw', 'dest_service_id=2 IdRaw',
        'service_name=3 FullyQualifiedService',
      ],
      DependencyExistsResponse: ['exists=1 bool'],
      ServiceMethodCall: ['service_id=1 IdRaw', 'method_id=2 IdRaw'],
      ResolvedCall: [
        'host_id=1 IdRaw', 'call_id=2 IdRaw', 'result=3 Any', 'result_error=4 int32',
        'kernel_error=10 KernelErr',
      ],
      ReadOneRequest: [
        'call=1 repeated ServiceMethodCall', 'timeout_in_millis=2 int32', 'host_id=3 IdRaw',
      ],
      ReadOneResponse: [
        'timeout=1 bool', 'call=2 ServiceMethodCall', 'call_id=3 IdRaw', 'param=4 Any',
        'resolved=5 ResolvedCall', 'exit=6 bool',
      ],
      ExitPair: ['service_id=1 IdRaw', 'code=2 int32'],
      SynchronousExitRequest: ['pair=1 ExitPair'],
      SynchronousExitResponse: ['pair=1 ExitPair'],
    })
    expect(file_parigot_syscall_v1_syscall.services).toEqual([])
  })
})

describe('file.v1 wire format', () => {
  it('ReadResponse: id=1, num_read=2, data=3 (our addition)', () => {
    const msg = create(ReadResponseSchema, {
      id: id(1n, 2n),
      numRead: 3,
      data: bytes(0x48, 0x69, 0x21),
    })
    const wire = bytes(0x0a, 4, 0x08, 1, 0x10, 2, 0x10, 3, 0x1a, 3, 0x48, 0x69, 0x21)
    expect(toBinary(ReadResponseSchema, msg)).toEqual(wire)
    const back = fromBinary(ReadResponseSchema, wire)
    expect(equals(ReadResponseSchema, back, msg)).toBe(true)
    expect(new TextDecoder().decode(back.data)).toBe('Hi!')
  })

  it('a reference ReadResponse (no data field) still decodes', () => {
    const back = fromBinary(ReadResponseSchema, bytes(0x0a, 2, 0x08, 7, 0x10, 6))
    expect(back.id?.high).toBe(7n)
    expect(back.numRead).toBe(6)
    expect(back.data).toEqual(bytes())
  })

  it('FileErr has the reference values plus GuestReadFailed=17, DataTooLarge=18, GuestWriteFailed=19', () => {
    // prettier-ignore
    expect(enumTable(FileErrSchema)).toEqual({
      NoError: 0, DispatchError: 1, UnmarshalError: 2, MarshalError: 3, InvalidPathError: 4,
      AlreadyInUseError: 5, NotExistError: 6, FileClosedError: 7, EOFError: 8, ReadError: 9,
      WriteError: 10, OpenError: 11, DeleteError: 12, CreateError: 13, NoDataFoundError: 14,
      LargeBufError: 15, InternalError: 16, GuestReadFailed: 17, DataTooLarge: 18, GuestWriteFailed: 19,
    })
    expect(FileErr.EOFError).toBe(8)
    expect(FileErr.GuestReadFailed).toBe(17)
    expect(FileErr.DataTooLarge).toBe(18)
  })

  it('declares service File and every message with the reference field numbers', () => {
    expect(FileService.typeName).toBe('file.v1.File')
    expect(FileService.methods.map((m) => [m.name, m.input.name, m.output.name])).toEqual(
      ['Open', 'Create', 'Close', 'LoadTestData', 'Read', 'Write', 'Delete', 'Stat'].map((m) => [
        m,
        `${m}Request`,
        `${m}Response`,
      ]),
    )
    // prettier-ignore
    expect(fileShape(file_parigot_file_v1_file)).toEqual({
      CreateRequest: ['path=1 string', 'content=2 string'],
      CreateResponse: ['path=1 string', 'id=2 IdRaw', 'truncated=3 bool'],
      OpenRequest: ['path=1 string'],
      OpenResponse: ['path=1 string', 'id=2 IdRaw'],
      CloseRequest: ['id=1 IdRaw'],
      CloseResponse: ['id=1 IdRaw'],
      LoadTestDataRequest: [
        'dir_path=1 string', 'mount_location=2 string', 'return_on_fail=3 bool',
      ],
      LoadTestDataResponse: ['error_path=1 repeated string'],
      ReadRequest: ['id=1 IdRaw', 'buf=2 bytes'],
      ReadResponse: ['id=1 IdRaw', 'num_read=2 int32', 'data=3 bytes'],
      WriteRequest: ['id=1 IdRaw', 'buf=2 bytes'],
      WriteResponse: ['id=1 IdRaw', 'num_write=2 int32'],
      DeleteRequest: ['path=1 string'],
      DeleteResponse: ['path=1 string', 'id=2 IdRaw'],
      StatRequest: ['path=1 string'],
      StatResponse: ['file_info=1 FileInfo'],
      FileInfo: [
        'path=1 string', 'is_dir=3 bool', 'size=4 int32', 'create_time=5 Timestamp',
        'mod_time=6 Timestamp',
      ],
    })
  })
})

describe('queue.v1 wire format', () => {
  it('QueueMsg: id=1, msg_id=2, receive_count=3, received=4, sender=5, sent=6, payload=7', () => {
    const msg = create(QueueMsgSchema, {
      id: id(1n, 0n),
      msgId: id(2n, 0n),
      receiveCount: 1,
      received: create(TimestampSchema, { seconds: 1n }),
      sender: create(AnySchema, { typeUrl: 's' }),
      sent: create(TimestampSchema, { seconds: 2n, nanos: 3 }),
      payload: create(AnySchema, { typeUrl: 'p', value: bytes(0x01) }),
    })
    // prettier-ignore
    const wire = bytes(
      0x0a, 2, 0x08, 1,
      0x12, 2, 0x08, 2,
      0x18, 1,
      0x22, 2, 0x08, 1,
      0x2a, 3, 0x0a, 1, ...ascii('s'),
      0x32, 4, 0x08, 2, 0x10, 3,
      0x3a, 6, 0x0a, 1, ...ascii('p'), 0x12, 1, 0x01,
    )
    expect(toBinary(QueueMsgSchema, msg)).toEqual(wire)
    const back = fromBinary(QueueMsgSchema, wire)
    expect(equals(QueueMsgSchema, back, msg)).toBe(true)
    expect(back.sent?.nanos).toBe(3)
    expect(back.payload?.typeUrl).toBe('p')
  })

  it('LengthResponse: length=2 is an int64 (bigint); a present empty id is an empty field 1', () => {
    const msg = create(LengthResponseSchema, { id: create(IdRawSchema), length: 5n })
    expect(toBinary(LengthResponseSchema, msg)).toEqual(bytes(0x0a, 0, 0x10, 5))
    expect(fromBinary(LengthResponseSchema, bytes(0x10, 5)).length).toBe(5n)
  })

  it('QueueErr has the reference values plus GuestReadFailed=10, DataTooLarge=11, GuestWriteFailed=12', () => {
    // prettier-ignore
    expect(enumTable(QueueErrSchema)).toEqual({
      NoError: 0, DispatchError: 1, UnmarshalError: 2, MarshalError: 3, InvalidName: 4,
      InternalError: 5, NoPayload: 6, NotFound: 7, AlreadyExists: 8, UnmarshalFailed: 9,
      GuestReadFailed: 10, DataTooLarge: 11, GuestWriteFailed: 12,
    })
    expect(QueueErr.NotFound).toBe(7)
    expect(QueueErr.GuestReadFailed).toBe(10)
    expect(QueueErr.DataTooLarge).toBe(11)
  })

  it('declares service Queue and every message with the reference field numbers', () => {
    expect(QueueService.typeName).toBe('queue.v1.Queue')
    expect(QueueService.methods.map((m) => [m.name, m.input.name, m.output.name])).toEqual(
      ['CreateQueue', 'Locate', 'DeleteQueue', 'Receive', 'MarkDone', 'Length', 'Send'].map((m) => [
        m,
        `${m}Request`,
        `${m}Response`,
      ]),
    )
    // prettier-ignore
    expect(fileShape(file_parigot_queue_v1_queue)).toEqual({
      CreateQueueRequest: ['queue_name=1 string'],
      CreateQueueResponse: ['id=1 IdRaw'],
      LocateRequest: ['queue_name=1 string'],
      LocateResponse: ['id=1 IdRaw'],
      DeleteQueueRequest: ['id=1 IdRaw'],
      DeleteQueueResponse: ['id=1 IdRaw'],
      // done=3 / unmodified=3 are ours (an acknowledgement folded into the next receive,
      // docs/queue.md): new numbers after the reference's, so the reference's fields keep theirs.
      ReceiveRequest: ['id=1 IdRaw', 'message_limit=2 int32', 'done=3 repeated IdRaw'],
      ReceiveResponse: ['id=1 IdRaw', 'message=2 repeated QueueMsg', 'unmodified=3 repeated IdRaw'],
      QueueMsg: [
        'id=1 IdRaw', 'msg_id=2 IdRaw', 'receive_count=3 int32', 'received=4 Timestamp',
        'sender=5 Any', 'sent=6 Timestamp', 'payload=7 Any',
      ],
      MarkDoneRequest: ['id=1 IdRaw', 'msg=2 repeated IdRaw'],
      MarkDoneResponse: ['id=1 IdRaw', 'unmodified=2 repeated IdRaw'],
      LengthRequest: ['id=1 IdRaw'],
      LengthResponse: ['id=1 IdRaw', 'length=2 int64'],
      SendRequest: ['id=1 IdRaw', 'msg=2 repeated QueueMsg'],
      SendResponse: [
        'succeed=1 repeated IdRaw', 'fail=2 repeated QueueMsg', 'failed_on=3 IdRaw',
      ],
    })
  })
})

/** The enum's values as { name: number }, in declaration order. */
function enumTable(e: DescEnum): Record<string, number> {
  return Object.fromEntries(e.values.map((v) => [v.name, v.number]))
}

/** Describes a field as "proto_name=number [repeated ]type". */
function fieldShape(f: DescField): string {
  let type: string
  switch (f.fieldKind) {
    case 'scalar':
      type = ScalarType[f.scalar].toLowerCase()
      break
    case 'enum':
      type = f.enum.name
      break
    case 'message':
      type = f.message.name
      break
    case 'list':
      type =
        'repeated ' +
        (f.listKind === 'scalar'
          ? ScalarType[f.scalar].toLowerCase()
          : f.listKind === 'enum'
            ? f.enum.name
            : f.message.name)
      break
    case 'map':
      type = 'map'
      break
  }
  return `${f.name}=${f.number} ${type}`
}

/** Every top-level message of a file as { MessageName: [field shapes in declaration order] }. */
function fileShape(file: DescFile): Record<string, string[]> {
  return Object.fromEntries(
    file.messages.map((m: DescMessage) => [m.name, m.fields.map(fieldShape)]),
  )
}
