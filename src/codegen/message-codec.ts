// The encode and mergeFrom bodies of generated messages: one case per field, byte-for-byte the
// encoding protobuf-es produces (see messages.ts), and the wire helpers they call.

import type { DescField } from '@bufbuild/protobuf'
import { hasExplicitPresence, PACKABLE, SCALARS, valueInfo, type ScalarInfo } from './field-types'
import { ident, oneofCaseEnum, pascal } from './naming'
import type { ImportSet, Printer } from './printer'

/** Statements writing tag + value unconditionally. */
function writeTagged(info: ScalarInfo, w: string, fieldNo: number | string, v: string): string[] {
  return [`${w}.tag(${fieldNo}, WireType.${info.wire})`, info.writeRaw(w, v)]
}

export function emitEncodeField(p: Printer, f: DescField, imports: ImportSet): void {
  const n = ident(f)
  const I = '    '
  switch (f.fieldKind) {
    case 'scalar':
    case 'enum': {
      const info = valueInfo(f.scalar, f.enum, imports)
      if (f.oneof !== undefined) {
        const caseEnum = oneofCaseEnum(f.oneof)
        p.line(`${I}if (this._${ident(f.oneof)}Case == ${caseEnum}.${n}) {`)
        p.lines(`${I}  `, writeTagged(info, 'w', f.number, `this._${n}`))
        p.line(`${I}}`)
      } else if (hasExplicitPresence(f)) {
        p.line(`${I}if (this._has${pascal(n)}) {`)
        p.lines(`${I}  `, writeTagged(info, 'w', f.number, `this._${n}`))
        p.line(`${I}}`)
      } else {
        p.line(`${I}if (${info.isSet(`this.${n}`)}) {`)
        p.lines(`${I}  `, writeTagged(info, 'w', f.number, `this.${n}`))
        p.line(`${I}}`)
      }
      break
    }
    case 'message': {
      const src = f.oneof !== undefined ? `this._${n}` : `this.${n}`
      p.line(`${I}{`)
      p.line(`${I}  const v = ${src}`)
      if (f.oneof !== undefined) {
        const caseEnum = oneofCaseEnum(f.oneof)
        p.line(`${I}  if (v != null && this._${ident(f.oneof)}Case == ${caseEnum}.${n}) {`)
      } else {
        p.line(`${I}  if (v != null) {`)
      }
      emitWriteMessage(p, `${I}    `, f.number, 'v', f.delimitedEncoding)
      p.line(`${I}  }`)
      p.line(`${I}}`)
      break
    }
    case 'list': {
      p.line(`${I}{`)
      p.line(`${I}  const list = this.${n}`)
      if (f.listKind === 'message') {
        p.line(`${I}  for (let i = 0; i < list.length; i++) {`)
        emitWriteMessage(p, `${I}    `, f.number, 'list[i]', f.delimitedEncoding)
        p.line(`${I}  }`)
      } else {
        const info = valueInfo(f.scalar, f.enum, imports)
        if (f.packed && PACKABLE.has(info.wire)) {
          p.line(`${I}  if (list.length > 0) {`)
          p.line(`${I}    const packed = new Writer()`)
          p.line(
            `${I}    for (let i = 0; i < list.length; i++) ${info.writeRaw('packed', 'list[i]')}`,
          )
          p.line(`${I}    w.message(${f.number}, packed)`)
          p.line(`${I}  }`)
        } else {
          p.line(`${I}  for (let i = 0; i < list.length; i++) {`)
          p.lines(`${I}    `, writeTagged(info, 'w', f.number, 'list[i]'))
          p.line(`${I}  }`)
        }
      }
      p.line(`${I}}`)
      break
    }
    case 'map': {
      const keyInfo = SCALARS[f.mapKey]
      p.line(`${I}{`)
      p.line(`${I}  const map = this.${n}`)
      p.line(`${I}  const keys = map.keys()`)
      p.line(`${I}  for (let i = 0; i < keys.length; i++) {`)
      p.line(`${I}    const k = keys[i]`)
      p.line(`${I}    const entry = new Writer()`)
      p.lines(`${I}    `, writeTagged(keyInfo, 'entry', 1, 'k'))
      if (f.mapKind === 'message') {
        p.line(`${I}    const value = new Writer()`)
        p.line(`${I}    map.get(k).encode(value)`)
        p.line(`${I}    entry.message(2, value)`)
      } else {
        const info = valueInfo(f.scalar, f.enum, imports)
        p.lines(`${I}    `, writeTagged(info, 'entry', 2, 'map.get(k)'))
      }
      p.line(`${I}    w.message(${f.number}, entry)`)
      p.line(`${I}  }`)
      p.line(`${I}}`)
      break
    }
  }
}

