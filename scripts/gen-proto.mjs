#!/usr/bin/env node
// Lints the .proto files under proto/ and generates their TypeScript types into src/shared/gen
// with buf + protoc-gen-es (both from node_modules, so this works offline).
//
//   node scripts/gen-proto.mjs           lint, then regenerate src/shared/gen (buf.gen.yaml)
//   node scripts/gen-proto.mjs --check   lint, generate into a temporary directory and compare it
//                                        file by file with src/shared/gen; exit 1 if it is stale
//
// The binaries are invoked by explicit path and the directory of the running node is put first
// on PATH (protoc-gen-es is a `#!/usr/bin/env node` script), so a clean environment works too.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
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

const lintCode = runBuf(['lint'])
if (lintCode !== 0) process.exit(lintCode)

if (!check) {
  const genCode = runBuf(['generate'])
  if (genCode !== 0) process.exit(genCode)
  console.log(`generated ${listFiles(join(root, genDir)).length} files into ${genDir}`)
  process.exit(0)
}

/** Generates into tmp and compares with src/shared/gen; returns an exit code (0 = current). */
function checkInto(tmp) {
  // --output prepends tmp to the template's `out:`, so the check uses exactly the same template
  // (plugin, options) as `npm run gen`.
  const genCode = runBuf(['generate', '--output', tmp])
  if (genCode !== 0) return genCode
  const fresh = join(tmp, genDir)
  const current = join(root, genDir)
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

  if (missing.length + stale.length + extra.length === 0) {
    console.log(`generated code is current (${freshFiles.length} files)`)
    return 0
  }
  console.error(`generated code in ${genDir} is out of date:`)
  for (const f of stale) console.error(`  stale:   ${genDir}/${f}`)
  for (const f of missing) console.error(`  missing: ${genDir}/${f}`)
  for (const f of extra) console.error(`  extra:   ${genDir}/${f}`)
  console.error('fix: run `npm run gen` and commit the result')
  return 1
}

const tmp = mkdtempSync(join(tmpdir(), 'parigot-gen-'))
let exitCode
try {
  exitCode = checkInto(tmp)
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
process.exit(exitCode)
