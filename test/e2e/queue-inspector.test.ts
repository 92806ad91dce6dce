// The queue inspector against the real engine: the queue example's producer (alone, so that its
// 100 orders stay in the queue) fills "orders" while the page watches, its orders.v1.Order
// payloads decoded through the example's descriptor set (built by buf in this run); a second
// queue seeded straight into the same SQLite file holds payloads of a type no descriptor set
// has (shown in hex) and a dead letter that the user redrives from the UI.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { buildDescriptorSet } from '../../src/codegen/generate'
import { openQueueDatabase } from '../../src/main/plugins/queue/schema'
import { QueueStore } from '../../src/main/plugins/queue/store'
import { compileAssemblyScript, REPO_ROOT } from '../helpers/asc'
import { screenshot, useStudio } from './harness'

const POLL = { timeout: 15_000 }
const WORK = join(REPO_ROOT, 'test-results', 'e2e-work', 'queue-inspector')
/** A type in no descriptor set: its payloads stay hex. */
const UNREGISTERED = 'type.googleapis.com/legacy.v1.Order'
const hex = (text: string): string => Buffer.from(text).toString('hex')

/**
 * Queue "poison": one dead letter (delivered once, never acknowledged, maxReceives 1), one done
 * message and two ready ones, written through the plugin's own store as a guest would leave them.
 */
function seedPoisonQueue(file: string): void {
  let now = 1_700_000_000_000
  const db = openQueueDatabase(file, { synchronous: 'NORMAL', busyTimeoutMs: 5000 })
  try {
    const store = new QueueStore(db, { now: () => now, maxReceives: 1, visibilityTimeoutMs: 1000 })
    const queue = store.createQueue('poison')
    if (!queue.ok) throw new Error(queue.error)
    const send = (text: string): void => {
      const sent = store.send(queue.value.id, [
        { payload: { typeUrl: UNREGISTERED, value: Buffer.from(text) } },
      ])
      if (!sent.ok) throw new Error(sent.error)
    }
    send('poison-order')
    const first = store.receive(queue.value.id, 1)
    if (!first.ok || first.value.length !== 1) throw new Error('seed: first delivery failed')
    now += 5000 // past the visibility timeout: the next receive dead-letters it
    const second = store.receive(queue.value.id, 1)
    if (!second.ok || second.value.length !== 0) throw new Error('seed: not dead-lettered')
    send('done-order')
    const done = store.receive(queue.value.id, 1)
    if (!done.ok || done.value[0] === undefined) throw new Error('seed: done receive failed')
    store.markDone(queue.value.id, [done.value[0].msgId])
    send('ready-order-1')
    send('ready-order-2')
    const counts = store.counts(queue.value.key)
    if (counts.dead !== 1 || counts.done !== 1 || counts.ready !== 2) {
      throw new Error(`seed: unexpected counts ${JSON.stringify(counts)}`)
    }
  } finally {
    db.close()
  }
}

function queueItem(page: Page, name: string): Locator {
  return page.locator(`[data-testid=queue-item][data-queue="${name}"]`)
}

async function counts(
  item: Locator,
): Promise<{ ready: number; inFlight: number; done: number; dead: number }> {
  const read = async (what: string): Promise<number> =>
    Number(await item.getByTestId(`count-${what}`).textContent())
  return {
    ready: await read('ready'),
    inFlight: await read('in-flight'),
    done: await read('done'),
    dead: await read('dead'),
  }
}

