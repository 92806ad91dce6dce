import { create } from '@bufbuild/protobuf'
import { AnySchema, timestampFromMs } from '@bufbuild/protobuf/wkt'
import type { Any } from '@bufbuild/protobuf/wkt'
import type { AbiErrorCodes, HostContext, HostFunctionDef, invokeAdapter } from '../../engine'
import { IdRawSchema } from '../../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { IdRaw as IdRawMsg } from '../../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  CreateQueueRequestSchema,
  CreateQueueResponseSchema,
  DeleteQueueRequestSchema,
  DeleteQueueResponseSchema,
  LengthRequestSchema,
  LengthResponseSchema,
  LocateRequestSchema,
  LocateResponseSchema,
  MarkDoneRequestSchema,
  MarkDoneResponseSchema,
  QueueErr,
  QueueMsgSchema,
  ReceiveRequestSchema,
  ReceiveResponseSchema,
  SendRequestSchema,
  SendResponseSchema,
} from '../../../shared/gen/parigot/queue/v1/queue_pb'
import { formatId, fromRawChecked, isEmpty, isZero, toRaw } from '../../../shared/id'
import type { AnyId, QueueId, QueueMsgId } from '../../../shared/id'
import type { AnyBytes, QueueBackend, StoreResult } from './backend'

/** The import module guests use. */
export const QUEUE_MODULE = 'queue'

/** Transport failures in QueueErr terms (docs/abi.md section 4). */
export const QUEUE_ABI_ERRORS: AbiErrorCodes = {
  guestReadFailed: QueueErr.GuestReadFailed,
  unmarshalFailed: QueueErr.UnmarshalError,
  marshalFailed: QueueErr.MarshalError,
  dataTooLarge: QueueErr.DataTooLarge,
  guestWriteFailed: QueueErr.GuestWriteFailed,
  internal: QueueErr.InternalError,
}

/** Outcomes a well-behaved guest meets in normal use: logged at debug, not as warnings. */
const EXPECTED = new Set<QueueErr>([QueueErr.NotFound, QueueErr.AlreadyExists])

const idMessage = (id: AnyId): IdRawMsg => create(IdRawSchema, toRaw(id))

function anyBytes(any: Any | undefined): AnyBytes | undefined {
  return any === undefined ? undefined : { typeUrl: any.typeUrl, value: any.value }
}

function toAny(bytes: AnyBytes): Any {
  return create(AnySchema, { typeUrl: bytes.typeUrl, value: bytes.value })
}

/** Reports a failed store result to the guest's log, naming the function. */
function refuse(
  ctx: HostContext,
  result: { code: QueueErr; error: string },
  level: 'debug' | 'warn' = EXPECTED.has(result.code) ? 'debug' : 'warn',
): number {
  ctx.logger.log(level, `${ctx.module}.${ctx.functionName}: ${result.error}`)
  return result.code
}

/** The queue id of a request, or why it cannot be one. */
function queueIdOf(raw: IdRawMsg | undefined): StoreResult<QueueId> {
  if (raw === undefined) {
    return { ok: false, code: QueueErr.NotFound, error: 'request has no queue id (field id)' }
  }
  const checked = fromRawChecked('queue', raw)
  if (!checked.ok) {
    return { ok: false, code: QueueErr.NotFound, error: `field id: ${checked.error}` }
  }
  if (isEmpty(checked.id) || isZero(checked.id)) {
    return {
      ok: false,
      code: QueueErr.NotFound,
      error: `field id: ${isZero(checked.id) ? 'the zero (error) id' : 'an empty id'} names no queue`,
    }
  }
  return { ok: true, value: checked.id }
}

/** The message ids of a request; ids that are not even message ids cannot be done. */
function messageIdsOf(raws: readonly IdRawMsg[]): QueueMsgId[] {
  const valid: QueueMsgId[] = []
  for (const raw of raws) {
    const checked = fromRawChecked('queueMsg', raw)
    if (checked.ok) valid.push(checked.id)
  }
  return valid
}

/** The request's ids that were not done (not message ids, or in `notDone`), in request order. */
function unmodifiedOf(
  ctx: HostContext,
  queue: QueueId,
  raws: readonly IdRawMsg[],
  notDone: readonly QueueMsgId[],
): IdRawMsg[] {
  const refused = new Set(notDone.map(formatId))
  const unmodified = raws
    .filter((raw) => {
      const checked = fromRawChecked('queueMsg', raw)
      return !checked.ok || refused.has(formatId(checked.id))
    })
    .map((raw) => create(IdRawSchema, { high: raw.high, low: raw.low }))
  if (unmodified.length > 0) {
    ctx.logger.log(
      'debug',
      `${ctx.module}.${ctx.functionName}: ${unmodified.length} id(s) are not ` +
        `messages of queue ${formatId(queue)}`,
    )
  }
  return unmodified
}

/**
 * The seven queue host functions over one backend (for SQLite: one connection per guest
 * worker). Semantics are in docs/queue.md; every failure is a QueueErr code plus a log line
 * naming the queue.
 */
