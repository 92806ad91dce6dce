// Names in the generated AssemblyScript: types, members and oneof case enums.

import type { DescEnum, DescField, DescMessage, DescOneof } from '@bufbuild/protobuf'

/** AS identifier of a message or enum: nested names joined with `_`, as protobuf-es does. */
export function typeIdent(desc: DescMessage | DescEnum): string {
  const pkg = desc.file.proto.package ?? ''
  const local = pkg.length > 0 ? desc.typeName.slice(pkg.length + 1) : desc.typeName
  return local.replace(/\./g, '_')
}

export const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

// Strict-mode reserved words that asc rejects as accessor names (protobuf-es's localName leaves
// them alone because JavaScript allows them as property names).
const AS_RESERVED = new Set([
  'implements',
  'interface',
  'let',
  'package',
  'private',
  'protected',
  'public',
  'static',
  'yield',
])

/** AS member name of a field or oneof. */
export function ident(desc: DescField | DescOneof): string {
  return AS_RESERVED.has(desc.localName) ? `${desc.localName}_` : desc.localName
}

export function oneofCaseEnum(o: DescOneof): string {
  return `${typeIdent(o.parent)}_${pascal(ident(o))}Case`
}
