#!/usr/bin/env node
// Lints the .proto files under proto/ and generates every checked-in generated file:
//   src/shared/gen            TypeScript types of proto/ (buf + protoc-gen-es, buf.gen.yaml)
//   src/guest/gen             AssemblyScript of proto/ for the guest runtime (protoc-gen-parigot:
//                             the syscall messages the runtime uses, file/queue host wrappers)
//   examples/<name>/guest/gen AssemblyScript of examples/<name>/proto (messages, clients, servers)
//   src/shared/deploy-config/gen  the deploy-config schema compiled by Ajv into standalone code
//                             (scripts/gen-deploy-validator.ts)
//   src/shared/wire-fields/gen    the syscall messages' field numbers, for the guest worker's
//                             hand-written wire code (scripts/gen-wire-fields.ts)
// The AssemblyScript is formatted with the repository's Prettier settings. Everything runs from
// node_modules, so this works offline.
//
//   node scripts/gen-proto.mjs           lint, then regenerate all of the above
//   node scripts/gen-proto.mjs --check   lint, generate into a temporary directory and compare it
//                                        file by file with the checked-in files; exit 1 if stale
//
// The binaries are invoked by explicit path and the directory of the running node is put first
// on PATH (protoc-gen-es is a `#!/usr/bin/env node` script), so a clean environment works too.
import { spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const genDir = 'src/shared/gen' // must match `out:` in buf.gen.yaml
const buf = join(root, 'node_modules', '.bin', 'buf')
const plugin = join(root, 'node_modules', '.bin', 'protoc-gen-es')

const args = process.argv.slice(2)
const unknown = args.filter((a) => a !== '--check')
if (unknown.length > 0) {
  console.error(`gen-proto: unknown argument(s): ${unknown.join(' ')}`)
  console.error('usage: node scripts/gen-proto.mjs [--check]')
  process.exit(2)
}
const check = args.includes('--check')

for (const [what, path] of [
  ['buf', buf],
  ['protoc-gen-es', plugin],
]) {
  if (!existsSync(path)) {
    console.error(`gen-proto: ${what} not found at ${relative(root, path)}; run \`npm ci\` first`)
    process.exit(2)
  }
}

const env = {
  ...process.env,
  PATH: [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter),
}

/** Runs buf with the given arguments in the repository root; returns an exit code (0 = ok). */
function runBuf(bufArgs) {
  const result = spawnSync(buf, bufArgs, { cwd: root, env, stdio: 'inherit' })
  if (result.error) {
    console.error(`gen-proto: cannot run buf: ${result.error.message}`)
    return 2
  }
  if (result.status !== 0) {
    const how = result.signal ? `signal ${result.signal}` : `exit code ${result.status}`
    console.error(`gen-proto: \`buf ${bufArgs.join(' ')}\` failed (${how})`)
    return 1
  }
  return 0
}

/** Lists the files under dir (recursively) as sorted '/'-separated relative paths. */
function listFiles(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'))
    .sort()
}

/** The AssemblyScript outputs: proto root, output dir, runtime and SDK modules (repo-relative). */
function guestTargets() {
  const targets = [
    {
      proto: 'proto',
      out: 'src/guest/gen',
      // The runtime's own messages import only the codec, so the runtime index can import them.
      runtime: 'src/guest/runtime/proto',
      sdk: 'src/guest/runtime',
    },
  ]
  for (const name of readdirSync(join(root, 'examples')).sort()) {
    if (!existsSync(join(root, 'examples', name, 'proto'))) continue
    targets.push({
      proto: `examples/${name}/proto`,
      out: `examples/${name}/guest/gen`,
      runtime: 'src/guest/runtime',
      sdk: 'src/guest/runtime',
    })
  }
  return targets
}

/**
 * Generates every guest target under `base` (mirroring the repository layout, so relative
 * imports come out as they will be in place) and formats it; returns an exit code.
 */
async function generateGuests(base) {
  const prettier = await import('prettier')
  const config = (await prettier.resolveConfig(join(root, 'src', 'guest', 'x.ts'))) ?? {}
  for (const t of guestTargets()) {
    const out = join(base, t.out)
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'src', 'codegen', 'generate.ts'),
        join(root, t.proto),
        out,
        '--runtime',
        join(base, t.runtime),
        '--sdk',
        join(base, t.sdk),
      ],
      { cwd: root, env, encoding: 'utf8' },
    )
    if (result.status !== 0) {
      console.error(`gen-proto: generating ${t.out} failed:\n${result.stderr}`)
      return 1
    }
    for (const f of listFiles(out)) {
      const path = join(out, f)
      const text = readFileSync(path, 'utf8')
      const formatted = await prettier.format(text, {
        ...config,
        plugins: [],
        parser: 'typescript',
      })
      writeFileSync(path, formatted)
    }
  }
  return 0
}

const validatorDir = 'src/shared/deploy-config/gen'
const wireFieldsDir = 'src/shared/wire-fields/gen'

