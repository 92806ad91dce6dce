// The deploy editor follows the file on disk: an outside change reloads it when there are no
// unsaved edits; with unsaved edits it shows both versions and the user chooses.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/asc'
import { buildExample, screenshot, useStudio } from './harness'

const POLL = { timeout: 15_000 }
const WORK = join(REPO_ROOT, 'test-results', 'e2e-work', 'editor-disk-change')

function config(name: string): string {
  return [
    '[deployment]',
    `name = "${name}"`,
    '',
    '[services.greet]',
    'wasm = "greeting.wasm"',
    '',
  ].join('\n')
}

function editorText(page: Page): Promise<string> {
  return page
    .locator('.monaco-editor .view-lines')
    .evaluate((e) => (e.textContent ?? '').replace(/\u00a0/g, ' '))
}

describe('deploy editor and the file on disk (browser, real engine)', () => {
  let file: string
  const fixture = useStudio(async () => {
    await buildExample('helloworld')
    rmSync(WORK, { recursive: true, force: true })
    mkdirSync(WORK, { recursive: true })
    copyFileSync(
      join(REPO_ROOT, 'examples', 'helloworld', 'build', 'greeting.wasm'),
      join(WORK, 'greeting.wasm'),
    )
    file = join(WORK, 'deploy.toml')
    writeFileSync(file, config('first'))
    return file
  })

  it('reloads an outside change, and shows both versions over unsaved edits', async () => {
    const { page, errors } = await fixture.open()
    await page.getByRole('tab', { name: 'Deploy config' }).click()
    await page.locator('.monaco-editor .view-lines').waitFor(POLL)
    await expect.poll(() => editorText(page), POLL).toContain('name = "first"')

    // No unsaved edits: the editor takes the new text.
    writeFileSync(file, config('second'))
    await expect.poll(() => editorText(page), POLL).toContain('name = "second"')
    expect(await page.getByTestId('editor-save-note').textContent()).toBe('Reloaded from disk')
    expect(await page.getByTestId('editor-dirty').count()).toBe(0)

    // Unsaved edits, then a change on disk: both versions, and "use the disk version".
    await page.locator('.monaco-editor .view-lines').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type('# mine one')
    await page.getByTestId('editor-dirty').waitFor(POLL)
    writeFileSync(file, config('third'))
    const conflict = page.getByTestId('editor-conflict')
    await conflict.waitFor(POLL)
    expect(await page.getByTestId('conflict-mine').textContent()).toContain('# mine one')
    expect(await page.getByTestId('conflict-disk').textContent()).toContain('name = "third"')
    await screenshot(page, 'deploy-editor-disk-conflict')
    await page.getByTestId('conflict-use-disk').click()
    await expect.poll(() => editorText(page), POLL).toContain('name = "third"')
    expect(await editorText(page)).not.toContain('# mine one')
    expect(await page.getByTestId('editor-dirty').count()).toBe(0)

    // Again, and "keep mine": still modified; saving writes the user's text over the disk's.
    await page.locator('.monaco-editor .view-lines').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type('# mine two')
    await page.getByTestId('editor-dirty').waitFor(POLL)
    writeFileSync(file, config('fourth'))
    await conflict.waitFor(POLL)
    await page.getByTestId('conflict-keep-mine').click()
    expect(await conflict.count()).toBe(0)
    expect(await page.getByTestId('editor-dirty').count()).toBe(1)
    await page.getByTestId('editor-save').click()
    await expect.poll(() => readFileSync(file, 'utf8'), POLL).toContain('# mine two')
    expect(readFileSync(file, 'utf8')).toContain('name = "third"')
    // The Studio's own save is not an outside change: no conflict, no reload.
    await expect.poll(() => page.getByTestId('editor-save-note').textContent(), POLL).toBe('Saved')
    expect(await conflict.count()).toBe(0)
    expect(errors).toEqual([])
  })
})
