// `[deployment] placement = "auto"` through the built CLI, on the chain example built from
// source: the first run has no counts (every guest alone) and saves them; the next run puts the
// most-called pairs in shared workers and says why, with the same answers; a corrupt counts file
// is reported with its path and ignored.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { compileAssemblyScript } from '../helpers/asc'
import { runParigot } from '../helpers/parigot-cli'

let dir: string
let deployFile: string
let countsFile: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parigot-placement-'))
  for (const name of ['store', 'pricer', 'checkout', 'main'])
    await writeFile(
      join(dir, `${name}.wasm`),
      await compileAssemblyScript(`examples/chain/guest/${name}.ts`),
    )
  deployFile = join(dir, 'deploy.toml')
  await writeFile(
    deployFile,
    `[deployment]\nname = "chain"\nplacement = "auto"\ndata_dir = "data"\n\n` +
      `[services.store]\nwasm = "store.wasm"\n\n[services.pricer]\nwasm = "pricer.wasm"\n\n` +
      `[services.checkout]\nwasm = "checkout.wasm"\n\n` +
      `[services.shopper]\nwasm = "main.wasm"\nrole = "main"\n`,
  )
  countsFile = join(dir, 'data', '.parigot', 'placement.json')
}, 180_000)

describe('placement = "auto"', () => {
  it('saves the call counts, then co-locates the most-called pairs with the same answers', async () => {
    const first = await runParigot(['run', deployFile])
    const firstOut = first.stdout + first.stderr
    expect(first.code, firstOut).toBe(0)
    expect(firstOut).toContain('placement auto: no call counts yet; every service runs alone')
    expect(firstOut).toContain('shopper: 3 lines cost 350 cents')
    const saved = JSON.parse(await readFile(countsFile, 'utf8')) as {
      pairs: { caller: string; callee: string; calls: number }[]
    }
    const pairs = Object.fromEntries(saved.pairs.map((p) => [`${p.caller}>${p.callee}`, p.calls]))
    // The chain: the shopper calls checkout, checkout prices each line, each price looks it up.
    expect(Object.keys(pairs).sort()).toEqual([
      'checkout>pricer',
      'pricer>store',
      'shopper>checkout',
    ])
    expect(pairs['pricer>store']).toBeGreaterThanOrEqual(pairs['checkout>pricer'] as number)

    const second = await runParigot(['run', deployFile])
    const secondOut = second.stdout + second.stderr
    expect(second.code, secondOut).toBe(0)
    // One main program per worker, at most four guests: all four fit with the one main.
    expect(secondOut).toMatch(
      /placement auto: checkout, pricer, shopper, store share worker "auto-checkout" \(/,
    )
    expect(secondOut).toContain('shopper: 3 lines cost 350 cents')
    expect(secondOut).toContain('shopper: durian refused with UnknownItem, as expected')
  }, 120_000)

  it('reports a corrupt counts file with its path, ignores it, and runs', async () => {
    await writeFile(countsFile, '{"pairs": [{"caller": "x"')
    const run = await runParigot(['run', deployFile])
    const out = run.stdout + run.stderr
    expect(run.code, out).toBe(0)
    expect(out).toContain(`placement auto: ${countsFile}: not JSON`)
    expect(out).toContain('placement auto: no call counts yet')
    // The run's own counts replace the bad file.
    expect(JSON.parse(await readFile(countsFile, 'utf8'))).toMatchObject({ version: 1 })
  }, 120_000)
})
