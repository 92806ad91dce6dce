// Shared pieces of the Studio tests: a real bridge client over a real WebSocket, waiting for
// conditions, and deploy configs written to temporary folders.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import type {
  BridgeEvent,
  BridgeEvents,
  BridgeMethod,
  BridgeResponse,
  BridgeServerMessage,
} from '../../src/shared/bridge/contract'
import { compileAssemblyScript, REPO_ROOT } from '../helpers/asc'

export async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export class TestClient {
  readonly events: { event: BridgeEvent; payload: unknown }[] = []
  private readonly pending = new Map<number, (response: BridgeResponse) => void>()
  private nextId = 1

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as BridgeServerMessage
      if (message.kind === 'event') this.events.push(message)
      else if (message.id !== null) this.pending.get(message.id)?.(message)
    })
  }

  static async connect(url: string, origin: string): Promise<TestClient> {
    const ws = new WebSocket(url, { origin })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return new TestClient(ws)
  }

  /** Sends raw text and answers the response that carries `id` (or id null). */
  raw(text: string, id: number | null = null): Promise<BridgeResponse> {
    return new Promise((resolve) => {
      if (id === null) {
        const onMessage = (data: WebSocket.RawData) => {
          const message = JSON.parse(String(data)) as BridgeServerMessage
          if (message.kind === 'response' && message.id === null) {
            this.ws.off('message', onMessage)
            resolve(message)
          }
        }
        this.ws.on('message', onMessage)
      } else {
        this.pending.set(id, resolve)
      }
      this.ws.send(text)
    })
  }

  async request(method: BridgeMethod | string, params: unknown = {}): Promise<BridgeResponse> {
    const id = this.nextId++
    return this.raw(JSON.stringify({ kind: 'request', id, method, params }), id)
  }

  /** Calls and answers the result; throws with the error body when the call failed. */
  async call<T = unknown>(method: BridgeMethod, params: unknown = {}): Promise<T> {
    const response = await this.request(method, params)
    if (!response.ok) throw new Error(`${method}: ${JSON.stringify(response.error)}`)
    return response.result as T
  }

  payloads<E extends BridgeEvent>(event: E): BridgeEvents[E][] {
    return this.events.filter((e) => e.event === event).map((e) => e.payload as BridgeEvents[E])
  }

  close(): void {
    this.ws.close()
  }
}

/** A cycle guest: exports argv[1] and requires argv[2] (`package.Service` each), then launches. */
const CYCLE_GUEST = `
import { args, EventKind, exitProcess, exportService, Fqs, launch, log, newCallId, readOne,
  register, requireService } from '../../../src/guest/runtime'

function fqs(name: string): Fqs {
  const dot = name.lastIndexOf('.')
  return new Fqs(name.substring(0, dot), name.substring(dot + 1))
}
const argv = args()
const mine = fqs(argv[1])
const reg = register(mine.packagePath, mine.service)
if (!reg.ok) exitProcess(5)
if (exportService(reg.value, [mine]) != 0) exitProcess(5)
const required = requireService(reg.value, [fqs(argv[2])])
log(argv[1] + ': require ' + argv[2] + ' -> ' + required.toString())
if (launch(reg.value, newCallId()) != 0) exitProcess(5)
while (true) {
  const ev = readOne(1000)
  if (ev.kind == EventKind.Exit || ev.kind == EventKind.Error) break
}
exitProcess(0)
`

/** Compiles an AssemblyScript source text (written under node_modules/.cache) to wasm. */
export async function compileGuestSource(name: string, source: string): Promise<Uint8Array> {
  const dir = join(REPO_ROOT, 'node_modules', '.cache', 'parigot-studio-test')
  await mkdir(dir, { recursive: true })
  const file = join(dir, `${name}.ts`)
  await writeFile(file, source)
  return compileAssemblyScript(file)
}

export function compileCycleGuest(): Promise<Uint8Array> {
  return compileGuestSource('cycle-guest', CYCLE_GUEST)
}

/** Writes `deploy.toml` (and the given wasm files) to a fresh temporary folder. */
export async function writeDeployment(
  toml: string,
  wasm: Readonly<Record<string, Uint8Array>>,
): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'parigot-studio-'))
  for (const [name, bytes] of Object.entries(wasm)) await writeFile(join(dir, name), bytes)
  const file = join(dir, 'deploy.toml')
  await writeFile(file, toml)
  return { dir, file }
}
