import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import initWabt from 'wabt'

let wabtPromise: ReturnType<typeof initWabt> | undefined

/** Assembles WebAssembly text into a binary with wabt (so guests are built during the test run). */
export async function assembleWat(source: string, name = 'inline.wat'): Promise<Uint8Array> {
  wabtPromise ??= initWabt()
  const wabt = await wabtPromise
  const parsed = wabt.parseWat(name, source)
  try {
    parsed.resolveNames()
    parsed.validate()
    return new Uint8Array(parsed.toBinary({}).buffer)
  } finally {
    parsed.destroy()
  }
}

export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url))
}

/** Reads `test/fixtures/wat/<name>.wat` and assembles it. */
export async function assembleFixture(name: string): Promise<Uint8Array> {
  const path = fixturePath(`wat/${name}.wat`)
  return assembleWat(await readFile(path, 'utf8'), path)
}
