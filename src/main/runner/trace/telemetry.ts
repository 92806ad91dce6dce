import type { DeployConfig } from '../../../shared/deploy-config'
import { OtlpExport } from './otlp-export'

/** The OTLP export `[telemetry] otlp` asks for, or undefined. */
export function openTelemetry(
  config: DeployConfig,
  problem: (message: string) => void,
): OtlpExport | undefined {
  const url = config.telemetry?.otlp
  return url === undefined ? undefined : new OtlpExport(url, config.name, problem)
}
