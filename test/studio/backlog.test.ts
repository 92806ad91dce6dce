// A connection that cannot keep up: the log stays bounded by the ring, and the next batch the
// slow peer gets says exactly how many lines it missed instead of queueing them without end.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import type {
  BridgeServerMessage,
  DeploymentStatus,
  LogLine,
} from '../../src/shared/bridge/contract'
import { BridgeServer } from '../../src/main/bridge/bridge-server'
import { StudioSession } from '../../src/main/bridge/session'
import { WorkspaceRoots } from '../../src/main/bridge/workspace-roots'
import { compileAssemblyScript } from '../helpers/asc'
import { until, writeDeployment } from './helpers'

it('a slow peer gets `dropped` for lines the ring overwrote, and every line is accounted for', async () => {
  const { file } = await writeDeployment(
    '[services.logger]\nwasm = "logger.wasm"\nrole = "main"\nargs = ["3000"]\n',
    { 'logger.wasm': await compileAssemblyScript('bench/guests/log-lines.ts') },
  )
  const session = new StudioSession({
    version: 'test',
    roots: await WorkspaceRoots.create([tmpdir()]),
    dataDir: await mkdtemp(join(tmpdir(), 'studio-backlog-')),
    logCapacity: 500,
  })
  const bridge = new BridgeServer(session, { flushMs: 10 })
  let slow = true
  const received: LogLine[] = []
  let dropped = 0
  const statuses: DeploymentStatus[] = []
  const connection = bridge.connect({
    send: (message: BridgeServerMessage) => {
      if (message.kind !== 'event') return
      if (message.event === 'logs') {
        const payload = message.payload as { lines: LogLine[]; dropped: number }
        received.push(...payload.lines)
        dropped += payload.dropped
      } else if (message.event === 'deployment-status') {
        statuses.push(message.payload as DeploymentStatus)
      }
    },
    // A peer with a full socket until the guest is done.
    bufferedBytes: () => (slow ? Number.MAX_SAFE_INTEGER : 0),
  })
  try {
    await session.open(file)
    // Over IPC the request arrives as an object, not text.
    const subscribed = await connection.handle({
      kind: 'request',
      id: 1,
      method: 'logs.subscribe',
      params: { filter: {}, backfill: 0 },
    })
    expect(subscribed.ok).toBe(true)
    const from = session.logs.next
    await session.run()
    await until('the logger exited', () => statuses.some((s) => s.state === 'exited'))
    expect(received).toEqual([])
    slow = false
    await until(
      'the backlog delivered',
      () => from + dropped + received.length === session.logs.next,
    )
    expect(dropped).toBeGreaterThan(2500)
    // What arrived is the newest part of the log, in order, without gaps.
    expect(received.length).toBeLessThanOrEqual(500)
    const seqs = received.map((l) => l.seq)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (seqs[0] ?? 0) + i))
    expect(seqs.at(-1)).toBe(session.logs.next - 1)
    expect(received.some((l) => l.message === 'done 3000')).toBe(true)
  } finally {
    connection.close()
    bridge.close()
    await session.close()
  }
}, 60_000)
