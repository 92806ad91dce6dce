import { idKey } from './format'
import type { Id } from './id'
import type { IdKind } from './kinds'

/**
 * A Map keyed by the canonical id text: ids are fresh objects after every decode or IPC hop, so
 * object identity cannot be the key. The id is kept beside the value so iteration yields ids.
 */
export class IdMap<K extends IdKind, V> {
  readonly #entries = new Map<string, { id: Id<K>; value: V }>()

  get size(): number {
    return this.#entries.size
  }

  get(id: Id<K>): V | undefined {
    return this.#entries.get(idKey(id))?.value
  }

  has(id: Id<K>): boolean {
    return this.#entries.has(idKey(id))
  }

  set(id: Id<K>, value: V): this {
    this.#entries.set(idKey(id), { id, value })
    return this
  }

  delete(id: Id<K>): boolean {
    return this.#entries.delete(idKey(id))
  }

  clear(): void {
    this.#entries.clear()
  }

  *keys(): IterableIterator<Id<K>> {
    for (const entry of this.#entries.values()) yield entry.id
  }

  *values(): IterableIterator<V> {
    for (const entry of this.#entries.values()) yield entry.value
  }

  *entries(): IterableIterator<[Id<K>, V]> {
    for (const entry of this.#entries.values()) yield [entry.id, entry.value]
  }

  [Symbol.iterator](): IterableIterator<[Id<K>, V]> {
    return this.entries()
  }
}
