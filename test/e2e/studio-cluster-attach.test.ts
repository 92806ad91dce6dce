// The Studio attached to a deployment running on two hosts (`parigot serve --cluster URL
// --deployment NAME`), in Chromium: the graph groups the services by host (compound nodes) and
// the log shows both hosts' lines; a call's request and response are read from the host that
// served it (the panel names it), or the panel says capture is off there; a killed host turns
// down. Real nats-server, real `parigot run --host` processes, the built Studio.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDescriptorSet } from '../../src/codegen/generate'
import { REPO_ROOT } from '../helpers/asc'
import { writeChainGuests } from '../helpers/chain-example'
import { startHost, stopHost, type HostProcess } from '../helpers/host-process'
import { startNatsServer, type NatsServer } from '../helpers/nats-server'
import { launchChromium, screenshot, serveStudio, type ServedStudio } from './harness'

const POLL = { timeout: 20_000 }
let nats: NatsServer
let studio: ServedStudio
let browser: Browser
const hosts: HostProcess[] = []
let deployFile: string

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parigot-e2e-attach-'))
  nats = await startNatsServer()
  await writeChainGuests(dir)
  // The attach names the deploy config: its descriptor set decodes requests and responses.
  await writeFile(
    join(dir, 'chain.binpb'),
    buildDescriptorSet(join(REPO_ROOT, 'examples', 'chain', 'proto')),
  )
  const file = join(dir, 'deploy.toml')
  await writeFile(
    file,
    `[deployment]\nname = "shop"\nlaunch_timeout_ms = 60000\ndescriptors = ["chain.binpb"]\n\n[cluster]\nnats = "${nats.url}"\n\n` +
      `[services.store]\nwasm = "store.wasm"\nhost = "warehouse"\n\n` +
      `[services.pricer]\nwasm = "pricer.wasm"\nhost = "front"\n\n` +
      `[services.checkout]\nwasm = "checkout.wasm"\nhost = "front"\n\n` +
      `[services.shopper]\nwasm = "shopper.wasm"\nrole = "main"\nhost = "desk"\n`,
  )
  deployFile = file
  studio = await serveStudio(file, ['--cluster', nats.url, '--deployment', 'shop'])
  hosts.push(startHost(file, 'warehouse'), startHost(file, 'front'))
  browser = await launchChromium()
}, 240_000)

afterAll(async () => {
  await browser?.close()
  await Promise.all(hosts.map(stopHost))
  await studio?.stop()
  await nats?.stop()
})

