import { resolve } from 'node:path'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'electron-vite'

const root = import.meta.dirname

// Note: electron-vite 6 reads `build.rolldownOptions` (vite 8) and then overwrites
// `build.rollupOptions` with it, so options given as `rollupOptions` would be dropped.
export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        input: {
          index: resolve(root, 'src/main/index.ts'),
          // Each guest runs in a worker started from this file (see worker-script.ts).
          'guest-worker': resolve(root, 'src/main/runner/worker/guest-worker.ts'),
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
