// The start-up experience against the real engine: `parigot serve` without a deployment shows
// the empty state with the bundled examples; opening one loads it (valid, not yet running),
// running it works from there, and it is listed under Recent when the user opens another.
import { describe, expect, it } from 'vitest'
import { buildExample, screenshot, useStudio } from './harness'

const POLL = { timeout: 20_000 }

describe('start-up: the empty state (browser, real engine)', () => {
  const fixture = useStudio(async () => {
    await buildExample('helloworld')
    return undefined // no deployment: the Studio starts empty
  })

  it('offers the bundled examples, opens and runs one, then lists it under Recent', async () => {
    const { page, errors } = await fixture.open()
    const state = () => page.getByTestId('deployment-state').getAttribute('data-state')
    const empty = page.getByTestId('empty-state')
    await empty.waitFor(POLL)
    expect(await state()).toBe('empty')
    const examples = await page
      .getByTestId('example')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))
    expect(examples).toEqual(expect.arrayContaining(['chain', 'files', 'helloworld', 'queue']))
    expect(await empty.textContent()).toContain('No recent deployments.')
    expect(await page.getByRole('button', { name: 'Run deployment' }).isDisabled()).toBe(true)
    await screenshot(page, 'empty-state')

    await page.getByRole('button', { name: 'Open example helloworld' }).click()
    await expect.poll(state, POLL).toBe('ready')
    expect(await page.getByTestId('deployment-file').getAttribute('title')).toMatch(
      /examples\/helloworld\/deploy\.toml$/,
    )
    expect(await empty.count()).toBe(0)

    await page.getByRole('button', { name: 'Run deployment' }).click()
    await page
      .locator('[data-testid=service-item][data-service=helloworld][data-state=exited]')
      .waitFor(POLL)
    expect(await page.getByTestId('error-count').getAttribute('data-count')).toBe('0')

    await page.getByRole('button', { name: 'Open deployment' }).click()
    const recent = page.getByTestId('recent')
    await expect.poll(() => recent.count(), POLL).toBe(1)
    expect(await recent.first().textContent()).toMatch(/examples\/helloworld\/deploy\.toml/)
    await screenshot(page, 'empty-state-recent')
    expect(errors).toEqual([])
  })
})
