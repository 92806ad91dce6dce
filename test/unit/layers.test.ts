// The layer rules of eslint.config.js (docs/architecture.md#layers), driven through ESLint's own
// Node API with the project's real config: each fixture below is a deliberate violation placed,
// by its filePath, inside one layer, and must be rejected with that layer's message; the legal
// imports beside them must lint clean, so a rule that rejects everything fails here too.
import { ESLint } from 'eslint'
import type { Linter } from 'eslint'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const LAYER_RULES = new Set(['boundaries/dependencies', 'boundaries/no-unknown-files'])

let eslint: ESLint
beforeAll(() => {
  eslint = new ESLint({ cwd: root })
})

async function lint(file: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) })
  return result!.messages
}

interface Violation {
  readonly file: string
  readonly code: string
  /** The start of the layer's message: which layer, and what it may not import. */
  readonly message: string
}

const violations: Violation[] = [
  // src/shared: no platform at all.
  {
    file: 'src/shared/naming/fixture.ts',
    code: `import { readFileSync } from 'node:fs'\nexport const f = readFileSync\n`,
    message: "Layer rule: src/shared may not import 'node:fs' (core module)",
  },
  {
    file: 'src/shared/naming/fixture.ts',
    code: `import { join } from 'path'\nexport const j = join\n`,
    message: "Layer rule: src/shared may not import 'path' (core module)",
  },
  {
    file: 'src/shared/fixture.ts',
    code: `import { ipcMain } from 'electron'\nexport const i = ipcMain\n`,
    message: "Layer rule: src/shared may not import 'electron' (external module)",
  },
  {
    file: 'src/shared/bridge/fixture.ts',
    code: `import type { Kernel } from '../../main/kernel/kernel'\nexport type K = Kernel\n`,
    message:
      "Layer rule: src/shared may not import '../../main/kernel/kernel' (src/main/kernel/kernel.ts)",
  },
  {
    file: 'src/shared/bridge/fixture.ts',
    code: `export { studio } from '../../renderer/src/bridge/connect'\n`,
    message:
      "Layer rule: src/shared may not import '../../renderer/src/bridge/connect' (src/renderer/src/bridge/connect.ts)",
  },
  // src/renderer: only src/shared and itself.
  {
    file: 'src/renderer/src/lib/fixture.ts',
    code: `import { join } from 'node:path'\nexport const j = join\n`,
    message: "Layer rule: src/renderer may not import 'node:path' (core module)",
  },
  {
    file: 'src/renderer/src/lib/fixture.ts',
    code: `import type { Session } from '../../../main/bridge/session'\nexport type S = Session\n`,
    message:
      "Layer rule: src/renderer may not import '../../../main/bridge/session' (src/main/bridge/session.ts)",
  },
  {
    file: 'src/renderer/src/panels/queue/Fixture.svelte',
    code: `<script lang="ts">\n  import { QueueStore } from '../../../../main/plugins/queue/store'\n  const s = QueueStore\n</script>\n<p>{s.name}</p>\n`,
    message:
      "Layer rule: src/renderer may not import '../../../../main/plugins/queue/store' (src/main/plugins/queue/store.ts)",
  },
  {
    file: 'src/renderer/src/lib/fixture.ts',
    code: `export * from '../../../preload/index'\n`,
    message:
      "Layer rule: src/renderer may not import '../../../preload/index' (src/preload/index.ts)",
  },
  // src/main/plugins: the engine's barrel only.
  {
    file: 'src/main/plugins/file/fixture.ts',
    code: `import type { HostContext } from '../../engine/host-context'\nexport type H = HostContext\n`,
    message:
      "Layer rule: src/main/plugins may not import '../../engine/host-context' (src/main/engine/host-context.ts)",
  },
  {
    file: 'src/main/plugins/fixture.ts',
    code: `import { createWasiPreview1 } from '../engine/wasi/preview1'\nexport const w = createWasiPreview1\n`,
    message:
      "Layer rule: src/main/plugins may not import '../engine/wasi/preview1' (src/main/engine/wasi/preview1.ts)",
  },
  {
    file: 'src/main/plugins/queue/fixture.ts',
    code: `export async function f(): Promise<unknown> {\n  return import('../../engine/invoke')\n}\n`,
    message:
      "Layer rule: src/main/plugins may not import '../../engine/invoke' (src/main/engine/invoke.ts)",
  },
  {
    file: 'src/main/plugins/queue/fixture.ts',
    code: `import type { Kernel } from '../../kernel/kernel'\nexport type K = Kernel\n`,
    message:
      "Layer rule: src/main/plugins may not import '../../kernel/kernel' (src/main/kernel/kernel.ts)",
  },
  // src/main/bridge: a plugin only through its api module.
  {
    file: 'src/main/bridge/fixture.ts',
    code: `import { QueueStore } from '../plugins/queue/store'\nexport const s = QueueStore\n`,
    message:
      "Layer rule: src/main/bridge may not import '../plugins/queue/store' (src/main/plugins/queue/store.ts)",
  },
  {
    file: 'src/main/bridge/fixture.ts',
    code: `import { QueueInspector } from '../plugins/queue/inspector'\nexport const q = QueueInspector\n`,
    message:
      "Layer rule: src/main/bridge may not import '../plugins/queue/inspector' (src/main/plugins/queue/inspector.ts)",
  },
  {
    file: 'src/main/bridge/fixture.ts',
    code: `import { BUILTIN_PLUGINS } from '../plugins'\nexport const b = BUILTIN_PLUGINS\n`,
    message: "Layer rule: src/main/bridge may not import '../plugins' (src/main/plugins/index.ts)",
  },
  // src/guest (AssemblyScript) and src/codegen: apart from main.
  {
    file: 'src/guest/runtime/fixture.ts',
    code: `import { formatId } from '../../shared/id'\nexport const f = formatId\n`,
    message: "Layer rule: src/guest may not import '../../shared/id' (src/shared/id/index.ts)",
  },
  {
    file: 'src/guest/runtime/fixture.ts',
    code: `import { Kernel } from '../../main/kernel/kernel'\nexport const k = Kernel\n`,
    message:
      "Layer rule: src/guest may not import '../../main/kernel/kernel' (src/main/kernel/kernel.ts)",
  },
  {
    file: 'src/guest/gen/parigot/queue/v1/fixture.ts',
    code: `import { readFileSync } from 'node:fs'\nexport const r = readFileSync\n`,
    message: "Layer rule: src/guest may not import 'node:fs' (core module)",
  },
  {
    file: 'src/codegen/fixture.ts',
    code: `import { createEngine } from '../main/engine'\nexport const c = createEngine\n`,
    message: "Layer rule: src/codegen may not import '../main/engine' (src/main/engine/index.ts)",
  },
  {
    file: 'src/main/runner/fixture.ts',
    code: `import { register } from '../../guest/runtime'\nexport const r = register\n`,
    message:
      "Layer rule: src/main/runner may not import '../../guest/runtime' (src/guest/runtime/index.ts)",
  },
  {
    file: 'src/main/index.ts',
    code: `import { generateGuestCode } from '../codegen/generate'\nexport const g = generateGuestCode\n`,
    message: "Layer rule: src/main may not import '../codegen/generate' (src/codegen/generate.ts)",
  },
  // src/main/engine: the bottom of main.
  {
    file: 'src/main/engine/fixture.ts',
    code: `import { QueuePlugin } from '../plugins/queue'\nexport const q = QueuePlugin\n`,
    message:
      "Layer rule: src/main/engine may not import '../plugins/queue' (src/main/plugins/queue/index.ts)",
  },
  {
    file: 'src/main/engine/wasi/fixture.ts',
    code: `import type { Supervisor } from '../../runner/supervisor'\nexport type S = Supervisor\n`,
    message:
      "Layer rule: src/main/engine may not import '../../runner/supervisor' (src/main/runner/supervisor.ts)",
  },
  {
    file: 'src/main/engine/fixture.ts',
    code: `export { StudioError } from '../bridge/errors'\n`,
    message:
      "Layer rule: src/main/engine may not import '../bridge/errors' (src/main/bridge/errors.ts)",
  },
  {
    file: 'src/main/engine/fixture.ts',
    code: `import { main } from '../../main/cli/main'\nexport const m = main\n`,
    message:
      "Layer rule: src/main/engine may not import '../../main/cli/main' (src/main/cli/main.ts)",
  },
  // src/main/cluster: joins a kernel to other hosts; the runner drives it, not the reverse.
  {
    file: 'src/main/cluster/fixture.ts',
    code: `import { Supervisor } from '../runner/supervisor'\nexport const s = Supervisor\n`,
    message:
      "Layer rule: src/main/cluster may not import '../runner/supervisor' (src/main/runner/supervisor.ts)",
  },
  {
    file: 'src/main/kernel/fixture.ts',
    code: `import { ClusterNode } from '../cluster/cluster-node'\nexport const c = ClusterNode\n`,
    message:
      "Layer rule: src/main/kernel may not import '../cluster/cluster-node' (src/main/cluster/cluster-node.ts)",
  },
  {
    // The attached Studio watches a cluster through the observer only, never joins it.
    file: 'src/main/bridge/fixture.ts',
    code: `import { ClusterNode } from '../cluster/cluster-node'\nexport const c = ClusterNode\n`,
    message:
      "Layer rule: src/main/bridge may not import '../cluster/cluster-node' (src/main/cluster/cluster-node.ts)",
  },
  // src/main/kernel: below runner, bridge, CLI and plugins.
  {
    file: 'src/main/kernel/transport/fixture.ts',
    code: `import type { Deployment } from '../../runner/deployment'\nexport type D = Deployment\n`,
    message:
      "Layer rule: src/main/kernel may not import '../../runner/deployment' (src/main/runner/deployment.ts)",
  },
  {
    file: 'src/main/kernel/fixture.ts',
    code: `import type { ParigotInit } from '../plugins/plugin-api'\nexport type P = ParigotInit\n`,
    message:
      "Layer rule: src/main/kernel may not import '../plugins/plugin-api' (src/main/plugins/plugin-api.ts)",
  },
  {
    file: 'src/main/kernel/fixture.ts',
    code: `export async function f(): Promise<unknown> {\n  return import('../bridge/serve')\n}\n`,
    message:
      "Layer rule: src/main/kernel may not import '../bridge/serve' (src/main/bridge/serve.ts)",
  },
  // What the plugin adds over matching specifiers: the importing layer's own rules hold for
  // files outside every layer, for the shell under src/main, and a layer lists what it MAY import.
  {
    file: 'src/shared/fixture.ts',
    code: `export { main } from '../../scripts/gen-proto.mjs'\n`,
    message:
      "Layer rule: src/shared may not import '../../scripts/gen-proto.mjs' (outside every layer)",
  },
  {
    file: 'src/main/bridge/fixture.ts',
    code: `import { installAppMenu } from '../menu'\nexport const m = installAppMenu\n`,
    message: "Layer rule: src/main/bridge may not import '../menu' (src/main/menu.ts)",
  },
  {
    file: 'src/main/fixture.ts',
    code: `import { main } from './cli/main'\nexport const m = main\n`,
    message: "Layer rule: src/main may not import './cli/main' (src/main/cli/main.ts)",
  },
]

