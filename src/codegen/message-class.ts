// The declarations of generated messages: enums, oneof case enums, and each message class with
// its fields, accessors, presence tracking and (de)serialisation entry points.

import type { DescEnum, DescField, DescMessage, DescOneof } from '@bufbuild/protobuf'
import { defaultLiteral, fieldType, hasExplicitPresence, valueInfo } from './field-types'
import { emitDecodeField, emitEncodeField } from './message-codec'
import { ident, oneofCaseEnum, pascal, typeIdent } from './naming'
import type { ImportSet, Printer } from './printer'

export function emitEnum(p: Printer, e: DescEnum): void {
  p.line(`/** ${e.typeName} */`)
  p.line(`export enum ${typeIdent(e)} {`)
  for (const v of e.values) p.line(`  ${v.name} = ${v.number},`)
  p.line('}')
  p.line()
}

export function emitMessageTree(p: Printer, m: DescMessage, imports: ImportSet): void {
  if (m.proto.options?.mapEntry === true) return
  for (const e of m.nestedEnums) emitEnum(p, e)
  for (const o of m.oneofs) emitOneofCase(p, o)
  emitMessage(p, m, imports)
  for (const n of m.nestedMessages) emitMessageTree(p, n, imports)
}

function emitOneofCase(p: Printer, o: DescOneof): void {
  p.line(`/** Which member of ${o.parent.typeName}.${o.name} is set (its field number). */`)
  p.line(`export enum ${oneofCaseEnum(o)} {`)
  p.line('  None = 0,')
  for (const f of o.fields) p.line(`  ${ident(f)} = ${f.number},`)
  p.line('}')
  p.line()
}

function emitMessage(p: Printer, m: DescMessage, imports: ImportSet): void {
  const name = typeIdent(m)
  const sorted = [...m.fields].sort((a, b) => a.number - b.number)
  p.line(`/** ${m.typeName} */`)
  p.line(`export class ${name} {`)
  p.line(`  static readonly TYPE_NAME: string = '${m.typeName}'`)
  p.line()

  // Declarations, in declaration order.
  for (const member of m.members) {
    if (member.kind === 'oneof') emitOneofMembers(p, member, imports)
    else emitFieldDecl(p, member, imports)
  }
  p.line('  private _unknown: Writer | null = null')
  p.line()

  // encode
  p.line('  /** Writes the fields of this message (without a tag or length) to `w`. */')
  p.line('  encode(w: Writer): void {')
  for (const f of sorted) emitEncodeField(p, f, imports)
  p.line('    const unknown = this._unknown')
  p.line('    if (unknown != null) w.rawBytes(unknown.finish())')
  p.line('  }')
  p.line()

  // mergeFrom
  p.line('  /** Reads fields from `r` into this message; check `r.ok` afterwards. */')
  p.line('  mergeFrom(r: Reader): void {')
  p.line('    while (r.next()) {')
  p.line('      switch (r.field) {')
  for (const f of sorted) {
    p.line(`        case ${f.number}: {`)
    emitDecodeField(p, f, imports)
    p.line('          break')
    p.line('        }')
  }
  p.line('        default:')
  p.line('          this._unknown = pbReadUnknown(r, this._unknown)')
  p.line('      }')
  p.line('    }')
  p.line('  }')
  p.line()
  p.line('  /** Unknown fields seen while decoding (re-emitted by encode); groups are dropped. */')
  p.line('  unknownFields(): Uint8Array {')
  p.line('    const unknown = this._unknown')
  p.line('    return unknown != null ? unknown.finish() : new Uint8Array(0)')
  p.line('  }')
  p.line()
  p.line('  /** Decodes a message from `r`; malformed input sets `r.error`. */')
  p.line(`  static decode(r: Reader): ${name} {`)
  p.line(`    const m = new ${name}()`)
  p.line('    m.mergeFrom(r)')
  p.line('    return m')
  p.line('  }')
  p.line()
  p.line('  toBytes(): Uint8Array {')
  p.line('    const w = new Writer()')
  p.line('    this.encode(w)')
  p.line('    return w.finish()')
  p.line('  }')
  p.line()
  p.line(
    '  /** Decodes `b`; malformed input yields the fields read so far (use decode to check). */',
  )
  p.line(`  static fromBytes(b: Uint8Array): ${name} {`)
  p.line(`    return ${name}.decode(new Reader(b))`)
  p.line('  }')
  p.line('}')
  p.line()
}

