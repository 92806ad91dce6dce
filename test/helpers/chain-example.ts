// The chain example (examples/chain: shopper -> checkout -> pricer -> store) as the cluster,
// Studio and e2e tests run it: its guests built from source into a directory, its descriptor set,
// and its deploy file with each service on a named host.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildDescriptorSet } from '../../src/codegen/generate'
import { compileAssemblyScript, REPO_ROOT } from './asc'

export type ChainService = 'store' | 'pricer' | 'checkout' | 'shopper'

const SOURCES: Record<ChainService, string> = {
  store: 'examples/chain/guest/store.ts',
  pricer: 'examples/chain/guest/pricer.ts',
  checkout: 'examples/chain/guest/checkout.ts',
  shopper: 'examples/chain/guest/main.ts',
}

/** Builds `services` (default all four) into `dir` as `<service>.wasm`. */
export async function writeChainGuests(
  dir: string,
  services: readonly ChainService[] = ['store', 'pricer', 'checkout', 'shopper'],
): Promise<void> {
  for (const name of services)
    await writeFile(join(dir, `${name}.wasm`), await compileAssemblyScript(SOURCES[name]))
}

/** Writes the chain's descriptor set to `dir`/chain.binpb (what a Studio decodes payloads with). */
export async function writeChainDescriptors(dir: string): Promise<string> {
  const file = join(dir, 'chain.binpb')
  await writeFile(file, buildDescriptorSet(join(REPO_ROOT, 'examples', 'chain', 'proto')))
  return file
}

/**
 * The chain's deploy file for deployment `name` on the NATS server `nats`, each service in
 * `hosts` on its host (a service left out is not deployed); `cluster` adds lines to [cluster].
 */
export function chainClusterToml(
  name: string,
  nats: string,
  hosts: Partial<Record<ChainService, string>>,
  cluster = '',
): string {
  const services = (Object.keys(SOURCES) as ChainService[])
    .filter((s) => hosts[s] !== undefined)
    .map(
      (s) =>
        `[services.${s}]\nwasm = "${s}.wasm"\n${s === 'shopper' ? 'role = "main"\n' : ''}host = "${hosts[s]}"\n`,
    )
  return (
    `[deployment]\nname = "${name}"\nlaunch_timeout_ms = 60000\n\n[cluster]\nnats = "${nats}"\n${cluster}\n` +
    services.join('\n')
  )
}