export function queueHostFunctions(
  adapter: typeof invokeAdapter,
  store: QueueBackend,
): HostFunctionDef[] {
  const common = { module: QUEUE_MODULE, errors: QUEUE_ABI_ERRORS }
  return [
    adapter({
      ...common,
      name: 'create_queue_',
      request: CreateQueueRequestSchema,
      response: CreateQueueResponseSchema,
      impl: (ctx, req, resp) => {
        const result = store.createQueue(req.queueName)
        if (!result.ok) return refuse(ctx, result)
        resp.id = idMessage(result.value.id)
        ctx.logger.log('debug', `queue ${JSON.stringify(req.queueName)} created`)
        return QueueErr.NoError
      },
    }),
    adapter({
      ...common,
      name: 'locate_',
      request: LocateRequestSchema,
      response: LocateResponseSchema,
      impl: (ctx, req, resp) => {
        const result = store.locate(req.queueName)
        if (!result.ok) return refuse(ctx, result)
        resp.id = idMessage(result.value.id)
        return QueueErr.NoError
      },
    }),
    adapter({
      ...common,
      name: 'delete_queue_',
      request: DeleteQueueRequestSchema,
      response: DeleteQueueResponseSchema,
      impl: (ctx, req, resp) => {
        const id = queueIdOf(req.id)
        if (!id.ok) return refuse(ctx, id, 'warn')
        const result = store.deleteQueue(id.value)
        if (!result.ok) return refuse(ctx, result)
        resp.id = idMessage(id.value)
        return QueueErr.NoError
      },
    }),
    adapter({
      ...common,
      name: 'length_',
      request: LengthRequestSchema,
      response: LengthResponseSchema,
      impl: (ctx, req, resp) => {
        const id = queueIdOf(req.id)
        if (!id.ok) return refuse(ctx, id, 'warn')
        const result = store.length(id.value)
        if (!result.ok) return refuse(ctx, result)
        resp.id = idMessage(id.value)
        resp.length = BigInt(result.value)
        return QueueErr.NoError
      },
    }),
    adapter({
      ...common,
      name: 'send_',
      request: SendRequestSchema,
      response: SendResponseSchema,
      impl: (ctx, req, resp) => {
        const id = queueIdOf(req.id)
        if (!id.ok) return refuse(ctx, id, 'warn')
        const result = store.send(
          id.value,
          req.msg.map((m) => ({ sender: anyBytes(m.sender), payload: anyBytes(m.payload) })),
        )
        if (!result.ok && result.partial !== undefined && result.partial.stored.length > 0) {
          // Some were stored (JetStream has no atomic batch on this server): say exactly which.
          ctx.logger.log('warn', `${ctx.module}.${ctx.functionName}: ${result.error}`)
          resp.succeed = result.partial.stored.map(idMessage)
          resp.fail = result.partial.notStored.flatMap((i) => {
            const m = req.msg[i]
            return m === undefined
              ? []
              : [
                  create(QueueMsgSchema, {
                    id: idMessage(id.value),
                    sender: m.sender,
                    payload: m.payload,
                  }),
                ]
          })
          return QueueErr.NoError
        }
        if (!result.ok) return refuse(ctx, result)
        resp.succeed = result.value.map(idMessage)
        return QueueErr.NoError
      },
    }),
    adapter({
      ...common,
      name: 'receive_',
      request: ReceiveRequestSchema,
      response: ReceiveResponseSchema,
      impl: (ctx, req, resp) => {
        const id = queueIdOf(req.id)
        if (!id.ok) return refuse(ctx, id, 'warn')
        // Acknowledgements riding on the receive commit with it (ReceiveRequest.done).
        const result = store.markDoneAndReceive(id.value, messageIdsOf(req.done), req.messageLimit)
        if (!result.ok) return refuse(ctx, result)
        resp.id = idMessage(id.value)
        resp.unmodified = unmodifiedOf(ctx, id.value, req.done, result.value.unmodified)
        resp.message = result.value.messages.map((m) =>
          create(QueueMsgSchema, {
            id: idMessage(m.queueId),
            msgId: idMessage(m.msgId),
            receiveCount: m.receiveCount,
            received:
              m.lastReceivedMs === undefined ? undefined : timestampFromMs(m.lastReceivedMs),
            sender: m.sender === undefined ? undefined : toAny(m.sender),
            sent: timestampFromMs(m.sentMs),
            payload: toAny(m.payload),
          }),
        )
        return QueueErr.NoError
      },
    }),
    adapter({
      ...common,
      name: 'mark_done_',
      request: MarkDoneRequestSchema,
      response: MarkDoneResponseSchema,
      impl: (ctx, req, resp) => {
        const id = queueIdOf(req.id)
        if (!id.ok) return refuse(ctx, id, 'warn')
        // Ids that are not even message ids cannot be done; they are reported, not fatal.
        const result = store.markDone(id.value, messageIdsOf(req.msg))
        if (!result.ok) return refuse(ctx, result)
        resp.id = idMessage(id.value)
        resp.unmodified = unmodifiedOf(ctx, id.value, req.msg, result.value)
        return QueueErr.NoError
      },
    }),
  ]
}
