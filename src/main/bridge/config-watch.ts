// Notices when the open deploy config changes on disk (another editor, `git checkout`). Watches
// the file's folder, not the file: editors and the Studio itself save by renaming a new file
// over the old one, which a watch on the old inode would miss. Changes are coalesced and only
// a content change is reported.
import { watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'

const SETTLE_MS = 100

export class ConfigWatch {
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false

  /** `known` is the text as last read or saved; `onChange` hears a different one. */
  constructor(
    readonly file: string,
    private known: string,
    private readonly onChange: (text: string) => void,
  ) {
    try {
      this.watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        if (name === null || name === basename(file)) this.soon()
      })
      this.watcher.on('error', () => this.close())
    } catch {
      this.watcher = undefined // a folder that cannot be watched: no reload, nothing else lost
    }
  }

  /** The session wrote `text` itself: not a change from outside. */
  saw(text: string): void {
    this.known = text
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.watcher?.close()
    this.watcher = undefined
  }

  private soon(): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.check(), SETTLE_MS)
  }

  private async check(): Promise<void> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch {
      return // mid-rename or removed: the next event tells
    }
    if (this.closed || text === this.known) return
    this.known = text
    this.onChange(text)
  }
}
