// The NATS echo responder of the cross-process floors (bench/fixtures/nats-echo-responder.mjs)
// as a child process: started, ready once its subscription is registered, and stopped.
import { spawn } from 'node:child_process'
import { join } from 'node:path'

const RESPONDER = join(import.meta.dirname, '..', 'fixtures', 'nats-echo-responder.mjs')

/**
 * A responder answering every request on `floor.echo` with `reply`, in its own process; with
 * `viaWorker`, each answer is made by a worker thread of that process. Resolves, once it is
 * ready, to the function that stops it.
 */
export async function startEchoResponder(
  url: string,
  reply: Uint8Array,
  viaWorker: boolean,
): Promise<() => Promise<void>> {
  const args = [RESPONDER, url, Buffer.from(reply).toString('base64')]
  const child = spawn(process.execPath, viaWorker ? [...args, '--via-worker'] : args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString()
        if (output.includes('ready')) resolve()
      })
      child.stderr.on('data', (d: Buffer) => (output += d.toString()))
      void exited.then((code) =>
        reject(
          new Error(`the NATS echo responder exited (${code}) before it was ready: ${output}`),
        ),
      )
    })
  } catch (error) {
    child.kill('SIGTERM')
    throw error
  }
  return async () => {
    child.kill('SIGTERM')
    await exited
  }
}