/** Imports each layer may make; each must lint without a single message. */
const legal: { file: string; code: string }[] = [
  {
    file: 'src/shared/naming/fixture.ts',
    code: `import { parse } from 'smol-toml'\nimport { formatId } from '../id'\nexport const x = [parse, formatId]\n`,
  },
  {
    file: 'src/renderer/src/lib/fixture.ts',
    code: `import { mount } from 'svelte'\nimport type { StudioApi } from '../../../shared/bridge/studio-api'\nexport type A = StudioApi\nexport const m = mount\n`,
  },
  {
    file: 'src/main/plugins/file/fixture.ts',
    code: `import type { HostContext } from '../../engine'\nimport { invokeAdapter } from '../../engine/index'\nimport type { ParigotInit } from '../plugin-api'\nexport type H = [HostContext, ParigotInit]\nexport const i = invokeAdapter\n`,
  },
  {
    file: 'src/main/bridge/fixture.ts',
    code: `import { QueueInspector } from '../plugins/queue/api'\nimport { loadDeployConfig } from '../runner/load-config'\nexport const x = [QueueInspector, loadDeployConfig]\n`,
  },
  {
    // AssemblyScript: AS types and builtins parse, and only the layer rules apply here.
    file: 'src/guest/runtime/fixture.ts',
    code: `import { Reader } from './proto'\nexport declare function raw_(ptr: usize): i32\nexport function one(p: usize): i32 {\n  return raw_(changetype<usize>(p)) + <i32>load<u8>(p)\n}\nexport const r = Reader\n`,
  },
  {
    file: 'src/main/cli/fixture.ts',
    code: `export async function gen(): Promise<unknown> {\n  return import('../../codegen/generate')\n}\n`,
  },
  {
    file: 'src/main/kernel/fixture.ts',
    code: `import { invokeAdapter } from '../engine/invoke'\nexport const i = invokeAdapter\n`,
  },
  {
    file: 'src/main/cluster/fixture.ts',
    code: `import type { Kernel } from '../kernel/kernel'\nexport type K = Kernel\n`,
  },
  {
    file: 'src/main/bridge/fixture.ts',
    code: `import { ClusterObserver } from '../cluster/observer'\nexport const o = ClusterObserver\n`,
  },
  {
    file: 'src/main/bridge/fixture.ts',
    code: `import { servedContentSecurityPolicy } from '../csp'\nexport const c = servedContentSecurityPolicy\n`,
  },
  {
    file: 'src/preload/fixture.ts',
    code: `import { contextBridge } from 'electron'\nimport pkg from '../../package.json'\nexport const x = [contextBridge, pkg]\n`,
  },
]

