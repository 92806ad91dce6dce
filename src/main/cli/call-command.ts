// `parigot call <deploy.toml> <package.Service.Method> [<json>]` and `parigot call <deploy.toml>
// --list`: call one method of a deployment by hand. The servers start, the request (JSON, checked
// against the method's input type from the guests' descriptors) goes through the kernel as a
// call from "cli", and the answer is printed as JSON on stdout; guest logs go to stderr.
import { readFile } from 'node:fs/promises'
import { fromJson, toJson, toBinary, fromBinary } from '@bufbuild/protobuf'
import type { JsonValue } from '@bufbuild/protobuf'
import { anyPack } from '@bufbuild/protobuf/wkt'
import { KernelErr } from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import type { DeployConfig } from '../../shared/deploy-config/types'
import { Deployment, ExitCode } from '../runner/deployment'
import { findMethod, methodCatalog } from '../runner/method-catalog'
import type { CallableMethod, MethodCatalog } from '../runner/method-catalog'
import { sharedModuleCache } from '../runner/module-cache'
import type { CliIo } from './main'
import { CALL_HELP } from './call-help'
import { createTerminalOutput } from './terminal-output'

/** Exit code when the service answers with an error of its own (its code is on stderr). */
export const CALL_ANSWERED_ERROR = 1

async function catalogOf(config: DeployConfig): Promise<MethodCatalog> {
  const modules = new Map<string, WebAssembly.Module>()
  for (const service of config.services) {
    const bytes = new Uint8Array(await readFile(service.wasm))
    modules.set(service.name, (await sharedModuleCache.compile(bytes, service.wasm)).module)
  }
  return methodCatalog(config, modules)
}

function listMethods(catalog: MethodCatalog, io: CliIo): number {
  for (const m of catalog.methods) {
    io.stdout(`${m.service}.${m.method}(${m.input.typeName}) returns (${m.output.typeName})`)
  }
  for (const u of catalog.undescribed) io.stderr(`parigot call: ${u.guest}: ${u.reason}`)
  for (const p of catalog.problems) io.stderr(`parigot call: ${p}`)
  return ExitCode.OK
}

/** The request message from JSON text, or a message naming what does not fit. */
function parseRequest(
  method: CallableMethod,
  catalog: MethodCatalog,
  text: string,
): Uint8Array | string {
  let json: JsonValue
  try {
    json = JSON.parse(text) as JsonValue
  } catch (err) {
    return `the request is not JSON: ${err instanceof Error ? err.message : String(err)}`
  }
  try {
    const registry = catalog.registry
    const message = fromJson(method.input, json, registry ? { registry } : {})
    return toBinary(method.input, message)
  } catch (err) {
    return `the request does not fit ${method.input.typeName}: ${err instanceof Error ? err.message : String(err)}`
  }
}

export async function callCommand(
  config: DeployConfig,
  target: string | undefined,
  requestText: string | undefined,
  list: boolean,
  io: CliIo,
): Promise<number> {
  const catalog = await catalogOf(config)
  if (list) return listMethods(catalog, io)
  if (target === undefined) {
    io.stderr(`parigot call: name a method (package.Service.Method) or --list\n\n${CALL_HELP}`)
    return 1
  }
  const method = findMethod(catalog, target)
  if ('problem' in method) {
    io.stderr(`parigot call: ${method.problem}`)
    return ExitCode.BAD_DEPLOYMENT
  }
  const request = parseRequest(method, catalog, requestText ?? '{}')
  if (typeof request === 'string') {
    io.stderr(`parigot call: ${request}`)
    return ExitCode.BAD_DEPLOYMENT
  }

  const logs = createTerminalOutput({ json: false, color: false, write: io.stderr })
  let announceRunning: (() => void) | undefined
  const running = new Promise<void>((resolve) => (announceRunning = resolve))
  const deployment = new Deployment(config, {
    mode: 'serve',
    onLog: (record) => logs.log(record),
    onEvent: (event) => {
      if (
        event.type === 'service-state' &&
        event.name === method.kernelName &&
        event.state === 'running'
      )
        announceRunning?.()
    },
  })
  const removeHandler = io.onInterrupt(() => void deployment.stop())
  const ran = deployment.run()
  const launchTimeoutMs = config.limits.launchTimeoutMs
  let timer: NodeJS.Timeout | undefined
  const outcome = await Promise.race([
    running.then(() => 'running' as const),
    ran.then((code) => ({ ended: code })),
    new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), launchTimeoutMs)),
    ),
  ])
  clearTimeout(timer)
  try {
    if (outcome === 'timeout') {
      io.stderr(
        `parigot call: ${method.service} did not reach running within the launch timeout (${launchTimeoutMs} ms)`,
      )
      return 3
    }
    if (outcome !== 'running') {
      io.stderr(
        `parigot call: the deployment ended (exit ${outcome.ended}) before ${method.service} ran`,
      )
      return outcome.ended === ExitCode.OK ? 3 : outcome.ended
    }
    const param = anyPack(method.input, fromBinary(method.input, request))
    const result = await deployment
      .externalCaller('cli')
      .call(method.kernelName, method.method, param)
    if (result.kind === 'kernel') {
      io.stderr(`parigot call: ${target} failed: ${result.name} (KernelErr ${result.code})`)
      return result.code === KernelErr.NotFound ? ExitCode.BAD_DEPLOYMENT : 3
    }
    if (result.kind === 'error') {
      const name = method.errors?.values.find((v) => v.number === result.code)?.name
      const label = name
        ? `${method.errors?.name}.${name} (${result.code})`
        : `error ${result.code}`
      io.stderr(`parigot call: ${target} answered ${label}`)
      return CALL_ANSWERED_ERROR
    }
    const bytes = result.result?.value ?? new Uint8Array()
    const response = fromBinary(method.output, bytes)
    const registry = catalog.registry
    io.stdout(
      JSON.stringify(toJson(method.output, response, registry ? { registry } : {}), null, 2),
    )
    return ExitCode.OK
  } finally {
    removeHandler()
    await deployment.stop()
    await ran
  }
}