describe('Studio attached to a cluster (browser)', () => {
  it("shows both hosts' services, grouped by host, and both hosts' logs", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
    await page.goto(studio.url)
    await page.locator('[data-testid=connection][data-phase=connected]').waitFor()
    const items = page.locator('[data-testid=service-item]')
    await expect
      .poll(
        () =>
          items.evaluateAll((els) =>
            els.map((e) => `${e.getAttribute('data-service')}:${e.getAttribute('data-state')}`),
          ),
        POLL,
      )
      .toEqual(['checkout:running', 'pricer:running', 'store:running'])
    // The canvas holds one compound node per host around its services.
    const canvas = page.getByTestId('graph-canvas')
    const ids = (): Promise<string[]> =>
      canvas.evaluate((el) =>
        (el as unknown as { nodeBoxes(): { id: string }[] }).nodeBoxes().map((n) => n.id),
      )
    await expect
      .poll(async () => (await ids()).sort(), POLL)
      .toEqual(['host:front', 'host:warehouse', 'svc:checkout', 'svc:pricer', 'svc:store'])
    const rows = page.locator('[data-testid=log-row]')
    const sources = (): Promise<(string | null)[]> =>
      rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-source')))
    await expect.poll(sources, POLL).toContain('store@warehouse')
    await expect.poll(sources, POLL).toContain('checkout@front')
    await expect
      .poll(() => rows.filter({ hasText: 'store: open' }).count(), POLL)
      .toBeGreaterThan(0)
    await expect
      .poll(() => rows.filter({ hasText: 'checkout: ready' }).count(), POLL)
      .toBeGreaterThan(0)
    expect(await page.getByTestId('deployment-state').getAttribute('data-state')).toBe('running')
    await screenshot(page, 'cluster-attached')

    // A shopper on a third host: each request crosses desk -> front -> warehouse and is one
    // trace in the Calls panel, its calls nested across the hosts.
    const desk = startHost(deployFile, 'desk')
    hosts.push(desk)
    expect(await desk.ended, desk.output()).toBe(0)
    await page.getByRole('tab', { name: 'Calls' }).click()
    const panel = page.getByTestId('calls-panel')
    await panel.locator('[data-testid=trace-count][data-count="2"]').waitFor(POLL)
    const traceRows = panel.getByTestId('trace-row')
    await traceRows.filter({ hasNotText: 'failed' }).click()
    const spanRows = panel.getByTestId('span-row')
    await expect.poll(() => spanRows.count(), POLL).toBe(11)
    const depths = await spanRows.evaluateAll((els) =>
      els.map((el) => Number((el as unknown as { dataset: { depth: string } }).dataset.depth)),
    )
    expect(Math.max(...depths)).toBe(4)
    // The caller's side of each call to another host is tagged: Total (desk -> front) and the
    // three Lookups (front -> warehouse); the Price calls stay on host front.
    expect(await panel.getByTestId('span-sent').count()).toBe(4)
    // A Lookup, front -> warehouse: its request and response come from host warehouse, which
    // served it, decoded with the deploy config's descriptor set.
    await spanRows.filter({ hasText: 'Lookup' }).first().click()
    const payloads = panel.getByTestId('span-payloads')
    await payloads.getByTestId('payload-request').waitFor(POLL)
    expect(await payloads.getByTestId('payload-request').textContent()).toContain(
      'chain.v1.LookupRequest',
    )
    expect(await payloads.getByTestId('payload-json').first().textContent()).toMatch(/"item": "/)
    expect(await payloads.getByTestId('payload-response').textContent()).toContain('unitCents')
    expect(await payloads.getByTestId('payload-host').textContent()).toBe(
      'From host warehouse, which served this call.',
    )
    await screenshot(page, 'cluster-attached-trace')
    await page.getByRole('tab', { name: 'Services' }).click()

    // Stop and start the store from its context menu: the request reaches host warehouse.
    const origin = await canvas.boundingBox()
    if (origin === null) throw new Error('no canvas')
    const menuOn = async (name: string) => {
      const centres = await canvas.evaluate((el) =>
        (el as unknown as { nodeCenters(): { id: string; x: number; y: number }[] }).nodeCenters(),
      )
      const at = centres.find((n) => n.id === `svc:${name}`)
      if (at === undefined) throw new Error(`no node ${name}`)
      await page.mouse.click(origin.x + at.x, origin.y + at.y, { button: 'right' })
      const menu = page.getByTestId('service-menu')
      await menu.waitFor()
      return menu
    }
    const storeState = (): Promise<string | null> =>
      page.locator('[data-testid=service-item][data-service=store]').getAttribute('data-state')
    await (await menuOn('store')).getByRole('menuitem', { name: 'stop store', exact: true }).click()
    await expect.poll(storeState, POLL).not.toBe('running')
    await (
      await menuOn('store')
    )
      .getByRole('menuitem', { name: 'start store', exact: true })
      .click()
    await expect.poll(storeState, POLL).toBe('running')
    expect(await page.getByTestId('action-error').count()).toBe(0)
    expect((hosts[0] as HostProcess).output()).toMatch(/stop of store asked by an attached Studio/)
    // Host front's pricer and checkout held ids located from the old store: they restart, as
    // a service's dependents do in one process, and a new request goes through end to end.
    const front = hosts[1] as HostProcess
    await expect
      .poll(() => front.output(), POLL)
      .toMatch(/pricer needs store@warehouse, which restarted: restarting pricer, checkout/)
    await expect
      .poll(() => rows.filter({ hasText: 'checkout: ready' }).count(), POLL)
      .toBeGreaterThan(1)
    const again = startHost(deployFile, 'desk')
    hosts.push(again)
    expect(await again.ended, again.output()).toBe(0)

    // The warehouse host dies: its box turns down, its service failed.
    ;(hosts[0] as HostProcess).child.kill('SIGKILL')
    await page
      .locator('[data-testid=service-item][data-service=store][data-state=failed]')
      .waitFor({ timeout: 10_000 })
    await screenshot(page, 'cluster-attached-host-down')
    // A call it served: the panel says its request and response are kept on the dead host.
    await page.getByRole('tab', { name: 'Calls' }).click()
    await traceRows.filter({ hasNotText: 'failed' }).first().click()
    await spanRows.filter({ hasText: 'Lookup' }).first().click()
    await expect
      .poll(() => payloads.textContent(), POLL)
      .toMatch(/could not be read: host warehouse is down \(.*\): the call's request and response/)
    await screenshot(page, 'cluster-attached-payload-host-down')

    // The warehouse comes back from a copy of the config with `capture_payloads = false`: a new
    // request's Lookup says plainly that capture is off on host warehouse.
    const offFile = deployFile.replace(/\.toml$/, '-off.toml')
    await writeFile(
      offFile,
      (await readFile(deployFile, 'utf8')).replace(
        '[cluster]\n',
        '[cluster]\ncapture_payloads = false\n',
      ),
    )
    const warehouse = startHost(offFile, 'warehouse')
    hosts.push(warehouse)
    await warehouse.waitFor(/store: open/)
    const desk2 = startHost(deployFile, 'desk')
    hosts.push(desk2)
    expect(await desk2.ended, desk2.output()).toBe(0)
    await panel.locator('[data-testid=trace-count][data-count="6"]').waitFor(POLL)
    await traceRows.filter({ hasNotText: 'failed' }).first().click()
    await spanRows.filter({ hasText: 'Lookup' }).first().click()
    await expect
      .poll(() => payloads.getByTestId('payload-capture-off').textContent(), POLL)
      .toBe(
        'Payload capture is off on host warehouse ([cluster] capture_payloads = false in its deploy config): it keeps no request or response.',
      )
    await screenshot(page, 'cluster-attached-capture-off')
    expect(errors).toEqual([])
    await page.close()
  }, 120_000)
})
