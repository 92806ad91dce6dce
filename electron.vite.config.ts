import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { resolve } from 'node:path'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'electron-vite'
import { build } from 'vite'
import type { Plugin } from 'vite'

const root = import.meta.dirname

/** Dependencies stay packages loaded from node_modules, as electron-vite leaves them for main. */
const dependencies = Object.keys(
  (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { dependencies: object })
    .dependencies,
)
const isExternal = (id: string) =>
  id.startsWith('node:') ||
  builtinModules.includes(id) ||
  dependencies.some((dep) => id === dep || id.startsWith(`${dep}/`))

/**
 * The guest worker (src/main/runner/worker/guest-worker.ts) is built on its own, not as an entry
 * of the main build: every guest starts a worker that loads it, so it shares no chunk with the
 * Electron main and the CLI (whose chunks hold the kernel, protobuf-es and the descriptors) and
 * is tree-shaken for itself. Plugins are chunks it loads only for a guest that uses them. It
 * lands in out/main next to the main build's files (worker-script.ts finds it there).
 */
function guestWorkerBuild(): Plugin {
  return {
    name: 'parigot:guest-worker',
    apply: 'build',
    async generateBundle() {
      // Two builds, so that neither entry shares a chunk with the other: the JetStream queue
      // backend's broker thread (src/main/plugins/queue/jetstream/broker.ts, started by a guest
      // worker that uses it, found next to it as ./queue-broker.js) must not put code of its own
      // on the guest worker's start-up path (test/built/start-up-path.test.ts).
      const entries = {
        'guest-worker': 'src/main/runner/worker/guest-worker.ts',
        'queue-broker': 'src/main/plugins/queue/jetstream/broker.ts',
      }
      for (const [name, source] of Object.entries(entries)) {
        const built = await build({
          configFile: false,
          logLevel: 'warn',
          root,
          build: {
            ssr: true,
            write: false,
            minify: false,
            target: 'node20',
            rolldownOptions: {
              input: { [name]: resolve(root, source) },
              external: isExternal,
              output: {
                format: 'es',
                entryFileNames: '[name].js',
                chunkFileNames: `${name}-[name]-[hash].js`,
              },
            },
          },
        })
        for (const output of [built].flat()) {
          if (!('output' in output)) continue
          for (const file of output.output) {
            if (file.type !== 'chunk') continue
            this.emitFile({ type: 'asset', fileName: file.fileName, source: file.code })
          }
        }
      }
    },
  }
}

// Note: electron-vite 6 reads `build.rolldownOptions` (vite 8) and then overwrites
// `build.rollupOptions` with it, so options given as `rollupOptions` would be dropped.
export default defineConfig({
  main: {
    // Each guest runs in a worker started from out/main/guest-worker.js (see worker-script.ts).
    plugins: [guestWorkerBuild()],
    build: {
      // protobuf-es is bundled (tree-shaken) rather than loaded from node_modules: as a package it
      // is some 80 ES modules, each resolved, read and compiled apart when the runner loads. The
      // TOML readers too (smol-toml: 8 modules, toml-eslint-parser: 4): every command reads a
      // deploy config first.
      externalizeDeps: {
        exclude: ['@bufbuild/protobuf', 'smol-toml', 'toml-eslint-parser', 'eslint-visitor-keys'],
      },
      rolldownOptions: {
        input: {
          index: resolve(root, 'src/main/index.ts'),
          cli: resolve(root, 'src/main/cli/index.ts'),
        },
        // Shared chunks sit next to the entries, so that a chunk finds the guest worker as
        // ./guest-worker.js (worker-script.ts); test/built checks the layout.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        // A sandboxed preload cannot be an ES module: emit CommonJS as out/preload/index.cjs.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    base: './',
    // The renderer root is src/renderer, so point the plugin at the repo's svelte.config.js.
    plugins: [svelte({ configFile: resolve(root, 'svelte.config.js') })],
    build: {
      // electron-vite leaves the renderer unminified unless told otherwise.
      minify: true,
      // Monaco is one ~3.4 MB chunk, loaded only with the deploy editor's tab (it cannot be
      // split further); warn only beyond that.
      chunkSizeWarningLimit: 4000,
      rolldownOptions: { input: { index: resolve(root, 'src/renderer/index.html') } },
    },
  },
})
