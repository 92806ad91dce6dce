// The bridge's traces: spans of the running deployment into a TraceStore (with a batched
// `traces-changed` event), and the Calls panel's list, one trace, save and open.
import type { Registry } from '@bufbuild/protobuf'
import { open as openFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { BridgeResults, TraceFilter } from '../../shared/bridge/contract'
import type { LogRecord } from '../../shared/log/log-record'
import {
  decodeChromeTrace,
  encodeChromeTrace,
  MAX_TRACE_FILE_BYTES,
} from '../../shared/trace/chrome-trace'
import type { SpanRecord } from '../../shared/trace/span'
import { StudioError } from './errors'
import { PayloadShelf, spanPayloadView } from './span-payloads'
import type { LogRing } from './log-ring'
import { MAX_TRACE_LOGS, TraceStore } from './trace-store'
import type { WorkspaceRoots } from './workspace-roots'

const CHANGED_COALESCE_MS = 250

export class TraceDesk {
  readonly store = new TraceStore()
  /** Requests and responses of the live calls, by span id. */
  readonly payloads = new PayloadShelf()
  private timer: NodeJS.Timeout | undefined
  private pending = 0

  constructor(
    private readonly roots: WorkspaceRoots,
    private readonly logs: LogRing,
    private readonly changed: (spans: number) => void,
  ) {}

  /** A span of the running deployment (Deployment's onSpan). */
  add(span: SpanRecord): void {
    this.store.add(span)
    if (this.store.source.kind !== 'live') return
    this.pending++
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      const spans = this.pending
      this.pending = 0
      this.changed(spans)
    }, CHANGED_COALESCE_MS)
  }

  /**
   * A new run starts: its traces only. `captureOff` names the config that says
   * `[cluster] capture_payloads = false`, so an opened span says why it shows no payloads.
   */
  newRun(captureOff?: string): void {
    this.store.clear()
    this.payloads.clear()
    this.captureOff = captureOff
    this.changed(0)
  }

  private captureOff: string | undefined

  list(filter: TraceFilter, limit: number): BridgeResults['traces.list'] {
    const { traces, matching } = this.store.list(filter, limit)
    return { traces, matching, source: this.store.source, dropped: this.store.dropped }
  }

  get(traceId: string): BridgeResults['traces.get'] {
    const spans = this.store.spansOf(traceId)
    if (spans === undefined) throw new StudioError('not-found', `no trace ${traceId}`)
    const logs: LogRecord[] =
      this.store.fileLogsOf(traceId) ??
      this.logs.tail(MAX_TRACE_LOGS, (line) => line.traceId === traceId, 50).lines
    return { spans, logs }
  }

  /** What was captured of a span's call; `registry` (the deployment's descriptors) decodes it. */
  async payload(
    spanId: string,
    registry: () => Promise<Registry | undefined>,
  ): Promise<BridgeResults['traces.payload']> {
    if (this.store.source.kind === 'file')
      return { reason: 'a trace file holds no requests or responses' }
    if (this.captureOff !== undefined)
      return {
        reason: `payload capture is off: ${this.captureOff} sets [cluster] capture_payloads = false`,
        captureOff: true,
      }
    const found = this.payloads.get(spanId)
    if (found === undefined)
      return {
        reason:
          'not captured: the call was not answered, or its payloads were among the oldest dropped',
      }
    return spanPayloadView(found, await registry().catch(() => undefined))
  }

  /** Writes what is shown; `configFile`/`name` place the default file next to the config. */
  async save(
    file: string | undefined,
    configFile: string | undefined,
    name: string | undefined,
  ): Promise<BridgeResults['traces.save']> {
    if (file === undefined && configFile === undefined)
      throw new StudioError('no-deployment', 'open a deployment, or give a file to save to')
    const wanted =
      file ?? join(dirname(configFile as string), `${name ?? 'trace'}-${stamp()}.trace.json`)
    if (!wanted.toLowerCase().endsWith('.json'))
      throw new StudioError(
        'invalid-params',
        'params.file: a trace file ends in .json',
        'params.file',
      )
    const path = await this.roots.check(wanted, 'params.file', 'write')
    const spans = this.store.all()
    const traceIds = new Set(spans.map((s) => s.traceId))
    const logs =
      this.store.allFileLogs() ??
      this.logs.tail(
        Number.MAX_SAFE_INTEGER,
        (line) => line.traceId !== undefined && traceIds.has(line.traceId),
      ).lines
    const temp = `${path}.${process.pid}.tmp`
    try {
      await writeFile(temp, encodeChromeTrace(spans, logs))
      await rename(temp, path)
    } catch (err) {
      throw new StudioError(
        'io',
        `cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      )
    }
    return { file: path, spans: spans.length }
  }

  async open(file: string): Promise<BridgeResults['traces.open']> {
    const path = await this.roots.check(file, 'params.file', 'read')
    const text = await readBounded(path)
    const decoded = decodeChromeTrace(text)
    if (!decoded.ok)
      throw new StudioError('invalid-params', `${path}: ${decoded.error}`, 'params.file')
    this.store.showFile(path, decoded.trace)
    this.changed(0)
    return { source: this.store.source, spans: decoded.trace.spans.length }
  }

  live(): BridgeResults['traces.live'] {
    this.store.showLive()
    this.changed(0)
    return { source: this.store.source }
  }

  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }
}

/** The file's text, refusing one larger than MAX_TRACE_FILE_BYTES before reading it. */
async function readBounded(path: string): Promise<string> {
  let handle
  try {
    handle = await openFile(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new StudioError('not-found', `${path} does not exist`)
    throw new StudioError('io', `cannot read ${path}: ${code ?? String(err)}`)
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new StudioError('io', `${path} is not a file`)
    if (info.size > MAX_TRACE_FILE_BYTES)
      throw new StudioError(
        'invalid-params',
        `${path}: ${info.size} bytes; the Studio opens trace files of at most ${MAX_TRACE_FILE_BYTES} bytes`,
        'params.file',
      )
    return await handle.readFile('utf8')
  } finally {
    await handle.close()
  }
}

function stamp(): string {
  return new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')
}
