// @ts-check
import js from '@eslint/js'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import { builtinModules } from 'node:module'
import tseslint from 'typescript-eslint'

// ---- Layers (docs/architecture.md) ------------------------------------------------------------
// ESLint's own no-restricted-imports with one `files` block per folder, rather than
// eslint-plugin-boundaries or dependency-cruiser: neither is installed, and none can be added now.
// Rules match the import specifier as written (every import in src/ is relative; there are no path
// aliases), so "climbs out with ../ and enters folder X" is what a regex below recognises.
// Dynamic import('…') is held to the same patterns through no-restricted-syntax.

/** @param {string} s */
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A relative specifier that climbs out of the importing folder and enters `path` (under src/). */
/** @param {string} path */
const into = (path) => {
  const [top, ...rest] = path.split('/')
  // src/main/<sub> may be reached as ../<sub> (from a sibling under main) or ../../main/<sub>.
  const head = top === 'main' && rest.length > 0 ? '((src/)?main/)?' : '(src/)?'
  const tail = top === 'main' && rest.length > 0 ? rest.join('/') : path
  return `^(\\.\\./)+${head}${escape(tail)}`
}

const R = {
  node: {
    regex: `^(node:|(${builtinModules.map(escape).join('|')})(/|$))`,
    what: 'Node built-ins',
  },
  electron: { regex: '^electron(/|$)', what: 'electron' },
  main: { regex: `${into('main')}(/|$)`, what: 'src/main' },
  renderer: { regex: `${into('renderer')}(/|$)`, what: 'src/renderer' },
  preload: { regex: `${into('preload')}(/|$)`, what: 'src/preload' },
  shared: { regex: `${into('shared')}(/|$)`, what: 'src/shared' },
  guest: { regex: `${into('guest')}(/|$)`, what: 'src/guest' },
  codegen: { regex: `${into('codegen')}(/|$)`, what: 'src/codegen' },
  kernel: { regex: `${into('main/kernel')}(/|$)`, what: 'src/main/kernel' },
  runner: { regex: `${into('main/runner')}(/|$)`, what: 'src/main/runner' },
  bridge: { regex: `${into('main/bridge')}(/|$)`, what: 'src/main/bridge' },
  cli: { regex: `${into('main/cli')}(/|$)`, what: 'src/main/cli' },
  plugins: { regex: `${into('main/plugins')}(/|$)`, what: 'src/main/plugins' },
  cluster: { regex: `${into('main/cluster')}(/|$)`, what: 'src/main/cluster' },
  // The engine's barrel (src/main/engine/index.ts) is its public API; any deeper path is internal.
  engineInternals: {
    regex: `${into('main/engine')}/(?!index$)`,
    what: 'engine internals (import from src/main/engine, its index.ts barrel)',
  },
  // A plugin's face to the bridge is src/main/plugins/<name>/api.ts; nothing else of it.
  pluginInternals: {
    regex: `${into('main/plugins')}(?!/[^/]+/api$)(/|$)`,
    what: 'plugin internals (import from src/main/plugins/<name>/api)',
  },
}

/**
 * One layer's block: `layer` (the folder, as named in messages) may not import any of `banned`.
 * Each ban becomes a no-restricted-imports pattern (static import/export … from) and a
 * no-restricted-syntax selector (dynamic import of a string literal), with the same message.
 */
/**
 * @param {string[]} files
 * @param {string} name
 * @param {{ regex: string, what: string }[]} banned
 * @param {string} why
 */
function layer(files, name, banned, why) {
  /** @param {{ what: string }} r */
  const message = (r) =>
    `Layer rule: ${name} imports no ${r.what}; ${why} (docs/architecture.md#layers).`
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: banned.map((r) => ({
            regex: r.regex,
            caseSensitive: true,
            message: message(r),
          })),
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...banned.map((r) => ({
          // esquery ends a regex at the first '/', so the slashes in the pattern are spelled \x2F.
          selector: `ImportExpression[source.value=/${r.regex.replaceAll('/', '\\x2F')}/]`,
          message: message(r),
        })),
      ],
    },
  }
}

const GUEST_FILES = 'src/guest/**/*.ts'
const MAIN_WIDE = [R.renderer, R.preload, R.guest]