describe('layer rules (eslint.config.js)', () => {
  it.each(violations)('$file: $message', async ({ file, code, message }) => {
    const messages = await lint(file, code)
    expect(messages.filter((m) => m.fatal)).toEqual([])
    const layerErrors = messages.filter((m) => m.ruleId !== null && LAYER_RULES.has(m.ruleId))
    expect(layerErrors).toHaveLength(1)
    expect(layerErrors[0]!.severity).toBe(2)
    expect(layerErrors[0]!.message).toContain(message)
    expect(layerErrors[0]!.message).toContain('docs/architecture.md#layers')
  })

  it('a file under src/ outside every layer is refused', async () => {
    const messages = await lint('src/tools/fixture.ts', `export const x = 1\n`)
    expect(messages.map((m) => m.ruleId)).toEqual(['boundaries/no-unknown-files'])
  })

  it.each(legal)('$file: legal imports pass', async ({ file, code }) => {
    expect(await lint(file, code)).toEqual([])
  })

  it('the files that crossed layers before now pass', async () => {
    const results = await eslint.lintFiles([
      'src/main/bridge/queues.ts',
      'src/main/plugins/plugin-api.ts',
      'src/main/plugins/init-plugin.ts',
      'src/main/plugins/file/host-functions.ts',
    ])
    expect(results.flatMap((r) => r.messages)).toEqual([])
  })
})
