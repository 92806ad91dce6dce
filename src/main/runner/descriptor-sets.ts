// The message and service types of a deployment: the FileDescriptorSet files it names in
// `deployment.descriptors` (the queue inspector decodes payloads with them), read into one
// registry, or the sets its guests carry (method-catalog.ts). The files are user
// input, so each is size-bounded and checked; a bad one is reported by name and left out, and
// payloads of its types then show in hex with that problem beside them.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { createFileRegistry, fromBinary } from '@bufbuild/protobuf'
import type { FileRegistry } from '@bufbuild/protobuf'
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt'

/** Far above any real descriptor set (the parigot contract's is a few KiB). */
export const MAX_DESCRIPTOR_SET_BYTES = 16 * 1024 * 1024

export interface DescriptorProblem {
  /** Absolute path of the file. */
  readonly file: string
  /** What is wrong with it, without the file name. */
  readonly problem: string
}

export interface LoadedDescriptors {
  /** The message types of every good file; undefined when there is none. */
  readonly registry: FileRegistry | undefined
  /** One entry per file that could not be used, in the order given. */
  readonly problems: readonly DescriptorProblem[]
}

/** `file: problem`, the form log lines and payload notes use. */
export function describeDescriptorProblem(p: DescriptorProblem): string {
  return `descriptor set ${p.file}: ${p.problem}`
}

function errorText(err: unknown): string {
  const code = (err as { code?: unknown }).code
  if (code === 'ENOENT') return 'does not exist'
  if (code === 'EISDIR') return 'is a directory, expected a FileDescriptorSet file'
  return err instanceof Error ? err.message : String(err)
}

/** Reads at most `maxBytes` (more is refused before anything is read). */
function readBounded(file: string, maxBytes: number): Uint8Array {
  const fd = openSync(file, 'r')
  try {
    const info = fstatSync(fd)
    if (!info.isFile()) throw new Error('is not a file')
    if (info.size > maxBytes) {
      throw new Error(`is ${info.size} bytes, more than the ${maxBytes} a descriptor set may have`)
    }
    // The size can grow between fstat and read: read one byte past it to notice.
    const bytes = new Uint8Array(info.size + 1)
    let length = 0
    for (;;) {
      const n = readSync(fd, bytes, length, bytes.length - length, null)
      if (n === 0) break
      length += n
      if (length === bytes.length) throw new Error('changed while it was read')
    }
    return bytes.subarray(0, length)
  } finally {
    closeSync(fd)
  }
}

/** One file into a registry of its own; throws with the reason when it cannot be used. */
function loadOne(file: string, maxBytes: number): FileRegistry {
  let bytes: Uint8Array
  try {
    bytes = readBounded(file, maxBytes)
  } catch (err) {
    throw new Error(errorText(err), { cause: err })
  }
  return registryOf(bytes)
}

/**
 * A binary FileDescriptorSet (a file's contents, or a guest's parigot.descriptors section) as a
 * registry; throws with the reason when it cannot be used.
 */
export function registryOf(bytes: Uint8Array): FileRegistry {
  let set
  try {
    set = fromBinary(FileDescriptorSetSchema, bytes)
  } catch (err) {
    throw new Error(`not a binary FileDescriptorSet (${errorText(err)})`, { cause: err })
  }
  // Arbitrary bytes can happen to parse: a real set has files and nothing but field 1.
  const unknown = set.$unknown ?? []
  if (unknown.length > 0) {
    const fields = [...new Set(unknown.map((u) => u.no))].join(', ')
    throw new Error(`not a binary FileDescriptorSet (unexpected field ${fields})`)
  }
  if (set.file.length === 0) {
    throw new Error('holds no .proto file: not a binary FileDescriptorSet, or an empty one')
  }
  try {
    return createFileRegistry(set)
  } catch (err) {
    // Typically a set written without its imports (protoc without --include_imports).
    throw new Error(`cannot be used: ${errorText(err)}`, { cause: err })
  }
}

/** Reads every file; the good ones make the registry, the bad ones are named in `problems`. */
export function loadDescriptorSets(
  files: readonly string[],
  maxBytes: number = MAX_DESCRIPTOR_SET_BYTES,
): LoadedDescriptors {
  const registries: FileRegistry[] = []
  const problems: DescriptorProblem[] = []
  for (const file of files) {
    try {
      registries.push(loadOne(file, maxBytes))
    } catch (err) {
      problems.push({ file, problem: errorText(err) })
    }
  }
  // Merging never fails: a type defined in two sets is taken from the later one.
  const registry = registries.length === 0 ? undefined : createFileRegistry(...registries)
  return { registry, problems }
}
