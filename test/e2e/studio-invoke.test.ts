// Invoking a method from the Studio, against the real engine and the helloworld guests built
// from source (with their descriptors embedded): the form is built from FetchGreetingRequest,
// the call goes through the kernel from the caller "studio", a typed error shows its enum
// name, a request the engine refuses is marked at the field, and a past call runs again.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { buildExample, screenshot, useStudio } from './harness'

const POLL = { timeout: 20_000 }

async function openGraphMenu(page: Page, name: string): Promise<void> {
  const canvas = page.getByTestId('graph-canvas')
  const origin = await canvas.boundingBox()
  if (origin === null) throw new Error('no canvas')
  // The graph library loads after the page (a dynamic import): on a loaded machine the service
  // list can show the guest running before the canvas has drawn a node.
  let found: { x: number; y: number } | undefined
  await expect
    .poll(async () => {
      const all = await canvas.evaluate((el) => {
        const drawn = el as unknown as {
          nodeCenters?: () => { id: string; x: number; y: number }[]
        }
        return drawn.nodeCenters?.() ?? []
      })
      found = all.find((n) => n.id === `svc:${name}`)
      return found !== undefined
    }, POLL)
    .toBe(true)
  if (found === undefined) throw new Error(`no node ${name}`)
  await page.mouse.click(origin.x + found.x, origin.y + found.y, { button: 'right' })
}

/** The ids of the graph's nodes and edges as drawn. */
async function graphIds(page: Page): Promise<string[]> {
  return page.getByTestId('graph-canvas').evaluate((el) => {
    const canvas = el as unknown as {
      nodeCenters(): { id: string }[]
      edgeMidpoints(): { id: string }[]
    }
    return [...canvas.nodeCenters(), ...canvas.edgeMidpoints()].map((e) => e.id)
  })
}

async function hoverEdge(page: Page, id: string): Promise<void> {
  const canvas = page.getByTestId('graph-canvas')
  const origin = await canvas.boundingBox()
  if (origin === null) throw new Error('no canvas')
  const mids = await canvas.evaluate((el) =>
    (el as unknown as { edgeMidpoints(): { id: string; x: number; y: number }[] }).edgeMidpoints(),
  )
  const mid = mids.find((m) => m.id === id)
  if (mid === undefined) throw new Error(`no edge ${id}`)
  await page.mouse.move(origin.x + mid.x, origin.y + mid.y)
}

describe('invoke a method from the Studio (browser, real engine)', () => {
  const fixture = useStudio(() => buildExample('helloworld'))

  it('calls FetchGreeting by form and raw JSON, shows errors, and runs a past call again', async () => {
    const { page, errors } = await fixture.open()
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.getByRole('button', { name: 'Run deployment' }).click()
    await page
      .locator('[data-testid=service-item][data-service=greet][data-state=running]')
      .waitFor(POLL)

    // "Invoke…" in the graph node's menu opens greet's details at the invoke section.
    await openGraphMenu(page, 'greet')
    await page.getByTestId('service-menu').getByRole('menuitem', { name: 'Invoke…' }).click()
    const invoke = page.getByTestId('service-details').getByTestId('invoke')
    await invoke.getByTestId('invoke-form').waitFor(POLL)
    expect(await invoke.getByTestId('invoke-method').inputValue()).toBe(
      'greeting.v1.Greeting.FetchGreeting',
    )
    // The form comes from the request's descriptor: one enum field with the Tongue values.
    const tongue = invoke.locator('[data-field=tongue] select')
    const options = await tongue.locator('option').allTextContents()
    expect(options).toEqual([
      '— unset —',
      'Unspecified (0)',
      'English (1)',
      'French (2)',
      'German (3)',
    ])
    await tongue.selectOption('French')
    await screenshot(page, 'invoke-form')

    await invoke.getByTestId('invoke-call').click()
    const response = invoke.getByTestId('invoke-response')
    await expect.poll(() => response.textContent(), POLL).toContain('greeting')
    const answered = JSON.parse((await response.textContent()) ?? '') as { greeting: string }
    expect(answered.greeting.toLowerCase()).toContain('bonjour')
    await screenshot(page, 'invoke-response')

    // The call came from "studio", through the kernel: greet's recent calls show it.
    const calls = page.getByTestId('service-details').getByTestId('details-calls')
    await expect.poll(() => calls.textContent(), POLL).toMatch(/studio\s*→\s*greet/)

    // The graph draws the caller "studio" (no guest: a node of its own) and its edge to greet,
    // counted from the call's span.
    const canvas = page.getByTestId('graph-canvas')
    const studioEdge = 'edge:caller:studio\nsvc:greet\ngreeting.v1.greeting'
    await expect
      .poll(() => graphIds(page), POLL)
      .toEqual(expect.arrayContaining(['caller:studio', studioEdge]))
    await hoverEdge(page, studioEdge)
    const tip = page.getByTestId('edge-info')
    await expect.poll(() => tip.getAttribute('data-calls'), POLL).toBe('1')
    expect(await tip.textContent()).toMatch(/studio → greet.*1 call · 0 errors · p50 \d/s)
    expect(await canvas.getAttribute('data-layouts')).not.toBe('0')
    await screenshot(page, 'graph-studio-caller')

    // Unspecified: the service answers its own error, named from its error enum.
    await tongue.selectOption('Unspecified')
    await invoke.getByTestId('invoke-call').click()
    const typed = invoke.getByTestId('invoke-error')
    await expect.poll(() => typed.textContent(), POLL).toMatch(/GreetErr\.UnknownLang \(4\)/)

    // Raw JSON with a value the enum does not have: the engine refuses it, naming the field.
    await invoke.getByTestId('invoke-raw').check()
    await invoke.getByTestId('invoke-json').fill('{"tongue": "Klingon"}')
    await invoke.getByTestId('invoke-call').click()
    const fault = invoke.locator('[data-testid=field-error][data-field=tongue]')
    await expect.poll(() => fault.textContent(), POLL).toContain('Klingon')
    expect(await invoke.getByTestId('invoke-result').count()).toBe(0)
    // Back in the form (filled from the raw JSON), the fault is shown at the tongue field...
    await invoke.getByTestId('invoke-raw').uncheck()
    await invoke.locator('[data-field=tongue] [data-testid=field-error]').waitFor(POLL)
    // ...holding the value it refused.
    expect(await tongue.inputValue()).toBe('Klingon')
    await screenshot(page, 'invoke-field-error')

    // Past calls (newest first): the French call runs again and answers the same.
    const past = invoke.getByTestId('invoke-history-item')
    await expect.poll(() => past.count(), POLL).toBe(2)
    const french = past.filter({ hasText: 'French' })
    await french.getByRole('button', { name: 'Run again' }).click()
    await expect.poll(() => response.textContent(), POLL).toContain(answered.greeting)
    await expect.poll(() => past.count(), POLL).toBe(3)
    await screenshot(page, 'invoke-history')

    expect(errors).toEqual([])
  }, 120_000)
})
