import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import type { BridgeServerMessage, LogLine } from '../src/shared/bridge/contract'
import { BridgeServer } from '../src/main/bridge/bridge-server'
import { StudioSession } from '../src/main/bridge/session'
import { WorkspaceRoots } from '../src/main/bridge/workspace-roots'
import { startStudioWebServer } from '../src/main/bridge/web-server'
import { compileAssemblyScript } from '../test/helpers/asc'
import { median } from './lib/stats'
import type { Benchmark, BenchResult } from './lib/result'

const LINES = 100_000
const ROUNDS = 3

interface Round {
  readonly received: number
  readonly dropped: number
  readonly seconds: number
  /** The guest's final line arrived (otherwise the round ended after QUIET_MS of silence). */
  readonly finished: boolean
}

/** A round that has seen nothing for this long is over, whatever it still lacks. */
const QUIET_MS = 5_000

/**
 * log-lines-per-s: a wasm guest logs LINES lines as fast as it can; the Studio engine (session,
 * bridge, loopback WebSocket server) delivers them to a real `ws` client that subscribed with a
 * token; lines per second from `deployment.run` until the guest's last line arrived.
 * log-lines-not-delivered: lines logged but not received by the client, over all rounds (the
 * bridge's own drop markers are reported beside it). Every round finishes: one whose final line
 * never comes ends after QUIET_MS without a message, and counts what it lacked.
 */
async function logLines(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'parigot-log-bench-'))
  const wasm = await compileAssemblyScript('bench/guests/log-lines.ts')
  writeFileSync(join(dir, 'logger.wasm'), wasm)
  const file = join(dir, 'deploy.toml')
  writeFileSync(
    file,
    `[deployment]\nname = "log-bench"\n[services.logger]\nwasm = "logger.wasm"\nrole = "main"\nargs = ["${LINES}"]\n`,
  )
  const session = new StudioSession({
    version: 'bench',
    roots: await WorkspaceRoots.create([dir]),
    dataDir: join(dir, 'studio'),
  })
  const bridge = new BridgeServer(session)
  const server = await startStudioWebServer({ bridge, rendererDir: dir })
  try {
    await session.open(file)
    const rounds: Round[] = []
    for (let round = 0; round <= ROUNDS; round++) {
      const result = await oneRound(server.port, server.token, server.origin)
      if (round > 0) rounds.push(result) // round 0 warms up
      await session.stop()
    }
    const notDelivered = rounds.reduce((s, r) => s + (LINES - r.received), 0)
    const dropped = rounds.reduce((s, r) => s + r.dropped, 0)
    const unfinished = rounds.filter((r) => !r.finished).length
    const rate = median(rounds.map((r) => r.received / r.seconds))
    const setting = `${LINES} lines of ~60 bytes logged by one wasm guest as fast as it can, delivered through the Studio bridge (50 ms batches) over a loopback WebSocket to a ws client that counts them; median of ${ROUNDS} rounds`
    return [
      {
        id: 'log-lines-per-s',
        value: Math.round(rate),
        unit: 'lines/s',
        better: 'higher',
        setting: `${setting}; lines received per second until the guest's final line (or the last message of a round that never got it)`,
        targets: [{ kind: 'min', value: 50_000 }],
        detail: { notDelivered, droppedMarkers: dropped, roundsWithoutFinalLine: unfinished },
      },
      {
        id: 'log-lines-not-delivered',
        value: notDelivered,
        unit: 'lines',
        better: 'lower',
        setting: `${setting}; lines sent but not received, summed over the rounds (${LINES * ROUNDS} sent); the bridge's drop markers counted ${dropped}; ${unfinished} round(s) ended without the final line`,
        detail: { droppedMarkers: dropped, roundsWithoutFinalLine: unfinished },
      },
    ]
  } finally {
    await server.close()
    bridge.close()
    await session.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

export const logLinesBenchmark: Benchmark = {
  name: 'log lines',
  measurements: [{ ids: ['log-lines-per-s', 'log-lines-not-delivered'], run: logLines }],
}

function oneRound(port: number, token: string, origin: string): Promise<Round> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/bridge?token=${token}`, { origin })
    let received = 0
    let dropped = 0
    let started = 0
    let last = 0
    let quiet: NodeJS.Timeout | undefined
    let over = false
    const finish = (finished: boolean) => {
      clearTimeout(quiet)
      if (over) return
      over = true
      const seconds = ((finished ? performance.now() : last) - started) / 1000
      ws.close()
      resolve({ received, dropped, seconds: Math.max(seconds, 1e-3), finished })
    }
    const heard = () => {
      if (over) return
      last = performance.now()
      clearTimeout(quiet)
      quiet = setTimeout(() => finish(false), QUIET_MS)
    }
    const send = (id: number, method: string, params: unknown) =>
      ws.send(JSON.stringify({ kind: 'request', id, method, params }))
    ws.on('error', (err) => {
      clearTimeout(quiet)
      reject(err)
    })
    ws.on('open', () => send(1, 'logs.subscribe', { filter: { sources: ['logger'] }, backfill: 0 }))
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as BridgeServerMessage
      if (message.kind === 'response') {
        if (!message.ok) {
          clearTimeout(quiet)
          reject(new Error(JSON.stringify(message.error)))
        } else if (message.id === 1) {
          started = performance.now()
          heard()
          send(2, 'deployment.run', {})
        }
        return
      }
      if (message.event !== 'logs') return
      heard()
      const payload = message.payload as { lines: LogLine[]; dropped: number }
      dropped += payload.dropped
      for (const line of payload.lines) {
        if (line.message.startsWith('line ')) received++
        else if (line.message.startsWith('done ')) finish(true)
      }
    })
  })
}
