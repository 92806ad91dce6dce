// `npm test`: every check the project makes, in one command: generated code is current,
// type-check, lint, and the whole vitest suite. It runs every step even after a failure (so one
// run shows everything that is wrong) and ends with one plain line "N passed, N failed" that
// counts each check step and each test.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const bin = (name) => join(root, 'node_modules', '.bin', name)
const resultFile = join(root, 'test-results', 'vitest.json')

const checks = [
  // Tests drive the built product (out/), so the build is the first check.
  [
    'build (npm run build)',
    process.execPath,
    [
      join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'),
      'build',
      '--logLevel',
      'warn',
    ],
  ],
  ['generated code is current', process.execPath, ['scripts/gen-proto.mjs', '--check']],
  ['type-check (node, electron main/preload)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
  [
    'type-check (renderer, svelte)',
    bin('svelte-check'),
    ['--tsconfig', './tsconfig.electron.json', '--fail-on-warnings'],
  ],
  ['lint (eslint)', bin('eslint'), ['.', '--max-warnings=0']],
  ['format (prettier)', bin('prettier'), ['--check', '.', '--log-level=warn']],
]

function run(label, command, args) {
  console.log(`\n=== ${label}`)
  const started = Date.now()
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  const ok = result.status === 0
  console.log(
    `=== ${label}: ${ok ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  )
  return ok
}

let checksPassed = 0
let checksFailed = 0
for (const [label, command, args] of checks) {
  if (run(label, command, args)) checksPassed++
  else checksFailed++
}

rmSync(resultFile, { force: true })
mkdirSync(join(root, 'test-results'), { recursive: true })
const vitestOk = run('tests (vitest)', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${resultFile}`,
])

let testsPassed = 0
let testsFailed = 0
let testsSkipped = 0
try {
  const report = JSON.parse(readFileSync(resultFile, 'utf8'))
  testsPassed = report.numPassedTests
  testsFailed = report.numFailedTests
  testsSkipped = report.numPendingTests + report.numTodoTests
} catch {
  // vitest crashed before writing its report; counted below
}
// A suite that fails to load (syntax error, failing hook) fails no test but fails the run.
if (!vitestOk && testsFailed === 0) testsFailed = 1

console.log(`\nchecks: ${checksPassed} passed, ${checksFailed} failed`)
console.log(
  `${checksPassed + testsPassed} passed, ${checksFailed + testsFailed} failed, ${testsSkipped} skipped`,
)
process.exit(checksFailed + testsFailed === 0 ? 0 : 1)
