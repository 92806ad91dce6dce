/**
 * Sends a deployment's spans and log lines to an OpenTelemetry collector over OTLP/HTTP (JSON),
 * with the OpenTelemetry exporters (@opentelemetry/exporter-trace-otlp-http, -logs-otlp-http).
 * The SDK's Tracer is not used: spans are not made where the work happens (wasm guests in
 * worker threads) but recorded afterwards on the kernel's thread from its books, with ids that
 * are already fixed (trace/collector.ts); so each SpanRecord becomes a ReadableSpan and goes
 * straight to the exporter, batched here (trace/batcher.ts), off the call path.
 */
import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api'
import type { HrTime } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import type { Resource } from '@opentelemetry/resources'
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import type { LogLevel, LogRecord } from '../../../shared/log/log-record'
import { spanFailed } from '../../../shared/trace/span'
import { spanResult } from '../../../shared/trace/span-result'
import type { SpanRecord } from '../../../shared/trace/span'
import { Batcher } from './batcher'

/** One export (with the exporter's retries) gives up after this long. */
export const EXPORT_TIMEOUT_MS = 2000
const SCOPE = { name: 'parigot', version: '0.1.0' }
const SEVERITY: Record<LogLevel, SeverityNumber> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
}

interface ExportResult {
  code: number
  error?: Error
}

export class OtlpExport {
  private readonly spans: Batcher<SpanRecord>
  private readonly logs: Batcher<LogRecord>
  private readonly resources = new Map<string, Resource>()
  private readonly traceExporter: OTLPTraceExporter
  private readonly logExporter: OTLPLogExporter
  private warned = false

  /**
   * `base`: the collector's URL (`[telemetry] otlp`); `deployment` names the resource;
   * `problem` hears the first failed export (the log line it writes is not exported again).
   */
  constructor(
    readonly base: string,
    private readonly deployment: string,
    private readonly problem: (message: string) => void,
  ) {
    const root = base.replace(/\/+$/, '')
    // A collector that is down must not hold the end of a run for long (retries included).
    this.traceExporter = new OTLPTraceExporter({
      url: `${root}/v1/traces`,
      timeoutMillis: EXPORT_TIMEOUT_MS,
    })
    this.logExporter = new OTLPLogExporter({
      url: `${root}/v1/logs`,
      timeoutMillis: EXPORT_TIMEOUT_MS,
    })
    this.spans = new Batcher((batch) =>
      this.exportWith(
        this.traceExporter,
        batch.map((s) => this.readableSpan(s)),
        'spans',
      ),
    )
    this.logs = new Batcher((batch) =>
      this.exportWith(
        this.logExporter,
        batch.map((l) => this.readableLog(l)),
        'log lines',
      ),
    )
  }

  span(span: SpanRecord): void {
    this.spans.add(span)
  }

  log(record: LogRecord): void {
    this.logs.add(record)
  }

  /** Sends what is queued, then closes the exporters; says what could not be sent. */
  async shutdown(): Promise<void> {
    await Promise.all([this.spans.flush(), this.logs.flush()])
    const lost = this.spans.dropped + this.spans.failed + this.logs.dropped + this.logs.failed
    if (lost > 0) {
      this.problem(
        `telemetry: ${this.spans.dropped + this.spans.failed} spans and ${this.logs.dropped + this.logs.failed} log lines did not reach ${this.base} (${this.spans.dropped + this.logs.dropped} dropped from a full queue, the rest in failed exports)`,
      )
    }
    await Promise.all([this.traceExporter.shutdown(), this.logExporter.shutdown()])
  }

  private exportWith<T>(
    exporter: { export(items: T[], done: (result: ExportResult) => void): void },
    items: T[],
    what: string,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      exporter.export(items, (result) => {
        if (result.code === 0) return resolve()
        if (!this.warned) {
          this.warned = true
          this.problem(
            `telemetry: exporting ${items.length} ${what} to ${this.base} failed: ${result.error?.message ?? 'no reason given'}`,
          )
        }
        reject(result.error ?? new Error('export failed'))
      })
    })
  }

  private resource(guest: string): Resource {
    let resource = this.resources.get(guest)
    if (resource === undefined) {
      resource = resourceFromAttributes({
        'service.name': guest,
        'service.namespace': this.deployment,
      })
      this.resources.set(guest, resource)
    }
    return resource
  }

  private readableSpan(span: SpanRecord): ReadableSpan {
    const context = { traceId: span.traceId, spanId: span.spanId, traceFlags: TraceFlags.SAMPLED }
    const failed = spanFailed(span)
    return {
      name: `${span.service}/${span.method}`,
      kind: SpanKind.SERVER,
      spanContext: () => context,
      ...(span.parentSpanId !== undefined
        ? {
            parentSpanContext: {
              traceId: span.traceId,
              spanId: span.parentSpanId,
              traceFlags: TraceFlags.SAMPLED,
            },
          }
        : {}),
      startTime: hrTime(span.startMs),
      endTime: hrTime(span.startMs + span.durationMs),
      duration: hrTime(span.durationMs),
      status: failed
        ? { code: SpanStatusCode.ERROR, message: spanResult(span) }
        : { code: SpanStatusCode.OK },
      attributes: {
        'rpc.system': 'parigot',
        'rpc.service': span.service,
        'rpc.method': span.method,
        'parigot.caller': span.caller,
        'parigot.callee': span.callee,
        'parigot.result_error': span.resultError,
        'parigot.kernel_error': span.kernelError,
      },
      links: [],
      events: [],
      ended: true,
      resource: this.resource(span.callee),
      instrumentationScope: SCOPE,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    }
  }

  private readableLog(record: LogRecord): ReadableLogRecord {
    const time = hrTime(record.timeMs)
    return {
      hrTime: time,
      hrTimeObserved: time,
      ...(record.traceId !== undefined && record.spanId !== undefined
        ? {
            spanContext: {
              traceId: record.traceId,
              spanId: record.spanId,
              traceFlags: TraceFlags.SAMPLED,
            },
          }
        : {}),
      severityText: record.level,
      severityNumber: SEVERITY[record.level],
      body: record.message,
      resource: this.resource(record.source),
      instrumentationScope: SCOPE,
      attributes: {},
      droppedAttributesCount: 0,
    }
  }
}

function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000)
  return [seconds, Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6))]
}
