import { rename, writeFile } from 'node:fs/promises'
import type { LogRecord } from '../../../shared/log/log-record'
import { encodeChromeTrace } from '../../../shared/trace/chrome-trace'
import type { SpanRecord } from '../../../shared/trace/span'

/** Spans plus log lines a trace file keeps; beyond this the newest are counted, not kept. */
export const MAX_RECORDED_EVENTS = 400_000

/**
 * Collects a run's spans and log lines for `parigot run --trace FILE`, and writes them as Chrome
 * trace-event JSON at the end (through a temporary file, so a reader never sees half a file).
 */
export class TraceFileRecorder {
  private readonly spans: SpanRecord[] = []
  private readonly logs: LogRecord[] = []
  /** Events past MAX_RECORDED_EVENTS, not in the file (said on stderr by the CLI). */
  dropped = 0

  addSpan(span: SpanRecord): void {
    if (this.full()) this.dropped++
    else this.spans.push(span)
  }

  addLog(log: LogRecord): void {
    if (this.full()) this.dropped++
    else this.logs.push(log)
  }

  get spanCount(): number {
    return this.spans.length
  }

  async write(file: string): Promise<void> {
    const temp = `${file}.${process.pid}.tmp`
    await writeFile(temp, encodeChromeTrace(this.spans, this.logs))
    await rename(temp, file)
  }

  private full(): boolean {
    return this.spans.length + this.logs.length >= MAX_RECORDED_EVENTS
  }
}
