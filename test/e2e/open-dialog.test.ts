// "Open…" in browser mode: the deploy configs under the workspace root (the folder `parigot
// serve` started in: the repository here), a typed path inside the root opens, and a typed path
// outside is refused with the engine's words, whether or not it exists.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/asc'
import { buildExample, screenshot, useStudio } from './harness'

const POLL = { timeout: 20_000 }

describe('the Open dialog (browser, real engine)', () => {
  const fixture = useStudio(async () => {
    await buildExample('helloworld')
    return undefined
  })

  it('lists the workspace configs, opens a typed path inside the root, refuses one outside', async () => {
    const outside = join(await mkdtemp(join(tmpdir(), 'studio-open-')), 'deploy.toml')
    await writeFile(outside, '[services.a]\nwasm = "a.wasm"\n')
    const { page, errors } = await fixture.open()
    const state = () => page.getByTestId('deployment-state').getAttribute('data-state')
    const dialog = page.getByTestId('open-dialog')
    await dialog.waitFor(POLL)
    const files = page.getByTestId('workspace-file')
    await expect.poll(() => files.count(), POLL).toBeGreaterThan(0)
    const listed = await files.allTextContents()
    expect(listed.map((t) => t.trim())).toEqual(
      expect.arrayContaining([join(REPO_ROOT, 'examples', 'helloworld', 'deploy.toml')]),
    )
    expect(await page.getByTestId('workspace-roots').textContent()).toContain(REPO_ROOT)
    await screenshot(page, 'open-dialog')

    // Outside the root: refused, with the same words for a file that exists and one that does not.
    const path = page.getByTestId('open-path')
    for (const file of [outside, join(tmpdir(), 'no-such-dir', 'deploy.toml')]) {
      await path.fill(file)
      await page.getByTestId('open-path-submit').click()
      await expect
        .poll(() => page.getByTestId('open-error').textContent(), POLL)
        .toContain('is outside the workspace roots')
    }
    expect(await state()).toBe('empty')
    await screenshot(page, 'open-dialog-refused')

    // Inside the root: opens.
    await path.fill(join(REPO_ROOT, 'examples', 'helloworld', 'deploy.toml'))
    await page.getByTestId('open-path-submit').click()
    await expect.poll(state, POLL).toBe('ready')
    expect(await dialog.count()).toBe(0)

    // From the top bar: the listed file opens too.
    await page.getByRole('button', { name: 'Open deployment' }).click()
    await page
      .getByRole('button', {
        name: `Open workspace file ${join(REPO_ROOT, 'examples', 'chain', 'deploy.toml')}`,
      })
      .click()
    await expect
      .poll(() => page.getByTestId('deployment-file').getAttribute('title'), POLL)
      .toMatch(/examples\/chain\/deploy\.toml$/)
    expect(errors).toEqual([])
  })
})
