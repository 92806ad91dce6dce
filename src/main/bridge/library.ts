// What the Studio offers to open: the bundled examples and the recently opened deployments.
import { readdir, readFile, mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ExampleEntry } from '../../shared/bridge/contract'

const MAX_RECENT = 10

const MAX_TITLE_CHARS = 120

/**
 * The first sentence of the comment block that opens a file (comments wrap, so a sentence may
 * span lines), shortened at a word to MAX_TITLE_CHARS.
 */
function firstSentence(text: string): string | undefined {
  const block = /^(?:#[^\n]*\n?)+/.exec(text.trimStart())?.[0]
  if (block === undefined) return undefined
  const joined = block
    .split('\n')
    .map((line) => line.replace(/^#\s?/, '').trim())
    .join(' ')
    .trim()
  const sentence = /^.+?[.!?](?=\s|$)/.exec(joined)?.[0] ?? joined
  if (sentence.length <= MAX_TITLE_CHARS) return sentence
  const cut = sentence.slice(0, MAX_TITLE_CHARS)
  return `${cut.slice(0, cut.lastIndexOf(' '))}…`
}

/** `<examplesDir>/<name>/deploy.toml`, titled by the first sentence of its opening comment. */
export async function listExamples(examplesDir: string): Promise<ExampleEntry[]> {
  let names: string[]
  try {
    names = (await readdir(examplesDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()
  } catch {
    return []
  }
  const found: ExampleEntry[] = []
  for (const name of names) {
    const file = join(examplesDir, name, 'deploy.toml')
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch {
      continue
    }
    // "The queue example: a producer ..." -> "a producer ..." reads best after the name.
    const title = firstSentence(text)?.replace(/^the \S+ example:\s*/i, '') ?? name
    found.push({ name, title: title.charAt(0).toUpperCase() + title.slice(1), file })
  }
  return found
}

/** The recently opened deploy configs, newest first, in `<dataDir>/recent.json`. */
export class RecentList {
  private readonly file: string

  constructor(private readonly dataDir: string) {
    this.file = join(dataDir, 'recent.json')
  }

  async list(): Promise<string[]> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as unknown
      return Array.isArray(parsed)
        ? parsed.filter((p): p is string => typeof p === 'string').slice(0, MAX_RECENT)
        : []
    } catch {
      return []
    }
  }

  async add(path: string): Promise<string[]> {
    const next = [path, ...(await this.list()).filter((p) => p !== path)].slice(0, MAX_RECENT)
    try {
      await mkdir(this.dataDir, { recursive: true })
      const temp = `${this.file}.${process.pid}.tmp`
      await writeFile(temp, JSON.stringify(next, null, 2))
      await rename(temp, this.file)
    } catch {
      // A read-only data directory only costs the recent list.
    }
    return next
  }
}