describe('queue inspector (browser, real engine, real SQLite)', () => {
  const fixture = useStudio(async () => {
    rmSync(WORK, { recursive: true, force: true })
    mkdirSync(join(WORK, 'data'), { recursive: true })
    // Built into this test's own folder: other test files rewrite examples/queue/build meanwhile.
    const producer = await compileAssemblyScript('examples/queue/guest/producer.ts')
    writeFileSync(join(WORK, 'producer.wasm'), producer)
    const descriptors = buildDescriptorSet(join(REPO_ROOT, 'examples', 'queue', 'proto'))
    writeFileSync(join(WORK, 'descriptors.binpb'), descriptors)
    const config = join(WORK, 'deploy.toml')
    writeFileSync(
      config,
      [
        '# The queue example without its consumer: the orders stay in the queue.',
        '[deployment]',
        'name = "queue-inspector"',
        'data_dir = "data"',
        'descriptors = ["descriptors.binpb"]',
        '',
        '[services.producer]',
        'wasm = "producer.wasm"',
        'plugins = ["queue"]',
        '',
      ].join('\n'),
    )
    seedPoisonQueue(join(WORK, 'data', 'queues.sqlite'))
    return config
  })

  it('shows live counts, peeks without side effects, searches, and redrives a dead letter', async () => {
    const { page, errors } = await fixture.open()
    await page.getByRole('tab', { name: 'Queues' }).click()

    // The seeded queue is there before anything runs.
    const poison = queueItem(page, 'poison')
    await poison.waitFor(POLL)
    expect(await counts(poison)).toEqual({ ready: 2, inFlight: 0, done: 1, dead: 1 })
    expect(await queueItem(page, 'orders').count()).toBe(0)

    // Run: the producer creates "orders" and sends 100; the page hears it from the engine.
    await page.getByRole('button', { name: 'Run deployment' }).click()
    const orders = queueItem(page, 'orders')
    await orders.waitFor(POLL)
    await expect
      .poll(() => counts(orders), POLL)
      .toEqual({
        ready: 100,
        inFlight: 0,
        done: 0,
        dead: 0,
      })

    // Peek: one page of 50, then the next after the last seq; nothing is received by looking.
    await orders.click()
    await expect.poll(() => page.getByTestId('selected-queue').textContent(), POLL).toBe('orders')
    const rows = page.getByTestId('queue-message')
    await expect.poll(() => rows.count(), POLL).toBe(50)
    await page.getByTestId('queue-more').click()
    await expect.poll(() => rows.count(), POLL).toBe(100)
    expect(await page.getByTestId('queue-more').count()).toBe(0)
    const receiveCounts = await rows.evaluateAll((els) =>
      els.map((e) => e.querySelector('[data-testid=receive-count]')?.textContent),
    )
    expect(new Set(receiveCounts)).toEqual(new Set(['0']))
    // Decoded through the descriptor set: JSON, and no hex fallback on any order.
    expect(await rows.first().getByTestId('payload-summary').textContent()).toBe(
      '{"id":"order-0","item":"apple","quantity":1}',
    )
    expect(await page.getByTestId('payload-problem').count()).toBe(0)
    expect(await counts(orders)).toEqual({ ready: 100, inFlight: 0, done: 0, dead: 0 })

    // Expanding a row shows the order as indented JSON.
    await rows.nth(41).click()
    const detail = await page.getByTestId('message-detail').textContent()
    expect(detail).toContain('"id": "order-41"')
    expect(detail).toContain('"item": "plum"')
    expect(detail).toContain('"quantity": 2')

    // Search in the decoded payloads.
    await page.getByTestId('queue-search').fill('"order-42"')
    await expect.poll(() => rows.count(), POLL).toBe(1)
    expect(await rows.first().getByTestId('payload-summary').textContent()).toBe(
      '{"id":"order-42","item":"apple","quantity":3}',
    )
    await page.getByTestId('queue-search').fill('')
    await expect.poll(() => rows.count(), POLL).toBe(50)
    await screenshot(page, 'queue-inspector-orders')

    // The dead letter: shown with the state filter, redriven only after confirmation.
    await poison.click()
    await expect.poll(() => page.getByTestId('selected-queue').textContent(), POLL).toBe('poison')
    const dead = page.locator('[data-testid=queue-message][data-state=dead]')
    await expect.poll(() => dead.count(), POLL).toBe(1)
    expect(await dead.getByTestId('receive-count').textContent()).toBe('1')
    // A type no descriptor set has: hex, with the reason.
    expect(await dead.getByTestId('payload-summary').textContent()).toBe(`0x${hex('poison-order')}`)
    expect((await dead.getByTestId('payload-problem').textContent())?.trim()).toBe(
      'hex: type legacy.v1.Order not registered',
    )
    await screenshot(page, 'queue-inspector-hex-fallback')
    await page.getByTestId('state-filter-ready').uncheck()
    await expect.poll(() => rows.count(), POLL).toBe(1)
    await page.getByTestId('state-filter-done').check()
    await expect.poll(() => rows.count(), POLL).toBe(2)

    // Cancelled: nothing changes.
    await page.getByTestId('queue-redrive').click()
    const dialog = page.getByTestId('confirm-dialog')
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain('1 dead letter of queue poison')
    await page.getByTestId('confirm-cancel').click()
    await dialog.waitFor({ state: 'detached' })
    expect(await counts(poison)).toEqual({ ready: 2, inFlight: 0, done: 1, dead: 1 })

    await page.getByTestId('queue-redrive').click()
    await dialog.waitFor()
    await screenshot(page, 'queue-inspector-redrive-confirm')
    await page.getByTestId('confirm-ok').click()
    await expect
      .poll(() => counts(poison), POLL)
      .toEqual({
        ready: 3,
        inFlight: 0,
        done: 1,
        dead: 0,
      })
    expect(await page.getByTestId('queue-note').textContent()).toBe('Redrove 1 message')
    await page.getByTestId('state-filter-ready').check()
    const redriven = rows.filter({ hasText: hex('poison-order') })
    await expect.poll(() => redriven.getAttribute('data-state'), POLL).toBe('ready')
    expect(await redriven.getByTestId('receive-count').textContent()).toBe('0')
    await screenshot(page, 'queue-inspector-redriven')

    // Purge the done message, then delete one ready message: each confirmed.
    await page.getByTestId('queue-purge-done').click()
    await page.getByTestId('confirm-ok').click()
    await expect.poll(() => counts(poison), POLL).toMatchObject({ ready: 3, done: 0 })
    await rows
      .filter({ hasText: hex('ready-order-2') })
      .getByTestId('delete-message')
      .click()
    expect(await dialog.textContent()).toContain('Delete message #')
    await page.getByTestId('confirm-ok').click()
    await expect.poll(() => counts(poison), POLL).toMatchObject({ ready: 2, done: 0, dead: 0 })
    expect(await rows.filter({ hasText: hex('ready-order-2') }).count()).toBe(0)

    expect(errors).toEqual([])
  }, 90_000)

  it('sends a message checked against its type, and purges the ready ones, each confirmed', async () => {
    const { page, errors } = await fixture.open()
    await page.getByRole('tab', { name: 'Queues' }).click()
    const orders = queueItem(page, 'orders')
    await orders.waitFor(POLL)
    await orders.click()
    await expect.poll(() => page.getByTestId('selected-queue').textContent(), POLL).toBe('orders')
    const before = await counts(orders)
    const dialog = page.getByTestId('confirm-dialog')

    // A payload that does not fit orders.v1.Order is refused by the engine, naming the field.
    await page.getByTestId('queue-send-open').click()
    const form = page.getByTestId('queue-send')
    await expect
      .poll(() => page.getByTestId('queue-send-type').inputValue(), POLL)
      .toBe('orders.v1.Order')
    await page.getByTestId('queue-send-payload').fill('{"id": "order-x", "colour": "red"}')
    await page.getByTestId('queue-send-submit').click()
    await page.getByTestId('confirm-ok').click()
    await expect
      .poll(() => page.getByRole('alert').allTextContents(), POLL)
      .toContainEqual(expect.stringMatching(/not a valid orders\.v1\.Order: .*colour/))
    expect(await counts(orders)).toEqual(before)

    // Not JSON at all: caught before anything is sent.
    await page.getByTestId('queue-send-payload').fill('{"id": ')
    await page.getByTestId('queue-send-submit').click()
    expect(await form.getByRole('alert').textContent()).toContain('not JSON')
    expect(await dialog.count()).toBe(0)

    // A valid order: confirmed, sent, and shown decoded.
    await page
      .getByTestId('queue-send-payload')
      .fill('{"id": "order-sent-by-hand", "item": "quince", "quantity": 9}')
    await screenshot(page, 'queue-send')
    await page.getByTestId('queue-send-submit').click()
    expect(await dialog.textContent()).toContain('Put one orders.v1.Order on queue orders')
    await page.getByTestId('confirm-ok').click()
    await expect.poll(() => counts(orders), POLL).toEqual({ ...before, ready: before.ready + 1 })
    expect(await page.getByTestId('queue-note').textContent()).toMatch(/^Sent message /)
    await page.getByTestId('queue-search').fill('order-sent-by-hand')
    const rows = page.getByTestId('queue-message')
    await expect.poll(() => rows.count(), POLL).toBe(1)
    expect(await rows.first().getByTestId('payload-summary').textContent()).toBe(
      '{"id":"order-sent-by-hand","item":"quince","quantity":9}',
    )
    await page.getByTestId('queue-search').fill('')

    // Purge ready: cancelled first, then confirmed; done and dead stay.
    await page.getByTestId('queue-purge-ready').click()
    expect(await dialog.textContent()).toContain(
      `${before.ready + 1} ready messages of queue orders`,
    )
    await page.getByTestId('confirm-cancel').click()
    await dialog.waitFor({ state: 'detached' })
    expect((await counts(orders)).ready).toBe(before.ready + 1)
    await page.getByTestId('queue-purge-ready').click()
    await page.getByTestId('confirm-ok').click()
    await expect.poll(() => counts(orders), POLL).toEqual({ ...before, ready: 0 })
    expect(await page.getByTestId('queue-note').textContent()).toBe(
      `Purged ${before.ready + 1} ready messages`,
    )
    expect(errors).toEqual([])
  }, 60_000)
})

