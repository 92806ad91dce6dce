// DoorbellWaiter (runner/worker/doorbell-waiter.ts): a wait ends when another thread rings, or
// at its deadline; a deadline not read yet is taken from the end of the spin and handed back.
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { DoorbellWaiter } from '../../src/main/runner/worker/doorbell-waiter'
import { monoMs, Ring } from '../../src/main/kernel/transport/switchboard'

/** A ring header another thread rings `times` times, `everyMs` apart, once it is told to. */
function ringer(header: Int32Array, times: number, everyMs: number): Worker {
  return new Worker(
    `const { workerData } = require('node:worker_threads')
     const h = workerData.header
     const pause = new Int32Array(new SharedArrayBuffer(4))
     for (let i = 0; i < workerData.times; i++) {
       Atomics.wait(pause, 0, 0, workerData.everyMs)
       Atomics.add(h, ${Ring.DOORBELL}, 1)
       Atomics.notify(h, ${Ring.DOORBELL})
     }`,
    { eval: true, workerData: { header, times, everyMs } },
  )
}

describe('DoorbellWaiter', () => {
  it('wakes when another thread rings, whether the spin or the sleep catches it', async () => {
    const header = new Int32Array(new SharedArrayBuffer(64))
    const waiter = new DoorbellWaiter(header)
    const rings = 40
    // Rings 2 ms apart: each is past the spin, so the waiter sleeps, times its spins and wakes.
    const worker = ringer(header, rings, 2)
    const exited = new Promise((resolve) => worker.once('exit', resolve))
    for (let seen = 0; seen < rings; seen++) {
      const bell = Atomics.load(header, Ring.DOORBELL)
      if (bell !== seen) continue
      const from = monoMs()
      const deadline = from + 5_000
      expect(waiter.wait(bell, deadline)).toBe(deadline)
      expect(Atomics.load(header, Ring.DOORBELL)).toBeGreaterThan(bell)
      expect(monoMs() - from).toBeLessThan(4_000)
    }
    await exited
    expect(Atomics.load(header, Ring.SLEEPING)).toBe(0)
  })

  it('a deadline not read yet (NaN) runs from the end of the spin and is handed back', () => {
    const header = new Int32Array(new SharedArrayBuffer(64))
    const waiter = new DoorbellWaiter(header)
    for (let i = 0; i < 3; i++) {
      const from = monoMs()
      const deadline = waiter.wait(0, NaN, 15)
      const after = monoMs()
      expect(deadline).toBeGreaterThanOrEqual(from + 15)
      expect(deadline).toBeLessThanOrEqual(after + 15)
      // Slept until then (Atomics.wait may wake a little early or late, never by much).
      expect(after).toBeGreaterThanOrEqual(deadline - 1)
      // A deadline already passed: no sleep at all.
      const passed = monoMs() - 1
      expect(waiter.wait(0, passed)).toBe(passed)
    }
  })
})
