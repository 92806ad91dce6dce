// electron-builder configuration (`npm run dist`, see docs/packaging.md). electron-builder finds
// this file by its name (electron-builder.ts) and loads it with jiti; test/packaging imports it.
import type { Configuration } from 'electron-builder'

// Packages listed in "dependencies" that the renderer bundle already contains. Main and the
// guest worker never import them at run time (test/packaging checks out/main), so shipping their
// node_modules folders (monaco-editor alone is ~100 MB) would only grow the installers.
export const bundledIntoRenderer = ['monaco-editor', 'cytoscape']

// better-sqlite3 is shipped as its compiled .node file plus lib/; its SQLite sources, object
// files and test extension are build leftovers (~25 MB).
const sqliteBuildLeftovers = [
  '!**/node_modules/better-sqlite3/{deps,src}{,/**/*}',
  '!**/node_modules/better-sqlite3/build/Release/{obj,obj.target,.deps}{,/**/*}',
  '!**/node_modules/better-sqlite3/build/Release/{test_extension.node,*.a}',
  '!**/node_modules/better-sqlite3/build/{deps,*.mk,Makefile,config.gypi}{,/**/*}',
]

const config: Configuration = {
  appId: 'dev.parigot.studio',
  productName: 'Parigot Studio',
  copyright: 'Copyright © 2026 the Parigot Studio authors',
  directories: {
    output: 'dist',
    buildResources: 'resources',
  },
  // Only the electron-vite build output and package.json ("main" points into out/). Sources,
  // tests, docs, bench/, .parigot-data/ and test-results/ are left out by not being listed.
  // Production node_modules are added by electron-builder itself; the "!" patterns below are
  // the only ones it applies to them.
  files: [
    'out/**/*',
    'package.json',
    '!out/**/*.map',
    ...bundledIntoRenderer.map((name) => `!**/node_modules/${name}{,/**/*}`),
    ...sqliteBuildLeftovers,
  ],
  asar: true,
  // Electron fuses, flipped in the packaged binary (docs/security.md): no running the app as a
  // plain Node (ELECTRON_RUN_AS_NODE), no NODE_OPTIONS and no --inspect from outside, cookies
  // encrypted, and the code loaded only from app.asar, checked against its integrity hash where
  // Electron supports that (macOS, Windows). file: keeps its privileges: the window is a file.
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
  },
  // A native module cannot be dlopen()ed from inside an archive: Electron redirects loads of
  // app.asar/**/x.node to app.asar.unpacked, which only works if the file is really there.
  // The guest worker (out/main/guest-worker.js) stays in the archive: Electron has supported
  // asar in worker_threads since 18 (electron/electron#33216), and worker-script.ts builds its
  // URL from import.meta.url, i.e. inside app.asar, so unpacking it would not change the path
  // it is loaded from.
  asarUnpack: ['**/*.node'],
  // Rebuild better-sqlite3 against Electron's ABI (Node 24 in Electron 41) rather than ship the
  // Node 20 build from `npm ci`. electron-builder rebuilds the project's own node_modules in
  // place; the postdist script rebuilds it back for Node (docs/packaging.md).
  npmRebuild: true,
  nodeGypRebuild: false,
  // The examples stay real files next to the app (resources/examples) so that the engine can
  // read their deploy.toml and .wasm with plain fs, and users can copy them.
  extraResources: [
    {
      from: 'examples',
      to: 'examples',
      // Whole example folders (deploy.toml, guest sources, .proto files and the .wasm built by
      // `npm run build:examples`), so a new kind of file in an example is not silently dropped.
      filter: ['**/*', '!**/node_modules{,/**/*}', '!**/*.{map,log}'],
    },
  ],
  artifactName: 'parigot-studio-${version}-${os}-${arch}.${ext}',
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Development',
    icon: 'resources/icon.png',
    synopsis: 'Build and debug WebAssembly microservice applications as one program',
    maintainer: 'Parigot Studio authors <parigot-studio@users.noreply.github.com>',
    executableName: 'parigot-studio',
  },
  deb: {
    // Debian's own naming (name_version_arch.deb), which apt and dpkg tooling expect.
    artifactName: 'parigot-studio_${version}_${arch}.${ext}',
  },
  mac: {
    target: ['dmg'],
    category: 'public.app-category.developer-tools',
    icon: 'resources/icon.png',
    hardenedRuntime: true,
  },
  win: {
    target: ['nsis'],
    icon: 'resources/icon.png',
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
  },
}

export default config
