import { create } from '@bufbuild/protobuf'
import { describe, expect, it } from 'vitest'
import { SYSCALL_ABI, WORKER_KERNEL_ERR } from '../../src/main/kernel/syscall-abi'
import { PARK, SYSCALL_INDEX, SYSCALLS } from '../../src/main/kernel/syscall-table'
import {
  BlockUntilCallRequestSchema,
  BlockUntilCallResponseSchema,
  KernelErr,
  ReadOneRequestSchema,
  ReadOneResponseSchema,
} from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import { KernelHarness, text } from './kernel-driver'

const entry = (name: string) => SYSCALLS[SYSCALL_INDEX.get(name)!]!

describe('syscall table', () => {
  it('covers every function of import module parigot, in a stable order', () => {
    expect(SYSCALLS.map((s) => s.name)).toEqual([
      'register_',
      'export_',
      'require_',
      'bind_method_',
      'launch_',
      'locate_',
      'dispatch_',
      'return_value_',
      'read_one_',
      'exit_',
      'synchronous_exit_',
      'block_until_call_',
    ])
  })

  it('follows the ABI list the guest worker forwards by, which spells its codes as KernelErr does', () => {
    expect(SYSCALLS.map((s) => ({ name: s.name, answers: s.response !== undefined }))).toEqual(
      SYSCALL_ABI,
    )
    for (const [name, code] of Object.entries(WORKER_KERNEL_ERR)) {
      expect(KernelErr[name as keyof typeof KernelErr], name).toBe(code)
    }
  })

  it('read_one_ parks when there is nothing, unless it is a poll or its wait is over', () => {
    const k = new KernelHarness()
    const g = k.guest('g')
    g.register('t.v1.s')
    const readOne = entry('read_one_')
    const wait = create(ReadOneRequestSchema, { timeoutInMillis: 50 })
    expect(readOne.handle(k.kernel, g.host, wait, create(ReadOneResponseSchema), false)).toBe(PARK)
    expect(readOne.waitMs?.(wait, { callTimeoutMs: 3000 })).toBe(50)
    const poll = create(ReadOneRequestSchema, { timeoutInMillis: 0 })
    const polled = create(ReadOneResponseSchema)
    expect(readOne.handle(k.kernel, g.host, poll, polled, false)).toBe(KernelErr.NoError)
    expect(polled.timeout).toBe(true)
    const final = create(ReadOneResponseSchema)
    expect(readOne.handle(k.kernel, g.host, wait, final, true)).toBe(KernelErr.NoError)
    expect(final.timeout).toBe(true)
    const forever = create(ReadOneRequestSchema, { timeoutInMillis: -1 })
    expect(readOne.waitMs?.(forever, { callTimeoutMs: 3000 })).toBeUndefined()
  })

  it('block_until_call_ really blocks until a call or result arrives, or times out', () => {
    const k = new KernelHarness()
    const server = k.guest('server')
    server.serve('t.v1.srv', ['M'])
    server.readOne() // consume the launch result
    const block = entry('block_until_call_')
    const request = create(BlockUntilCallRequestSchema, { canTimeout: true })
    expect(
      block.handle(k.kernel, server.host, request, create(BlockUntilCallResponseSchema), false),
    ).toBe(PARK)
    expect(block.waitMs?.(request, { callTimeoutMs: 3000 })).toBe(3000)
    const timedOut = create(BlockUntilCallResponseSchema)
    expect(block.handle(k.kernel, server.host, request, timedOut, true)).toBe(KernelErr.NoError)
    expect(timedOut.timedOut).toBe(true)
    // A call arrives: no longer blocks, and read_one then delivers it.
    const client = k.guest('client')
    client.register('t.v1.cli')
    client.require('t.v1.srv')
    client.launch()
    const located = client.locate('t.v1.srv').resp
    client.dispatch(located.serviceId!, located.binding[0]!.methodId!, text('hi'))
    const woke = create(BlockUntilCallResponseSchema)
    expect(block.handle(k.kernel, server.host, request, woke, false)).toBe(KernelErr.NoError)
    expect(woke.timedOut).toBe(false)
    expect(server.readOne().resp.callId).toBeDefined()
  })
})