function emitFieldDecl(p: Printer, f: DescField, imports: ImportSet): void {
  const type = fieldType(f, imports)
  const n = ident(f)
  p.line(`  /** ${f.name} = ${f.number} */`)
  switch (f.fieldKind) {
    case 'scalar':
    case 'enum': {
      const info = valueInfo(f.scalar, f.enum, imports)
      const init = defaultLiteral(f, info)
      if (!hasExplicitPresence(f)) {
        p.line(`  ${n}: ${type} = ${init}`)
        break
      }
      const has = `has${pascal(n)}`
      p.line(`  private _${n}: ${type} = ${init}`)
      p.line(`  private _${has}: bool = false`)
      p.line(`  get ${n}(): ${type} {`)
      p.line(`    return this._${n}`)
      p.line('  }')
      p.line(`  set ${n}(v: ${type}) {`)
      p.line(`    this._${n} = v`)
      p.line(`    this._${has} = true`)
      p.line('  }')
      p.line(`  ${has}(): bool {`)
      p.line(`    return this._${has}`)
      p.line('  }')
      p.line(`  clear${pascal(n)}(): void {`)
      p.line(`    this._${n} = ${init}`)
      p.line(`    this._${has} = false`)
      p.line('  }')
      break
    }
    case 'message':
      p.line(`  ${n}: ${type} = null`)
      break
    case 'list':
      p.line(`  ${n}: ${type} = new ${type}()`)
      break
    case 'map':
      p.line(`  ${n}: ${type} = new ${type}()`)
      break
  }
}

function emitOneofMembers(p: Printer, o: DescOneof, imports: ImportSet): void {
  const caseEnum = oneofCaseEnum(o)
  const caseField = `_${ident(o)}Case`
  p.line(`  /** oneof ${o.name}: only the member named by ${ident(o)}Case is set. */`)
  p.line(`  private ${caseField}: ${caseEnum} = ${caseEnum}.None`)
  for (const f of o.fields) {
    const type = fieldType(f, imports)
    const zero = f.fieldKind === 'message' ? 'null' : valueInfo(f.scalar, f.enum, imports).zero
    p.line(`  private _${ident(f)}: ${type} = ${zero}`)
  }
  p.line(`  get ${ident(o)}Case(): ${caseEnum} {`)
  p.line(`    return this.${caseField}`)
  p.line('  }')
  p.line(`  clear${pascal(ident(o))}(): void {`)
  p.line(`    this.${caseField} = ${caseEnum}.None`)
  for (const f of o.fields) {
    const zero = f.fieldKind === 'message' ? 'null' : valueInfo(f.scalar, f.enum, imports).zero
    p.line(`    this._${ident(f)} = ${zero}`)
  }
  p.line('  }')
  for (const f of o.fields) {
    const type = fieldType(f, imports)
    const n = ident(f)
    const zero = f.fieldKind === 'message' ? 'null' : valueInfo(f.scalar, f.enum, imports).zero
    p.line(`  /** ${f.name} = ${f.number} (oneof ${o.name}) */`)
    p.line(`  get ${n}(): ${type} {`)
    p.line(`    return this.${caseField} == ${caseEnum}.${n} ? this._${n} : ${zero}`)
    p.line('  }')
    if (f.fieldKind === 'message') {
      p.line(`  /** Selects this member; null clears the oneof if this member is selected. */`)
      p.line(`  set ${n}(v: ${type}) {`)
      p.line('    if (v == null) {')
      p.line(`      if (this.${caseField} == ${caseEnum}.${n}) this.clear${pascal(ident(o))}()`)
      p.line('      return')
      p.line('    }')
      p.line(`    this.clear${pascal(ident(o))}()`)
      p.line(`    this._${n} = v`)
      p.line(`    this.${caseField} = ${caseEnum}.${n}`)
      p.line('  }')
    } else {
      p.line(`  set ${n}(v: ${type}) {`)
      p.line(`    this.clear${pascal(ident(o))}()`)
      p.line(`    this._${n} = v`)
      p.line(`    this.${caseField} = ${caseEnum}.${n}`)
      p.line('  }')
    }
  }
}