const layers = [
  layer(
    ['src/shared/**/*.ts'],
    'src/shared',
    [R.node, R.electron, R.main, R.renderer, R.preload, R.guest, R.codegen],
    'it is loaded by main, preload, renderer and CLI alike, so it depends on no platform',
  ),
  layer(
    ['src/renderer/**/*.{ts,svelte}'],
    'src/renderer',
    [R.node, R.electron, R.main, R.preload, R.guest, R.codegen],
    'it runs in Chromium and reaches main only through the preload bridge (src/shared/bridge)',
  ),
  layer(
    ['src/preload/**/*.ts'],
    'src/preload',
    [R.main, R.renderer, R.guest, R.codegen],
    'it only exposes the typed bridge of src/shared/bridge',
  ),
  layer(
    [GUEST_FILES],
    'src/guest',
    [R.node, R.electron, R.main, R.shared, R.renderer, R.preload, R.codegen],
    'it is AssemblyScript compiled into WebAssembly guests',
  ),
  layer(
    ['src/codegen/**/*.ts'],
    'src/codegen',
    [R.main, R.renderer, R.preload, R.guest],
    'it is a build tool over proto files, independent of the host',
  ),
  // Files directly under src/main (the Electron entry, menu, security) and src/main/types.
  layer(
    ['src/main/**/*.ts'],
    'src/main',
    [...MAIN_WIDE, R.codegen],
    'main talks to the renderer over IPC, runs guests as wasm, and only the CLI runs codegen',
  ),
  layer(
    ['src/main/engine/**/*.ts'],
    'src/main/engine',
    [...MAIN_WIDE, R.codegen, R.kernel, R.runner, R.bridge, R.cli, R.plugins, R.cluster],
    'it is the bottom layer of main: wasm compile, instantiate, host functions',
  ),
  layer(
    ['src/main/kernel/**/*.ts'],
    'src/main/kernel',
    [...MAIN_WIDE, R.codegen, R.runner, R.bridge, R.cli, R.plugins, R.cluster],
    'it sits below the runner, the bridge, the CLI, the plugins and the cluster',
  ),
  layer(
    ['src/main/cluster/**/*.ts'],
    'src/main/cluster',
    [...MAIN_WIDE, R.codegen, R.runner, R.bridge, R.cli, R.plugins],
    'it joins a kernel to the other hosts over NATS; the runner drives it',
  ),
  layer(
    ['src/main/plugins/**/*.ts'],
    'src/main/plugins',
    [...MAIN_WIDE, R.codegen, R.engineInternals, R.kernel, R.runner, R.bridge, R.cli, R.cluster],
    "plugins see the engine's public API only",
  ),
  layer(
    ['src/main/runner/**/*.ts'],
    'src/main/runner',
    [...MAIN_WIDE, R.codegen, R.bridge, R.cli],
    'the bridge and the CLI drive the runner, not the other way round',
  ),
  layer(
    ['src/main/bridge/**/*.ts'],
    'src/main/bridge',
    [...MAIN_WIDE, R.codegen, R.pluginInternals, R.cli],
    'the bridge talks to a plugin only through what the plugin exports for it',
  ),
  layer(
    ['src/main/cli/**/*.ts'],
    'src/main/cli',
    MAIN_WIDE,
    'the CLI is the headless front end of the engine, kernel and runner',
  ),
]

// Everything but the layer rules stays off for the AssemblyScript guest sources: TypeScript
// syntax with AS types, which asc type-checks when it compiles the guests. They parse as
// TypeScript because they use no AS decorator (typescript-estree rejects `@inline` on a function);
// a guest file that needs one has to go into the ignores above, out of the layer check too.
/** @param {import('eslint').Linter.Config[]} configs */
const notGuest = (configs) =>
  configs.map((c) => ({ ...c, ignores: [...(c.ignores ?? []), GUEST_FILES] }))

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'out/',
      'dist/',
      'bench/results/',
      'src/shared/gen/',
      'test-results/',
      // AssemblyScript guests outside src/guest (see notGuest above for src/guest itself).
      'test/fixtures/guests/',
      'bench/guests/',
      'examples/*/guest/',
    ],
  },
  ...notGuest([
    js.configs.recommended,
    ...tseslint.configs.strict,
    ...svelte.configs['flat/recommended'],
    {
      languageOptions: { globals: { ...globals.node } },
      rules: {
        '@typescript-eslint/no-unused-vars': [
          'error',
          { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
        ],
        '@typescript-eslint/consistent-type-imports': 'error',
      },
    },
  ]),
  {
    // Tests assert on values they just checked exist; `!` keeps them readable.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['src/renderer/**/*.{ts,svelte}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  { files: [GUEST_FILES], languageOptions: { parser: tseslint.parser } },
  ...layers,
)
