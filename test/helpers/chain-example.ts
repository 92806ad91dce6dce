// The chain example (examples/chain: shopper -> checkout -> pricer -> store) as the cluster,
// Studio and e2e tests run it: its guests built from source into a directory, its descriptor set,
// and its deploy file with each service on a named host.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { buildDescriptorSet } from '../../src/codegen/generate'
import { AttachedSession } from '../../src/main/bridge/attached-session'
import { WorkspaceRoots } from '../../src/main/bridge/workspace-roots'
import { compileAssemblyScript, REPO_ROOT } from './asc'
import { startNatsServer, type NatsServer } from './nats-server'

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

/** A nats-server, the chain's guests and descriptor set, and a Studio attached to deployment. */
export interface AttachedChain {
  readonly nats: NatsServer
  readonly dir: string
  readonly session: AttachedSession
  /** A connection of the test's own (to ask a host directly). */
  readonly nc: NatsConnection
  close(): Promise<void>
}

/**
 * Starts a nats-server, builds the chain into a temporary directory and attaches a Studio to
 * `deployment` with the chain's descriptor set, as `parigot serve --cluster` would.
 */
export async function attachedChain(deployment: string): Promise<AttachedChain> {
  const [nats, dir] = await Promise.all([
    startNatsServer(),
    mkdtemp(join(tmpdir(), `parigot-${deployment}-`)),
  ])
  await writeChainGuests(dir)
  const descriptors = await writeChainDescriptors(dir)
  const session = await AttachedSession.attach({
    version: 'test',
    roots: await WorkspaceRoots.create([dir]),
    cluster: { nats: nats.url, requireCredentials: false },
    deployment,
    descriptors: [descriptors],
  })
  const nc = await connect({ servers: nats.url })
  return {
    nats,
    dir,
    session,
    nc,
    close: async () => {
      await nc.close()
      await session.close()
      await nats.stop()
    },
  }
}
