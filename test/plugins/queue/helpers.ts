import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import type { DescMessage, MessageInitShape, MessageShape } from '@bufbuild/protobuf'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine, createMemoryLogger, invokeAdapter } from '../../../src/main/engine'
import type { GuestInstance } from '../../../src/main/engine'
import type { PluginDeployment } from '../../../src/main/plugins/plugin-api'
import { createQueuePlugin } from '../../../src/main/plugins/queue/plugin'
import type { QueueStore } from '../../../src/main/plugins/queue/store'
import { assembleWat, fixturePath } from '../../helpers/wat'

export const IN_PTR = 1024
export const OUT_PTR = 65536
export const ERR_PTR = 64
/** The out buffer runs from OUT_PTR to the end of the guest's 4 pages. */
export const OUT_CAPACITY = 4 * 65536 - OUT_PTR

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'parigot-queue-'))
}

export function guestWat(): Promise<Uint8Array> {
  const path = fixturePath('queue/queue-guest.wat')
  return assembleWat(readFileSync(path, 'utf8'), path)
}

export interface Clock {
  ms: number
}

export interface QueueGuest {
  readonly guest: GuestInstance
  readonly records: ReturnType<typeof createMemoryLogger>['records']
  readonly pluginRecords: ReturnType<typeof createMemoryLogger>['records']
  readonly stores: QueueStore[]
  /** Calls export `fn` with an encoded request; returns the error word and decoded response. */
  call<Req extends DescMessage, Res extends DescMessage>(
    fn: string,
    reqSchema: Req,
    req: MessageInitShape<Req>,
    resSchema: Res,
  ): { code: number; res: MessageShape<Res> | undefined }
  /** Calls `fn` with raw request bytes and pointers. */
  raw(fn: string, bytes: Uint8Array, inLen?: number, inPtr?: number, outPtr?: number): number
}

/** A real engine with the queue plugin initialised, and the forwarding guest instantiated. */
export async function queueGuest(
  dataDir: string,
  clock?: Clock,
  settings: Record<string, unknown> = {},
  deployment?: PluginDeployment,
): Promise<QueueGuest> {
  const engine = createEngine()
  const plugin = createMemoryLogger('host')
  const stores: QueueStore[] = []
  const queuePlugin = createQueuePlugin({
    now: clock === undefined ? undefined : () => clock.ms,
    onStore: (s) => stores.push(s),
  })
  const ok = queuePlugin.init(
    {
      name: 'queue',
      logger: plugin.logger,
      invokeAdapter,
      settings,
      dataDir,
      ...(deployment !== undefined ? { deployment } : {}),
    },
    engine,
  )
  if (!ok) throw new Error(`queue plugin refused: ${JSON.stringify(plugin.records)}`)
  const compiled = await engine.compile(await guestWat(), 'queue-guest.wat')
  const mem = createMemoryLogger('queue-guest')
  const guest = engine.instantiate(compiled, { serviceName: 'queue-guest', logger: mem.logger })
  const raw = (
    fn: string,
    bytes: Uint8Array,
    inLen = bytes.length,
    inPtr = IN_PTR,
    outPtr = OUT_PTR,
  ) => {
    guest.memory.write(IN_PTR, bytes)
    guest.memory.writeI32(ERR_PTR, OUT_CAPACITY)
    const outcome = guest.call(fn, inLen, inPtr, outPtr, ERR_PTR)
    if (outcome.kind !== 'returned') throw new Error(`guest ${fn}: ${JSON.stringify(outcome)}`)
    return guest.memory.readI32(ERR_PTR) as number
  }
  return {
    guest,
    records: mem.records,
    pluginRecords: plugin.records,
    stores,
    raw,
    call(fn, reqSchema, req, resSchema) {
      const bytes = toBinary(reqSchema, create(reqSchema, req))
      guest.memory.write(IN_PTR, bytes)
      guest.memory.writeI32(ERR_PTR, OUT_CAPACITY)
      const outcome = guest.call(fn, bytes.length, IN_PTR, OUT_PTR, ERR_PTR)
      if (outcome.kind !== 'returned') throw new Error(`guest ${fn}: ${JSON.stringify(outcome)}`)
      const code = guest.memory.readI32(ERR_PTR) as number
      if (code !== 0) return { code, res: undefined }
      const ret = outcome.value as bigint
      const len = Number(ret >> 32n)
      const out = len === 0 ? new Uint8Array(0) : (guest.memory.read(OUT_PTR, len) as Uint8Array)
      return { code, res: fromBinary(resSchema, out) }
    },
  }
}
