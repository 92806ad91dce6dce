// @ts-check
import js from '@eslint/js'
import boundaries from 'eslint-plugin-boundaries'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// ---- Layers (docs/architecture.md#layers) ----------------------------------------------------
// eslint-plugin-boundaries rather than dependency-cruiser: it runs inside the ESLint we already
// run (editor squiggles, `npm test`, one config), while dependency-cruiser is a second tool with
// its own config and CLI. The plugin resolves each import to a file and classifies both ends by
// folder, so a rule holds however the specifier is spelled, type-only and dynamic imports and
// re-exports included; each layer lists what it MAY import (everything else is refused, a new
// folder included), and a file under src/ outside every layer is itself an error.

/** The layers, most specific first: a file belongs to the first folder that contains it. */
const LAYERS = [
  'src/shared',
  'src/renderer',
  'src/preload',
  'src/guest',
  'src/codegen',
  'src/main/engine',
  'src/main/kernel',
  'src/main/plugins',
  'src/main/cluster',
  'src/main/runner',
  'src/main/bridge',
  'src/main/cli',
  // What is left of src/main: the Electron entry, menu, security, ambient types.
  'src/main',
]

/** Targets of a policy: a layer (optionally some of its files only), or a kind of module. */
/** @param {string} type @param {string} [files] */
const to = (type, files) => ({ element: { type, ...(files ? { fileInternalPath: files } : {}) } })
const PACKAGE_JSON = { file: { categories: 'package.json' } }
const NODE = { module: { origin: 'core' } }
const NPM = { module: { origin: 'external' } }
const ANYTHING = { module: { origin: '*' } }
const ELECTRON = { module: { origin: 'external', source: 'electron' } }

/**
 * One layer's policies: `layer` may import `may` (its own files always); anything else is
 * refused with a message naming the layer, what it may import, why, and this section. The
 * refusal comes first and the allowances after it, because a later matching policy wins.
 * @param {string} layer
 * @param {string} mayText what the message says the layer may import
 * @param {object[]} may
 * @param {string} why
 * @param {object[]} [never] refused even though `may` would allow them (electron among npm)
 */
function layer(layer, mayText, may, why, never = []) {
  const from = { element: { type: layer } }
  const message =
    `Layer rule: ${layer} may not import '{{dependency.source}}' ` +
    '({{#if to.filePath}}{{to.filePath}}{{else if to.module.source}}{{to.module.origin}} module' +
    '{{else}}outside every layer{{/if}}); ' +
    `it may import ${mayText} only: ${why} (docs/architecture.md#layers).`
  return [
    { from, disallow: { to: ANYTHING }, message },
    ...(may.length > 0 ? [{ from, allow: { to: may } }] : []),
    ...(never.length > 0 ? [{ from, disallow: { to: never }, message }] : []),
  ]
}

const MAIN_BELOW_BRIDGE = ['src/main/runner', 'src/main/kernel', 'src/main/engine']