describe('the queue example in the Studio (browser, real engine)', () => {
  const EXAMPLE_WORK = join(REPO_ROOT, 'test-results', 'e2e-work', 'queue-example')
  const fixture = useStudio(async () => {
    rmSync(EXAMPLE_WORK, { recursive: true, force: true })
    mkdirSync(EXAMPLE_WORK, { recursive: true })
    for (const guest of ['producer', 'consumer']) {
      const wasm = await compileAssemblyScript(`examples/queue/guest/${guest}.ts`)
      writeFileSync(join(EXAMPLE_WORK, `${guest}.wasm`), wasm)
    }
    const descriptors = buildDescriptorSet(join(REPO_ROOT, 'examples', 'queue', 'proto'))
    writeFileSync(join(EXAMPLE_WORK, 'descriptors.binpb'), descriptors)
    // The example's deploy.toml with its build outputs and data here (examples/queue/build and
    // .parigot-data are shared with other test files running at the same time).
    const example = readFileSync(join(REPO_ROOT, 'examples', 'queue', 'deploy.toml'), 'utf8')
    const config = join(EXAMPLE_WORK, 'deploy.toml')
    writeFileSync(
      config,
      example.replace(/data_dir = ".*"/, 'data_dir = "data"').replaceAll('build/', ''),
    )
    return config
  })

  it('leaves messages for the inspector after the example runs', async () => {
    const { page, errors } = await fixture.open()
    await page.getByRole('button', { name: 'Run deployment' }).click()
    await page
      .locator('[data-testid=service-item][data-service=consumer][data-state=exited]')
      .waitFor(POLL)
    expect(await page.getByTestId('deployment-state').textContent()).toContain('running')
    await page.getByRole('tab', { name: 'Queues' }).click()
    const orders = queueItem(page, 'orders')
    await orders.waitFor(POLL)
    await expect
      .poll(() => counts(orders), POLL)
      .toEqual({ ready: 25, inFlight: 0, done: 75, dead: 0 })
    await orders.click()
    const rows = page.getByTestId('queue-message')
    await expect.poll(() => rows.count(), POLL).toBe(25)
    expect(await rows.first().getByTestId('payload-summary').textContent()).toBe(
      '{"id":"order-75","item":"apple","quantity":1}',
    )
    await screenshot(page, 'queue-example-after-run')
    expect(errors).toEqual([])
  }, 60_000)
})