/**
 * Runs a one-file generator script (`node --import tsx scripts/<script> <out file>`), writing
 * `<base>/<dir>/<file>`; returns an exit code.
 */
function runFileGenerator(script, base, dir, file) {
  const out = join(base, dir, file)
  mkdirSync(dirname(out), { recursive: true })
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'scripts', script), out],
    {
      cwd: root,
      env,
      encoding: 'utf8',
    },
  )
  if (result.status !== 0) console.error(`gen-proto: generating ${dir} failed:\n${result.stderr}`)
  return result.status ?? 1
}

/** The Ajv standalone validator of the deploy-config schema. */
const generateValidator = (base) =>
  runFileGenerator('gen-deploy-validator.ts', base, validatorDir, 'validate-deploy-config.ts')

/** The field-number module (from the descriptors in src/shared/gen). */
const generateWireFields = (base) =>
  runFileGenerator('gen-wire-fields.ts', base, wireFieldsDir, 'fields.ts')

/** Compares the files under `fresh` and `current`; prints what differs; returns their count. */
function compareDirs(fresh, current, label) {
  const freshFiles = listFiles(fresh)
  const freshSet = new Set(freshFiles)
  const currentFiles = listFiles(current)
  const currentSet = new Set(currentFiles)
  const missing = freshFiles.filter((f) => !currentSet.has(f))
  const stale = freshFiles.filter(
    (f) =>
      currentSet.has(f) && !readFileSync(join(fresh, f)).equals(readFileSync(join(current, f))),
  )
  const extra = currentFiles.filter((f) => !freshSet.has(f))
  const count = missing.length + stale.length + extra.length
  if (count > 0) console.error(`generated code in ${label} is out of date:`)
  for (const f of stale) console.error(`  stale:   ${label}/${f}`)
  for (const f of missing) console.error(`  missing: ${label}/${f}`)
  for (const f of extra) console.error(`  extra:   ${label}/${f}`)
  return count
}

const lintCode = runBuf(['lint'])
if (lintCode !== 0) process.exit(lintCode)

if (!check) {
  const genCode = runBuf(['generate'])
  if (genCode !== 0) process.exit(genCode)
  console.log(`generated ${listFiles(join(root, genDir)).length} files into ${genDir}`)
  const tmp = mkdtempSync(join(tmpdir(), 'parigot-gen-'))
  try {
    const code = await generateGuests(tmp)
    if (code !== 0) process.exit(code)
    for (const t of guestTargets()) {
      rmSync(join(root, t.out), { recursive: true, force: true })
      cpSync(join(tmp, t.out), join(root, t.out), { recursive: true })
      console.log(`generated ${listFiles(join(root, t.out)).length} files into ${t.out}`)
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  const validatorCode = generateValidator(root)
  if (validatorCode !== 0) process.exit(validatorCode)
  console.log(`generated ${listFiles(join(root, validatorDir)).length} files into ${validatorDir}`)
  // After buf generate: it reads the descriptors just written to src/shared/gen.
  const wireFieldsCode = generateWireFields(root)
  if (wireFieldsCode !== 0) process.exit(wireFieldsCode)
  console.log(
    `generated ${listFiles(join(root, wireFieldsDir)).length} files into ${wireFieldsDir}`,
  )
  process.exit(0)
}

/** Generates into tmp and compares with the checked-in files; returns an exit code (0 = current). */
async function checkInto(tmp) {
  // --output prepends tmp to the template's `out:`, so the check uses exactly the same template
  // (plugin, options) as `npm run gen`.
  const genCode = runBuf(['generate', '--output', tmp])
  if (genCode !== 0) return genCode
  const guestCode = await generateGuests(tmp)
  if (guestCode !== 0) return guestCode
  const validatorCode = generateValidator(tmp)
  if (validatorCode !== 0) return validatorCode
  // From the checked-in descriptors: a stale src/shared/gen is reported by its own comparison.
  const wireFieldsCode = generateWireFields(tmp)
  if (wireFieldsCode !== 0) return wireFieldsCode
  let differences = compareDirs(join(tmp, genDir), join(root, genDir), genDir)
  let files = listFiles(join(tmp, genDir)).length
  for (const t of guestTargets()) {
    differences += compareDirs(join(tmp, t.out), join(root, t.out), t.out)
    files += listFiles(join(tmp, t.out)).length
  }
  differences += compareDirs(join(tmp, validatorDir), join(root, validatorDir), validatorDir)
  files += listFiles(join(tmp, validatorDir)).length
  differences += compareDirs(join(tmp, wireFieldsDir), join(root, wireFieldsDir), wireFieldsDir)
  files += listFiles(join(tmp, wireFieldsDir)).length
  if (differences === 0) {
    console.log(`generated code is current (${files} files)`)
    return 0
  }
  console.error('fix: run `npm run gen` and commit the result')
  return 1
}

const tmp = mkdtempSync(join(tmpdir(), 'parigot-gen-'))
let exitCode
try {
  exitCode = await checkInto(tmp)
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
process.exit(exitCode)
