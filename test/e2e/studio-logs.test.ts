import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { echoDeployment } from './guests'
import { screenshot, type StudioPage, useStudio } from './harness'

const POLL = { timeout: 15_000 }

interface Row {
  source: string
  level: string
  message: string
}

/** The log rows the page renders (the virtualised list renders the ones in view). */
function rows(page: Page): Promise<Row[]> {
  return page.locator('[data-testid=log-row]').evaluateAll((els) =>
    els.map((e) => ({
      source: e.getAttribute('data-source') ?? '',
      level: e.getAttribute('data-level') ?? '',
      message: e.lastElementChild?.textContent ?? '',
    })),
  )
}

describe('Studio log stream and bridge (browser, real engine)', () => {
  let studioPage: StudioPage
  const fixture = useStudio(() => echoDeployment())

  beforeAll(async () => {
    studioPage = await fixture.open()
  })

  it('streams the deployment log and filters it by service, level, text and regex', async () => {
    const { page } = studioPage
    await page.getByRole('button', { name: 'Run deployment' }).click()
    await page
      .locator('[data-testid=service-item][data-service=client][data-state=exited]')
      .waitFor()
    await expect
      .poll(async () => (await rows(page)).map((r) => r.message), POLL)
      .toContain('result echo:gamma -> ok echo:gamma')
    // How many lines the list holds (it renders only those in view).
    const count = async (): Promise<number> =>
      Number(await page.getByTestId('log-count').getAttribute('data-count'))
    const total = await count()
    expect(total).toBeGreaterThan(5)
    await screenshot(page, 'log-stream')

    const sourceFilter = page.getByRole('combobox', { name: 'Log service filter' })
    await sourceFilter.selectOption('client')
    await expect
      .poll(async () => {
        const shown = await rows(page)
        return shown.length > 0 && shown.every((r) => r.source === 'client')
      }, POLL)
      .toBe(true)
    expect((await rows(page)).map((r) => r.message)).toContain('result echo:beta -> ok echo:beta')

    // The trapped call makes the kernel warn that the callee failed.
    await sourceFilter.selectOption('')
    await page.getByRole('combobox', { name: 'Log level filter' }).selectOption('warn')
    await expect
      .poll(async () => {
        const shown = await rows(page)
        return shown.length > 0 && shown.every((r) => r.level === 'warn' || r.level === 'error')
      }, POLL)
      .toBe(true)
    expect((await rows(page)).map((r) => r.message)).toContainEqual(
      expect.stringContaining('callee test.v1.echo failed'),
    )
    expect(await count()).toBeLessThan(total)
    await screenshot(page, 'log-stream-warnings')

    await page.getByRole('combobox', { name: 'Log level filter' }).selectOption('debug')
    const text = page.getByRole('searchbox', { name: 'Log text filter' })
    await text.fill('ECHO:BETA')
    await expect
      .poll(async () => {
        const shown = await rows(page)
        return shown.length > 0 && shown.every((r) => r.message.toLowerCase().includes('echo:beta'))
      }, POLL)
      .toBe(true)

    await page.getByRole('checkbox', { name: 'Regular expression' }).check()
    await text.fill('^result echo:(alpha|gamma) ')
    await expect
      .poll(async () => (await rows(page)).map((r) => r.message).sort(), POLL)
      .toEqual(['result echo:alpha -> ok echo:alpha', 'result echo:gamma -> ok echo:gamma'])

    // A pattern that does not compile is reported in the page, and the last good filter stays.
    await text.fill('(unclosed')
    await page
      .getByRole('alert')
      .filter({ hasText: /not a regular expression the engine runs.*missing closing \)/i })
      .waitFor()
    expect((await rows(page)).length).toBe(2)
    await text.fill('')
    await page.getByRole('checkbox', { name: 'Regular expression' }).uncheck()
    // Every line is back; the failed echo's last lines may have arrived since `total` was read.
    await expect.poll(count, POLL).toBeGreaterThanOrEqual(total)
  })

  it('answers a bad bridge message with a typed error', async () => {
    const { page } = studioPage
    const token = new URL(fixture.studio.url).searchParams.get('token')
    // A raw socket from the page, as a buggy or hostile script in the page would open it.
    const answers = (await page.evaluate(`new Promise((resolve, reject) => {
      const socket = new WebSocket('ws://' + location.host + '/bridge?token=' + ${JSON.stringify(token)})
      const answers = []
      socket.onerror = () => reject(new Error('socket error'))
      socket.onmessage = (m) => {
        const message = JSON.parse(m.data)
        if (message.kind !== 'response') return
        answers.push(message)
        if (answers.length === 3) { socket.close(); resolve(answers) }
      }
      socket.onopen = () => {
        socket.send('this is {not json')
        socket.send(JSON.stringify({ kind: 'request', id: 7, method: 'no.such.method', params: {} }))
        socket.send(JSON.stringify({ kind: 'request', id: 8, method: 'service.details', params: { name: 42 } }))
      }
    })`)) as { id: number | null; ok: boolean; error?: { code: string; field?: string } }[]
    const byId = new Map(answers.map((a) => [a.id, a]))
    expect(byId.get(null)).toMatchObject({ ok: false, error: { code: 'bad-message' } })
    expect(byId.get(7)).toMatchObject({ ok: false, error: { code: 'unknown-method' } })
    expect(byId.get(8)).toMatchObject({ ok: false, error: { code: 'invalid-params' } })
    expect(byId.get(8)?.error?.field).toMatch(/name/)
    // The page's own connection is unaffected.
    expect(await page.getByTestId('connection').getAttribute('data-phase')).toBe('connected')
    expect(studioPage.errors).toEqual([])
  })

  it('shows the connection as lost when the engine goes away', async () => {
    const { page } = studioPage
    await fixture.studio.stop()
    await page.locator('[data-testid=connection][data-phase=disconnected]').waitFor()
    expect(await page.getByRole('button', { name: 'Run deployment' }).isDisabled()).toBe(true)
    await screenshot(page, 'disconnected')
  })
})
