import { describe, expect, it } from 'vitest'
import { BusyPoll } from '../../src/main/kernel/transport/busy-poll'

describe('BusyPoll', () => {
  it('polls until its window passes with nothing served', () => {
    const poll = new BusyPoll(5, 50)
    let polls = 0
    const started = performance.now()
    poll.run(() => {
      polls++
      return false
    })
    expect(performance.now() - started).toBeGreaterThanOrEqual(5)
    expect(polls).toBeGreaterThan(1)
  })

  it('does not poll at all when work already waits in the event loop', () => {
    const poll = new BusyPoll(50, 200)
    let polls = 0
    poll.run(
      () => {
        polls++
        return true
      },
      () => true,
    )
    expect(polls).toBe(0)
  })

  it('stops as soon as a served request queued work for the event loop', () => {
    // A window of 10 s: only the yield can end this run quickly.
    const poll = new BusyPoll(10_000, 20_000)
    let polls = 0
    let queued = false
    const started = performance.now()
    poll.run(
      () => {
        polls++
        if (polls === 3) queued = true
        return true
      },
      () => queued,
    )
    expect(polls).toBe(3)
    expect(performance.now() - started).toBeLessThan(1_000)
  })

  it('after a yield, keeps its window for the next request', () => {
    const poll = new BusyPoll(5, 50)
    poll.run(
      () => true,
      () => true,
    )
    let polls = 0
    const started = performance.now()
    poll.run(() => {
      polls++
      return false
    })
    expect(polls).toBeGreaterThan(1)
    expect(performance.now() - started).toBeGreaterThanOrEqual(5)
  })
})
