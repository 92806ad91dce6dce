import { beforeAll, describe, expect, it } from 'vitest'
import { createEngine, createMemoryLogger } from '../../src/main/engine'
import type { GuestInstance } from '../../src/main/engine'
import { compileGuestFixture } from '../helpers/asc'

let probe: GuestInstance

beforeAll(async () => {
  const engine = createEngine()
  const compiled = await engine.compile(
    await compileGuestFixture('future-probe'),
    'future-probe.wasm',
  )
  probe = engine.instantiate(compiled, {
    serviceName: 'future-probe',
    logger: createMemoryLogger().logger,
  })
  expect(probe.start()).toEqual({ kind: 'exited', code: 0 })
}, 120_000)

/** Each probe export returns 0, or the number of the first check that failed inside the guest. */
const cases: [string, string][] = [
  ['test_simple_base_with_value', 'Handle on a Base created with a value runs at once with it'],
  ['test_simple_base_handle', 'a handler does not run before Set; after Set(52) it ran with 52'],
  [
    'test_base_multiple_handle',
    'two handlers run on Set in order; a later one runs at once; a second Set runs nothing and returns false',
  ],
  ['test_handle_later', 'HandleLater waits for the next Set even when a value is there'],
  [
    'test_method_simple',
    'CompleteMethod with an error calls only reject; with NoError only resolve, with the same object',
  ],
  [
    'test_method_queue_func',
    'root and queued handlers of the completed chain run in order; the other chain never runs',
  ],
  ['test_cancel_method', 'after Cancel no completion runs any handler (nor a later Failure)'],
  [
    'test_cancel_base',
    'after Cancel a Set runs no queued handler; a Handle added later runs at once',
  ],
  ['test_all_success', 'All succeeds when every member succeeds; members keep their own handlers'],
  ['test_all_fail', 'All fails with the index of the failing member, once, and never succeeds'],
  [
    'test_failure_once',
    'a reject function runs exactly once and the success function never (HEAD TestFailure)',
  ],
  [
    'test_all_with_completed_member',
    'All accepts an already-completed member (the reference crashed)',
  ],
]

describe('guest futures (reference lib/go/future tests, run in a wasm guest)', () => {
  for (const [name, statement] of cases) {
    it(statement, () => {
      expect(probe.call(name)).toEqual({ kind: 'returned', value: 0 })
    })
  }
})
