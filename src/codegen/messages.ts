// Emits AssemblyScript message types with protobuf binary encode/decode for one .proto file.
//
// The output uses the guest runtime's Writer/Reader (src/guest/runtime/proto.ts). What that
// runtime's Writer/Reader lack (writing a value even when it is the default, zigzag, raw fixed
// values, preserving unknown fields) lives at the end of the runtime's proto.ts; each generated file
// imports just the helpers it calls.
//
// Encoding follows protobuf-es exactly (fields in field-number order, defaults skipped, map
// entries with both key and value, unknown fields appended last), so for a canonical input the
// bytes are identical and can be compared in tests.

import type { DescFile } from '@bufbuild/protobuf'
import { emitEnum, emitMessageTree } from './message-class'
import { helpersUsedBy } from './message-codec'
import { GENERATED_HEADER, ImportSet, Printer, runtimePath } from './printer'

export { GENERATED_HEADER } from './printer'

export interface MessageFileOptions {
  /**
   * Import path of the guest runtime (the module exporting Writer, Reader, WireType). A
   * relative path is taken as relative to the output root and adjusted for each file's depth.
   */
  readonly runtimeImport: string
}

/** Output file name for a .proto file: `dir/name.proto` → `dir/name.pb.ts`. */
export function messageFileName(file: DescFile): string {
  return `${file.name}.pb.ts`
}

/** Generates `<name>.pb.ts` for one file. */
export function generateMessageFile(file: DescFile, options: MessageFileOptions): string {
  const out = new Printer()
  const body = new Printer()
  const imports = new ImportSet(file)
  for (const e of file.enums) emitEnum(body, e)
  for (const m of file.messages) emitMessageTree(body, m, imports)

  out.line(GENERATED_HEADER)
  out.line(`// source: ${file.proto.name ?? file.name + '.proto'}`)
  out.line('//')
  out.line('// AssemblyScript message types for the parigot guest runtime.')
  out.line()
  const code = body.text()
  const names = ['Reader', 'WireType', 'Writer', ...helpersUsedBy(code)]
  out.line(`import { ${names.join(', ')} } from '${runtimePath(file, options.runtimeImport)}'`)
  for (const line of imports.lines()) out.line(line)
  out.line()
  out.raw(code)
  return out.text()
}
