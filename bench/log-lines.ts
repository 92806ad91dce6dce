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
}

/**
 * log-lines-per-s: a wasm guest logs LINES lines as fast as it can; the Studio engine (session,
 * bridge, loopback WebSocket server) delivers them to a real `ws` client that subscribed with a
 * token; lines per second from `deployment.run` until the last line arrived.
 * log-lines-lost: the lines the client did not get. Each must be counted by the bridge
 * (`dropped`, with its place in `gaps`): a line neither received nor counted fails the run.
 */
export const logLinesBenchmark: Benchmark = {
  name: 'log-lines-per-s',
  async run(): Promise<BenchResult[]> {
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
      // `dropped` counts every line skipped, the runner's and separators too: it may exceed
      // the guest's share, never fall short of it.
      const uncounted = rounds.filter((r) => r.received > LINES || r.received + r.dropped < LINES)
      if (uncounted.length > 0)
        throw new Error(
          `log lines lost without being counted: ${JSON.stringify(uncounted)} (sent ${LINES} per round)`,
        )
      const rate = median(rounds.map((r) => r.received / r.seconds))
      const lost = median(rounds.map((r) => LINES - r.received))
      return [
        {
          id: 'log-lines-per-s',
          value: Math.round(rate),
          unit: 'lines/s',
          better: 'higher',
          setting: `${LINES} lines of ~60 bytes logged by one wasm guest as fast as it can, delivered through the Studio bridge (50 ms batches) over a loopback WebSocket to a ws client that counts them; median of ${ROUNDS} rounds`,
        },
        {
          id: 'log-lines-lost',
          value: lost,
          unit: 'lines',
          better: 'lower',
          setting: `lines of the ${LINES} that the client of log-lines-per-s did not get, median of ${ROUNDS} rounds; every one counted by the bridge in \`dropped\`/\`gaps\` (the run fails otherwise) and kept in the run's log file`,
        },
      ]
    } finally {
      await server.close()
      bridge.close()
      await session.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
}

function oneRound(port: number, token: string, origin: string): Promise<Round> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/bridge?token=${token}`, { origin })
    let received = 0
    let dropped = 0
    let started = 0
    const send = (id: number, method: string, params: unknown) =>
      ws.send(JSON.stringify({ kind: 'request', id, method, params }))
    ws.on('error', reject)
    ws.on('open', () => send(1, 'logs.subscribe', { filter: { sources: ['logger'] }, backfill: 0 }))
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as BridgeServerMessage
      if (message.kind === 'response') {
        if (!message.ok) reject(new Error(JSON.stringify(message.error)))
        else if (message.id === 1) {
          started = performance.now()
          send(2, 'deployment.run', {})
        }
        return
      }
      if (message.event !== 'logs') return
      const payload = message.payload as { lines: LogLine[]; dropped: number }
      dropped += payload.dropped
      for (const line of payload.lines) {
        if (line.message.startsWith('line ')) received++
        else if (line.message.startsWith('done ')) {
          const seconds = (performance.now() - started) / 1000
          ws.close()
          resolve({ received, dropped, seconds })
        }
      }
    })
  })
}
