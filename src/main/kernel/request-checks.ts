import type { IdRaw } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import { KernelErr } from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import type { FullyQualifiedService } from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import { formatId, fromRawChecked, isEmpty, isZero } from '../../shared/id'
import type { CallId, HostId, IdKind, Id } from '../../shared/id'
import { KernelPart } from './kernel-part'
import type { HostRecord, ServiceRecord } from './records'

export const NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/
export const MAX_NAME_LENGTH = 256

export type Checked<T> = { ok: true; value: T } | { ok: false; code: KernelErr }

/**
 * The checks every syscall makes of what its request names (the calling host, its own
 * services, ids, call ids, service names) before it touches the books: each refusal is a
 * KernelErr and a log line naming the syscall, the guest and the field.
 */
export class RequestChecks extends KernelPart {
  /** The calling host; a request naming any other host is refused (a guest acts only as itself). */
  actingHost(caller: HostId, named: IdRaw | undefined): Checked<HostRecord> {
    const host = this.hostById(caller)
    if (host === undefined || !host.alive) return { ok: false, code: KernelErr.BadId }
    if (named !== undefined && !isEmpty(named)) {
      const parsed = fromRawChecked('host', named)
      if (!parsed.ok || formatId(parsed.id) !== host.key) {
        this.logger.log(
          'warn',
          `${host.name} sent a request naming host ${parsed.ok ? formatId(parsed.id) : 'with a bad id'}; a guest may act only as itself`,
        )
        return { ok: false, code: KernelErr.BadId }
      }
    }
    return { ok: true, value: host }
  }

  /** A service id from a request that must be one of the caller's own services. */
  ownService(host: HostRecord, raw: IdRaw | undefined, syscall: string): Checked<ServiceRecord> {
    const sid = this.idField('service', raw, { syscall, host, field: 'service id' })
    if (!sid.ok) return sid
    const service = this.services.get(formatId(sid.value))
    if (service === undefined) {
      this.logger.log(
        'warn',
        `${syscall} from ${host.name}: unknown service ${formatId(sid.value)}`,
      )
      return { ok: false, code: KernelErr.NotFound }
    }
    if (service.host !== host) {
      this.logger.log(
        'warn',
        `${syscall} from ${host.name}: service ${service.fullName} belongs to another host`,
      )
      return { ok: false, code: KernelErr.BadId }
    }
    return { ok: true, value: service }
  }

  /** A non-empty, non-zero id of the given kind (a wrong type letter is BadId). */
  idField<K extends IdKind>(
    kind: K,
    raw: IdRaw | undefined,
    where?: { readonly syscall: string; readonly host: HostRecord; readonly field: string },
  ): Checked<Id<K>> {
    let problem: string | undefined
    let parsedId: Id<K> | undefined
    if (raw === undefined || isEmpty(raw)) problem = 'is empty'
    else if (isZero(raw)) problem = 'is the zero id'
    else {
      const parsed = fromRawChecked(kind, raw)
      if (parsed.ok) parsedId = parsed.id
      else problem = `is not a ${kind} id`
    }
    if (parsedId !== undefined) return { ok: true, value: parsedId }
    if (where !== undefined) {
      this.logger.log('warn', `${where.syscall} from ${where.host.name}: ${where.field} ${problem}`)
    }
    return { ok: false, code: KernelErr.BadId }
  }

  /** A call id that is valid and not already in flight. */
  newCallKey(raw: IdRaw | undefined, syscall: string, host: HostRecord): Checked<CallId> {
    const cid = this.idField('call', raw, { syscall, host, field: 'call_id' })
    if (!cid.ok) return cid
    if (this.pending.has(formatId(cid.value))) {
      this.logger.log(
        'warn',
        `${syscall} from ${host.name}: call_id ${formatId(cid.value)} is already in flight`,
      )
      return { ok: false, code: KernelErr.BadCallId }
    }
    return cid
  }

  checkFqs(
    fqs: FullyQualifiedService | undefined,
    syscall: string,
    host: HostRecord,
  ): Checked<{ packagePath: string; service: string }> {
    const packagePath = fqs?.packagePath ?? ''
    const service = fqs?.service ?? ''
    for (const [what, value] of [
      ['package', packagePath],
      ['service', service],
    ] as const) {
      if (value.length === 0 || value.length > MAX_NAME_LENGTH || !NAME.test(value)) {
        this.logger.log(
          'warn',
          `${syscall} from ${host.name}: ${what} name ${JSON.stringify(value.slice(0, 80))} is not a dotted identifier`,
        )
        return { ok: false, code: KernelErr.BadId }
      }
    }
    return { ok: true, value: { packagePath, service } }
  }

  /** The `package.Service` names of a request (export_'s or require_'s list), each checked. */
  fullNames(
    list: readonly FullyQualifiedService[],
    syscall: string,
    host: HostRecord,
  ): Checked<string[]> {
    const names: string[] = []
    for (const fqs of list) {
      const name = this.checkFqs(fqs, syscall, host)
      if (!name.ok) return name
      names.push(`${name.value.packagePath}.${name.value.service}`)
    }
    return { ok: true, value: names }
  }
}
