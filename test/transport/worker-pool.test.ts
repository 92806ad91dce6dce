// The guest worker pool: what a pool worker inherits from the process, and a cancelled prewarm.
import type { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { guestWorkerExecArgv, WorkerPool } from '../../src/main/runner/worker/worker-pool'

describe('the guest worker pool', () => {
  it('starts workers without the parent preloads (a TypeScript loader), keeping other options', () => {
    expect(
      guestWorkerExecArgv([
        '--import',
        'tsx',
        '--enable-source-maps',
        '--require=./x.cjs',
        '-r',
        'y',
        '--loader',
        'z.mjs',
        '--experimental-loader=w.mjs',
        '--stack-size=900',
      ]),
    ).toEqual(['--enable-source-maps', '--stack-size=900'])
  })
})

describe('cancelling a prewarm (a command that found nothing to run)', () => {
  it('ends the workers still loading, so none holds the exit, and a later take gets a new one', async () => {
    const pool = new WorkerPool(0)
    const spawned: Worker[] = []
    const listener = (worker: Worker) => spawned.push(worker)
    process.on('worker', listener)
    try {
      pool.prewarm(1)
      await new Promise((resolve) => setImmediate(resolve))
      expect(spawned).toHaveLength(1)
      const first = spawned[0] as Worker
      const ended = new Promise<number>((resolve) => first.once('exit', resolve))
      let ready = false
      first.on('message', (m: { type?: string }) => (ready ||= m.type === 'ready'))
      pool.cancelPrewarm()
      await ended
      expect(ready).toBe(false)
      const taken = await pool.take()
      expect(taken).not.toBe(first)
      await taken.terminate()
    } finally {
      process.off('worker', listener)
      await pool.close()
    }
  }, 30_000)
})

describe('waiting for the pool to fill', () => {
  it('resolves once its workers have loaded and warmed up (each said ready), and at once when full', async () => {
    const pool = new WorkerPool(2)
    const ready: Worker[] = []
    const listener = (worker: Worker) =>
      worker.on('message', (m: { type?: string }) => {
        if (m.type === 'ready') ready.push(worker)
      })
    process.on('worker', listener)
    try {
      await pool.filled()
      expect(ready).toHaveLength(2)
      await pool.filled()
      expect(ready).toHaveLength(2)
      const taken = await pool.take()
      expect(ready).toContain(taken)
      await taken.terminate()
    } finally {
      process.off('worker', listener)
      await pool.close()
    }
  }, 30_000)
})