function emitWriteMessage(
  p: Printer,
  indent: string,
  fieldNo: number,
  v: string,
  delimited: boolean,
): void {
  if (delimited) {
    p.line(`${indent}w.tag(${fieldNo}, WireType.StartGroup)`)
    p.line(`${indent}${v}.encode(w)`)
    p.line(`${indent}w.tag(${fieldNo}, WireType.EndGroup)`)
    return
  }
  p.line(`${indent}const nested = new Writer()`)
  p.line(`${indent}${v}.encode(nested)`)
  p.line(`${indent}w.message(${fieldNo}, nested)`)
}

export function emitDecodeField(p: Printer, f: DescField, imports: ImportSet): void {
  const n = ident(f)
  const I = '          '
  if (
    (f.fieldKind === 'message' || (f.fieldKind === 'list' && f.listKind === 'message')) &&
    f.delimitedEncoding
  ) {
    // Groups (proto2 / editions DELIMITED) are not supported: they are skipped like unknown
    // fields rather than misread.
    p.line(`${I}r.skip()`)
    return
  }
  switch (f.fieldKind) {
    case 'scalar':
    case 'enum': {
      // The setter records presence (explicit fields) or selects the oneof member.
      p.line(`${I}this.${n} = ${valueInfo(f.scalar, f.enum, imports).read('r')}`)
      break
    }
    case 'message': {
      const type = imports.use(f.message)
      if (f.oneof !== undefined) {
        const caseEnum = oneofCaseEnum(f.oneof)
        p.line(`${I}let m = this._${ident(f.oneof)}Case == ${caseEnum}.${n} ? this._${n} : null`)
        p.line(`${I}if (m == null) m = new ${type}()`)
        p.line(`${I}m.mergeFrom(r.message())`)
        p.line(`${I}this.${n} = m`)
      } else {
        p.line(`${I}let m = this.${n}`)
        p.line(`${I}if (m == null) {`)
        p.line(`${I}  m = new ${type}()`)
        p.line(`${I}  this.${n} = m`)
        p.line(`${I}}`)
        p.line(`${I}m.mergeFrom(r.message())`)
      }
      break
    }
    case 'list': {
      if (f.listKind === 'message') {
        p.line(`${I}const m = new ${imports.use(f.message)}()`)
        p.line(`${I}m.mergeFrom(r.message())`)
        p.line(`${I}this.${n}.push(m)`)
        break
      }
      const info = valueInfo(f.scalar, f.enum, imports)
      if (PACKABLE.has(info.wire)) {
        // Either encoding is accepted for any repeated scalar, whatever the declaration says.
        p.line(`${I}if (r.wireType == WireType.Bytes) {`)
        p.line(`${I}  const packed = r.message()`)
        p.line(`${I}  while (!packed.done) {`)
        p.line(`${I}    packed.wireType = WireType.${info.wire}`)
        p.line(`${I}    this.${n}.push(${info.read('packed')})`)
        p.line(`${I}  }`)
        p.line(`${I}} else {`)
        p.line(`${I}  this.${n}.push(${info.read('r')})`)
        p.line(`${I}}`)
      } else {
        p.line(`${I}this.${n}.push(${info.read('r')})`)
      }
      break
    }
    case 'map': {
      const keyInfo = SCALARS[f.mapKey]
      p.line(`${I}const entry = r.message()`)
      p.line(`${I}let k: ${keyInfo.asType} = ${keyInfo.zero}`)
      if (f.mapKind === 'message') {
        const type = imports.use(f.message)
        p.line(`${I}let v: ${type} | null = null`)
        p.line(`${I}while (entry.next()) {`)
        p.line(`${I}  if (entry.field == 1) k = ${keyInfo.read('entry')}`)
        p.line(`${I}  else if (entry.field == 2) {`)
        p.line(`${I}    if (v == null) v = new ${type}()`)
        p.line(`${I}    v.mergeFrom(entry.message())`)
        p.line(`${I}  } else entry.skip()`)
        p.line(`${I}}`)
        p.line(`${I}this.${n}.set(k, v != null ? v : new ${type}())`)
      } else {
        const info = valueInfo(f.scalar, f.enum, imports)
        p.line(`${I}let v: ${info.asType} = ${info.zero}`)
        p.line(`${I}while (entry.next()) {`)
        p.line(`${I}  if (entry.field == 1) k = ${keyInfo.read('entry')}`)
        p.line(`${I}  else if (entry.field == 2) v = ${info.read('entry')}`)
        p.line(`${I}  else entry.skip()`)
        p.line(`${I}}`)
        p.line(`${I}this.${n}.set(k, v)`)
      }
      break
    }
  }
}

/** Wire helpers generated code may call; they live in the runtime's proto.ts. */
const WIRE_HELPERS = [
  'pbZigzag32',
  'pbZigzag64',
  'pbUnzigzag32',
  'pbUnzigzag64',
  'pbRawFixed32',
  'pbRawFixed64',
  'pbRawBytes',
  'pbRawString',
  'pbBytesOf',
  'pbReadUnknown',
] as const

/** The helpers `code` calls, in a fixed order, so the import line is deterministic. */
export function helpersUsedBy(code: string): string[] {
  return WIRE_HELPERS.filter((name) => code.includes(`${name}(`))
}
