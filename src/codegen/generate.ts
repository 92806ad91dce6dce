// Generates AssemblyScript guest code from .proto files with buf and protoc-gen-parigot.
//
//   node --import tsx src/codegen/generate.ts <proto dir> <out dir> [options]
//
//   --include <dir>    another proto root for imports (repeatable); its files that are imported
//                      are generated too, as are the well-known types that are imported
//   --runtime <path>   the guest runtime directory or module (default: src/guest/runtime of this
//                      repository); generated files import it by a relative path
//   --sdk <path>       the module the service layer is imported from (default: the runtime)
//
// Everything runs from node_modules (buf, and the plugin through tsx), so it works offline.
// buf sees a temporary workspace holding copies of the proto roots: that way any directory can
// be used, whatever buf.yaml files sit around it.

import { spawnSync } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BUF = join(REPO_ROOT, 'node_modules', '.bin', 'buf')
export const PLUGIN_WRAPPER = join(REPO_ROOT, 'src', 'codegen', 'bin', 'protoc-gen-parigot.mjs')
export const DEFAULT_RUNTIME = join(REPO_ROOT, 'src', 'guest', 'runtime')

export interface GenerateOptions {
  /** Proto root whose files are generated. */
  readonly protoDir: string
  /** Output root; files land at `<out>/<proto path without .proto>.pb.ts`. */
  readonly outDir: string
  /** Further proto roots, for imports only. */
  readonly includes?: readonly string[]
  /** Runtime directory or module file (absolute or relative to the working directory). */
  readonly runtime?: string
  /** Module of the service layer (default: the runtime). */
  readonly sdk?: string
}

/** A temporary buf workspace with one module per proto root (m0 = protoDir). */
function withWorkspace<T>(
  protoDir: string,
  includes: readonly string[],
  body: (ws: string) => T,
): T {
  const ws = mkdtempSync(join(tmpdir(), 'parigot-gen-'))
  try {
    const roots = [protoDir, ...includes]
    roots.forEach((root, i) => {
      const abs = resolve(root)
      if (!statSync(abs).isDirectory()) throw new Error(`not a directory: ${root}`)
      cpSync(abs, join(ws, `m${i}`), {
        recursive: true,
        // Only sources: a buf.yaml or generated output under the root must not leak in.
        filter: (src) => statSync(src).isDirectory() || src.endsWith('.proto'),
      })
    })
    const modules = roots.map((_, i) => `  - path: m${i}`).join('\n')
    writeFileSync(join(ws, 'buf.yaml'), `version: v2\nmodules:\n${modules}\n`)
    return body(ws)
  } finally {
    rmSync(ws, { recursive: true, force: true })
  }
}

function runBuf(ws: string, args: readonly string[]): void {
  const env = {
    ...process.env,
    PATH: [dirname(process.execPath), process.env['PATH']].filter(Boolean).join(delimiter),
  }
  const result = spawnSync(BUF, args, { cwd: ws, env, encoding: 'utf8' })
  if (result.error) throw new Error(`cannot run buf: ${result.error.message}`)
  if (result.status !== 0) {
    throw new Error(`buf ${args.join(' ')} failed (${result.status}):\n${result.stderr}`)
  }
}

/** The runtime import as seen from the output root. */
function runtimeImportFor(outDir: string, runtime: string): string {
  const rel = relative(outDir, resolve(runtime).replace(/\.ts$/, '')).split(sep).join('/')
  return rel.startsWith('.') ? rel : `./${rel}`
}

/** Generates AssemblyScript for every .proto file under `protoDir` (and what they import). */
export function generateGuestCode(options: GenerateOptions): void {
  const outDir = resolve(options.outDir)
  mkdirSync(outDir, { recursive: true })
  const runtime = runtimeImportFor(outDir, options.runtime ?? DEFAULT_RUNTIME)
  const sdk = runtimeImportFor(outDir, options.sdk ?? options.runtime ?? DEFAULT_RUNTIME)
  withWorkspace(options.protoDir, options.includes ?? [], (ws) => {
    const template = {
      version: 'v2',
      plugins: [
        {
          local: [process.execPath, PLUGIN_WRAPPER],
          out: outDir,
          opt: `runtime=${runtime},sdk=${sdk}`,
          include_imports: true,
          include_wkt: true,
          // One invocation for all files: the plugin writes one runtime.ts for the whole output.
          strategy: 'all',
        },
      ],
    }
    // JSON is valid YAML, and escapes paths safely.
    writeFileSync(join(ws, 'buf.gen.yaml'), JSON.stringify(template, null, 2))
    runBuf(ws, ['generate', 'm0', '--template', 'buf.gen.yaml'])
  })
}

/**
 * A binary FileDescriptorSet (with imports) for the same inputs, e.g. for @bufbuild/protobuf's
 * reflection API in tests.
 */
export function buildDescriptorSet(protoDir: string, includes: readonly string[] = []): Uint8Array {
  return withWorkspace(protoDir, includes, (ws) => {
    const image = join(ws, 'image.binpb')
    runBuf(ws, ['build', '-o', image])
    return new Uint8Array(readFileSync(image))
  })
}

function parseArgs(argv: readonly string[]): GenerateOptions {
  const positional: string[] = []
  const includes: string[] = []
  let runtime: string | undefined
  let sdk: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--include' || arg === '--runtime' || arg === '--sdk') {
      const value = argv[++i]
      if (value === undefined) throw new Error(`${arg} needs a value`)
      if (arg === '--include') includes.push(value)
      else if (arg === '--sdk') sdk = value
      else runtime = value
    } else if (arg !== undefined && arg.startsWith('--')) {
      throw new Error(`unknown option ${arg}`)
    } else if (arg !== undefined) {
      positional.push(arg)
    }
  }
  const [protoDir, outDir, ...extra] = positional
  if (protoDir === undefined || outDir === undefined || extra.length > 0) {
    throw new Error(
      'usage: generate.ts <proto dir> <out dir> [--include <dir>]... [--runtime <path>] [--sdk <path>]',
    )
  }
  return {
    protoDir,
    outDir,
    includes,
    ...(runtime === undefined ? {} : { runtime }),
    ...(sdk === undefined ? {} : { sdk }),
  }
}

const invokedPath = process.argv[1]
if (invokedPath !== undefined && resolve(invokedPath) === fileURLToPath(import.meta.url)) {
  try {
    const options = parseArgs(process.argv.slice(2))
    generateGuestCode(options)
    console.log(`generated AssemblyScript into ${options.outDir}`)
  } catch (e) {
    console.error(`generate: ${e instanceof Error ? e.message : String(e)}`)
    process.exit(1)
  }
}
