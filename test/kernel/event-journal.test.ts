import { describe, expect, it } from 'vitest'
import { EventJournal } from '../../src/main/runner/event-journal'

describe('event journal', () => {
  it('keeps the newest items, numbered, and tells a reader what it missed', () => {
    const journal = new EventJournal<string>(3)
    expect(journal.since(0)).toEqual({ items: [], next: 0, dropped: 0 })
    for (const s of ['a', 'b', 'c', 'd', 'e']) journal.push(s)
    expect(journal.since(0)).toEqual({ items: ['c', 'd', 'e'], next: 5, dropped: 2 })
    expect(journal.since(3)).toEqual({ items: ['d', 'e'], next: 5, dropped: 0 })
    expect(journal.since(5)).toEqual({ items: [], next: 5, dropped: 0 })
  })

  it('stays bounded under a flood', () => {
    const journal = new EventJournal<number>(1000)
    for (let i = 0; i < 100_000; i++) journal.push(i)
    const { items, dropped } = journal.since(0)
    expect(items).toHaveLength(1000)
    expect(items[0]).toBe(99_000)
    expect(dropped).toBe(99_000)
  })

  it('refuses a nonsensical capacity', () => {
    expect(() => new EventJournal(0)).toThrow(/positive integer/)
  })
})
