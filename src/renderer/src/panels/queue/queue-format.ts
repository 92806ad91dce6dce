// How the queue inspector writes times, ids and payloads: pure, so the panel stays markup.
import type { DecodedPayload, MessageStateName } from '../../../../shared/bridge/contract'

export const STATE_LABELS: Record<MessageStateName, string> = {
  ready: 'ready',
  'in-flight': 'in flight',
  done: 'done',
  dead: 'dead',
}

/** `14:03:07.120`, with the date only when it is not today (queues outlive a session). */
export function formatTime(ms: number | undefined, now: number = Date.now()): string {
  if (ms === undefined) return '—'
  const at = new Date(ms)
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0')
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`
  const today = new Date(now)
  const sameDay =
    at.getFullYear() === today.getFullYear() &&
    at.getMonth() === today.getMonth() &&
    at.getDate() === today.getDate()
  return sameDay
    ? time
    : `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`
}

/** The first and last characters of a long id, which is how people compare ids by eye. */
export function shortId(id: string): string {
  return id.length <= 14 ? id : `${id.slice(0, 8)}…${id.slice(-4)}`
}

/** One line for the message list: the JSON (compact) or the hex, cut at `max` characters. */
export function payloadSummary(payload: DecodedPayload, max = 120): string {
  const text =
    payload.json !== undefined
      ? JSON.stringify(payload.json)
      : payload.hex
        ? `0x${payload.hex}`
        : ''
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** The full payload for the details view: indented JSON, or hex in groups of 16 bytes. */
export function payloadDetail(payload: DecodedPayload): string {
  if (payload.json !== undefined) return JSON.stringify(payload.json, null, 2)
  const hex = payload.hex ?? ''
  const rows: string[] = []
  for (let i = 0; i < hex.length; i += 32) {
    const row = hex.slice(i, i + 32)
    rows.push(row.replace(/(..)(?!$)/g, '$1 '))
  }
  return rows.join('\n')
}

/** Printable text hidden in hex bytes (UTF-8), shown beside undecodable payloads. */
export function hexAsText(hex: string | undefined): string | undefined {
  if (!hex || hex.length % 2 !== 0) return undefined
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes)
  // Only when the bytes really are text: no replacement characters and no controls.
  return /^[^\p{Cc}\uFFFD]*$/u.test(text) ? text : undefined
}
