/**
 * Start, stop and restart of a service, asked of the host that runs it: a NATS request on
 * `parigot.<deployment>.ctl.<host>` (`{"op":"stop","service":"store"}`), answered by that host's
 * Deployment once done (`{"ok":true}`) or with the reason it refused (`{"ok":false,"error":...}`).
 * Requests and replies are untrusted: bounded, checked, and a bad one is answered or refused
 * with the field at fault.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node'
import type { Logger } from '../engine/logger'
import { isSafeName } from './subjects'

export const CONTROL_OPS = ['start', 'stop', 'restart'] as const
export type ControlOp = (typeof CONTROL_OPS)[number]
export type ControlHandler = (op: ControlOp, service: string) => Promise<void>

const MAX_CONTROL_BYTES = 1024
const MAX_ERROR_CHARS = 2048
/** How long a stop or restart may take before the caller stops waiting (the host goes on). */
export const CONTROL_TIMEOUT_MS = 30_000

function parseRequest(data: Uint8Array): { op: ControlOp; service: string } | string {
  if (data.byteLength > MAX_CONTROL_BYTES)
    return `request of ${data.byteLength} bytes, over ${MAX_CONTROL_BYTES}`
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder().decode(data))
  } catch {
    return 'request is not JSON'
  }
  if (typeof raw !== 'object' || raw === null) return 'request is not an object'
  const { op, service } = raw as { op?: unknown; service?: unknown }
  if (!(CONTROL_OPS as readonly unknown[]).includes(op)) return 'field op is invalid'
  if (typeof service !== 'string' || !isSafeName(service)) return 'field service is invalid'
  return { op: op as ControlOp, service }
}

/** Serves this host's control subject with `handle` (the Deployment's start/stop/restart). */
export function serveControl(
  nc: NatsConnection,
  subject: string,
  handle: ControlHandler,
  logger: Logger,
): Subscription {
  const answer = (msg: Msg, body: { ok: true } | { ok: false; error: string }) => {
    if (msg.reply !== undefined && msg.reply !== '') msg.respond(JSON.stringify(body))
  }
  return nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err !== null) return
      const request = parseRequest(msg.data)
      if (typeof request === 'string') {
        logger.log('warn', `control request refused: ${request}`)
        answer(msg, { ok: false, error: request })
        return
      }
      logger.log('info', `${request.op} of ${request.service} asked by an attached Studio`)
      handle(request.op, request.service).then(
        () => answer(msg, { ok: true }),
        (error: unknown) =>
          answer(msg, {
            ok: false,
            error: (error instanceof Error ? error.message : String(error)).slice(
              0,
              MAX_ERROR_CHARS,
            ),
          }),
      )
    },
  })
}

/** Asks `subject`'s host to start, stop or restart `service`; throws with the host's reason. */
export async function requestControl(
  nc: NatsConnection,
  subject: string,
  host: string,
  op: ControlOp,
  service: string,
): Promise<void> {
  let reply: Msg
  try {
    reply = await nc.request(subject, JSON.stringify({ op, service }), {
      timeout: CONTROL_TIMEOUT_MS,
    })
  } catch (err) {
    throw new Error(
      `${op} ${service}: host ${host} did not answer (${err instanceof Error ? err.message : String(err)})`,
      { cause: err },
    )
  }
  if (reply.data.byteLength > MAX_ERROR_CHARS + 256)
    throw new Error(`${op} ${service}: host ${host} answered ${reply.data.byteLength} bytes`)
  let body: { ok?: unknown; error?: unknown }
  try {
    body = JSON.parse(new TextDecoder().decode(reply.data)) as typeof body
  } catch {
    throw new Error(`${op} ${service}: host ${host} answered something that is not JSON`)
  }
  if (body.ok === true) return
  throw new Error(
    `${op} ${service}: host ${host} refused: ${typeof body.error === 'string' ? body.error : 'no reason given'}`,
  )
}
