/**
 * What a host publishes about each of its guests in the deployment's key-value bucket, and the
 * check every entry read from it goes through (the bucket is shared: an entry is untrusted).
 */
import { SERVICE_STATES, type ServiceState } from '../../shared/events/kernel-events'
import type { HostRecord } from '../kernel/records'
import { isSafeName, isServiceName } from './subjects'

export interface RemoteService {
  /** `package.Service` */
  readonly name: string
  readonly exports: readonly string[]
  readonly requires: readonly string[]
  /** Method names bound so far (calls name the method; ids are per kernel). */
  readonly methods: readonly string[]
  readonly state: ServiceState
  readonly exitCode?: number
  readonly failure?: string
}

/** One guest of one host (key `g.<host>.<guest>`). */
export interface GuestEntry {
  readonly v: 1
  readonly host: string
  /** The host process (a random id per `parigot run --host`): heartbeats carry it too. */
  readonly instance: string
  readonly guest: string
  /** The guest's incarnation (its kernel host id): a restarted guest gets a new one. */
  readonly incarnation: string
  readonly alive: boolean
  readonly services: readonly RemoteService[]
}

export const MAX_ENTRY_BYTES = 64 * 1024
const MAX_LIST = 256
const MAX_TEXT = 4096

export function entryOf(host: string, instance: string, guest: HostRecord): GuestEntry {
  return {
    v: 1,
    host,
    instance,
    guest: guest.name,
    incarnation: guest.key,
    alive: guest.alive,
    services: guest.services.map((s) => ({
      name: s.fullName,
      exports: [...s.exports],
      requires: [...s.requires],
      methods: [...s.methodsByName.keys()],
      state: s.state,
      ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
      ...(s.failure !== undefined ? { failure: s.failure.slice(0, MAX_TEXT) } : {}),
    })),
  }
}

type Parsed = { ok: true; entry: GuestEntry } | { ok: false; message: string }

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function names(v: unknown, check: (s: string) => boolean): v is string[] {
  return (
    Array.isArray(v) && v.length <= MAX_LIST && v.every((s) => typeof s === 'string' && check(s))
  )
}

const METHOD = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Decodes and checks an entry read under `key` (`g.<host>.<guest>`). */
export function parseEntry(key: string, bytes: Uint8Array): Parsed {
  if (bytes.byteLength > MAX_ENTRY_BYTES)
    return { ok: false, message: `${key}: ${bytes.byteLength} bytes, over ${MAX_ENTRY_BYTES}` }
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return { ok: false, message: `${key}: not JSON` }
  }
  const fail = (field: string) => ({
    ok: false as const,
    message: `${key}: field ${field} is invalid`,
  })
  if (!isObject(raw) || raw['v'] !== 1) return fail('v')
  const [, host, guest] = key.split('.')
  if (raw['host'] !== host || !isSafeName(String(host))) return fail('host')
  if (raw['guest'] !== guest || !isSafeName(String(guest))) return fail('guest')
  for (const f of ['instance', 'incarnation'] as const) {
    const v = raw[f]
    if (typeof v !== 'string' || v.length === 0 || v.length > 64 || /\p{Cc}/u.test(v))
      return fail(f)
  }
  if (typeof raw['alive'] !== 'boolean') return fail('alive')
  const services = raw['services']
  if (!Array.isArray(services) || services.length > MAX_LIST) return fail('services')
  for (const [i, s] of services.entries()) {
    const at = `services[${i}]`
    if (!isObject(s)) return fail(at)
    if (typeof s['name'] !== 'string' || !isServiceName(s['name'])) return fail(`${at}.name`)
    if (!names(s['exports'], isServiceName)) return fail(`${at}.exports`)
    if (!names(s['requires'], isServiceName)) return fail(`${at}.requires`)
    if (!names(s['methods'], (m) => m.length <= 256 && METHOD.test(m))) return fail(`${at}.methods`)
    if (!(SERVICE_STATES as readonly unknown[]).includes(s['state'])) return fail(`${at}.state`)
    const code = s['exitCode']
    if (
      code !== undefined &&
      (!Number.isInteger(code) || (code as number) < 0 || (code as number) > 255)
    )
      return fail(`${at}.exitCode`)
    const failure = s['failure']
    if (failure !== undefined && (typeof failure !== 'string' || failure.length > MAX_TEXT))
      return fail(`${at}.failure`)
  }
  return { ok: true, entry: raw as unknown as GuestEntry }
}