const layerPolicies = [
  layer(
    'src/shared',
    'src/shared and npm packages (not electron)',
    [to('src/shared'), NPM],
    'it is loaded by main, preload, renderer and CLI alike, so it depends on no platform',
    [ELECTRON],
  ),
  layer(
    'src/renderer',
    'src/shared and npm packages (not electron)',
    [to('src/shared'), NPM],
    'it runs in Chromium and reaches main only through the bridge contract (src/shared/bridge)',
    [ELECTRON],
  ),
  layer(
    'src/preload',
    'src/shared, package.json, electron and Node built-ins',
    [to('src/shared'), PACKAGE_JSON, NPM, NODE],
    'it only exposes the typed bridge of src/shared/bridge',
  ),
  layer('src/guest', 'its own files', [], 'it is AssemblyScript compiled into WebAssembly guests'),
  layer(
    'src/codegen',
    'src/shared, npm packages and Node built-ins',
    [to('src/shared'), NPM, NODE],
    'it is a build tool over proto files, independent of the host',
  ),
  layer(
    'src/main/engine',
    'src/shared, npm packages and Node built-ins',
    [to('src/shared'), NPM, NODE],
    'it is the bottom layer of main: wasm compile, instantiate, host functions',
  ),
  layer(
    'src/main/kernel',
    'src/main/engine, src/shared, npm packages and Node built-ins',
    [to('src/main/engine'), to('src/shared'), NPM, NODE],
    'it sits below the runner, the bridge, the CLI and the plugins',
  ),
  layer(
    'src/main/cluster',
    'src/main/kernel, engine, src/shared, npm packages and Node built-ins',
    [to('src/main/kernel'), to('src/main/engine'), to('src/shared'), NPM, NODE],
    'it joins a kernel to the other hosts over NATS; the runner drives it, not the reverse',
  ),
  layer(
    'src/main/plugins',
    "src/main/engine's index.ts, src/shared, npm packages and Node built-ins",
    [
      to('src/main/engine', 'index.ts'),
      // The queue plugin's JetStream broker connects with the [cluster] settings as hosts do.
      to('src/main/cluster', 'connection.ts'),
      to('src/shared'),
      NPM,
      NODE,
    ],
    "plugins see the engine's public API only (and the cluster's NATS connection)",
  ),
  layer(
    'src/main/runner',
    'src/main/kernel, cluster, plugins, engine, src/shared, npm packages and Node built-ins',
    [
      ...[
        'src/main/kernel',
        'src/main/cluster',
        'src/main/plugins',
        'src/main/engine',
        'src/shared',
      ].map((t) => to(t)),
      NPM,
      NODE,
    ],
    'the bridge and the CLI drive the runner, not the other way round',
  ),
  layer(
    'src/main/bridge',
    "src/main/runner, kernel, engine, a plugin's api.ts, src/main/cluster/observer.ts, src/main/csp.ts, src/shared, npm packages and Node built-ins",
    [
      ...[...MAIN_BELOW_BRIDGE, 'src/shared'].map((t) => to(t)),
      to('src/main/plugins', '*/api.ts'),
      // The Studio attached to a running cluster watches it through the observer only.
      to('src/main/cluster', 'observer.ts'),
      // The web server sends the Studio window's Content-Security-Policy as well.
      to('src/main', 'csp.ts'),
      NPM,
      NODE,
    ],
    'the bridge talks to a plugin only through what the plugin exports for it',
  ),
  layer(
    'src/main/cli',
    'the rest of src/main, src/codegen (parigot gen), src/shared, npm packages and Node built-ins',
    [
      ...[...LAYERS.filter((t) => t.startsWith('src/main')), 'src/codegen', 'src/shared'].map((t) =>
        to(t),
      ),
      NPM,
      NODE,
    ],
    'the CLI is the headless front end of the engine, kernel and runner',
  ),
  layer(
    'src/main',
    'the rest of src/main (not the CLI), src/shared, package.json, npm packages and Node built-ins',
    [
      ...LAYERS.filter((t) => t.startsWith('src/main/') && t !== 'src/main/cli').map((t) => to(t)),
      to('src/shared'),
      PACKAGE_JSON,
      NPM,
      NODE,
    ],
    'main talks to the renderer over IPC, runs guests as wasm, and only the CLI runs codegen',
  ),
].flat()

const layerRules = {
  files: ['src/**/*.{ts,svelte}'],
  plugins: { boundaries },
  settings: {
    // Resolve TypeScript and Svelte sources as well as JavaScript.
    'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs', '.svelte', '.json'] } },
    'boundaries/elements': LAYERS.map((type) => ({ type, pattern: type })),
    // Outside src/ but read by main and preload: the product's name and version.
    'boundaries/files': [{ category: 'package.json', pattern: 'package.json' }],
    'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import'],
  },
  rules: {
    'boundaries/dependencies': [
      'error',
      {
        default: 'disallow',
        checkAllOrigins: true,
        checkUnknownLocals: true,
        policies: layerPolicies,
      },
    ],
    'boundaries/no-unknown-files': 'error',
  },
}

const GUEST_FILES = 'src/guest/**/*.ts'

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
      // Ajv standalone code (scripts/gen-deploy-validator.ts).
      'src/shared/deploy-config/gen/',
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
  layerRules,
)
