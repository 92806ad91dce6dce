// Opens and runs examples/helloworld through a built main's IPC handlers and checks that the
// real engine ran it: its log lines and the graph's kernel events arrive at webContents.send.
import { expect } from 'vitest'
import type { StandInMain } from './electron-stand-in'

interface LogsPayload {
  readonly lines: readonly { readonly source: string; readonly message: string }[]
}

export async function runHelloworldThroughIpc(main: StandInMain, config: string): Promise<void> {
  await main.until(
    'the IPC handler and the page',
    () =>
      main.calls.find((c) => c.api === 'BrowserWindow.loadFile') &&
      main.calls.find((c) => c.api === 'ipcMain.handle' && c.args[0] === 'parigot:call'),
  )
  const opened = await main.bridge('deployment.open', { file: config })
  expect(opened, JSON.stringify(opened)).toMatchObject({ kind: 'response', ok: true })
  const subscribed = await main.bridge('logs.subscribe', { filter: {}, backfill: 0 })
  expect(subscribed).toMatchObject({ ok: true })
  const ran = await main.bridge('deployment.run')
  expect(ran, JSON.stringify(ran)).toMatchObject({ ok: true })

  const events = (name: string): unknown[] =>
    main.sends
      .filter((s) => s.channel === 'parigot:event')
      .map((s) => s.args[0] as { event: string; payload: unknown })
      .filter((m) => m.event === name)
      .map((m) => m.payload)
  const greeting = await main.until('the greeting in the log stream', () =>
    (events('logs') as LogsPayload[])
      .flatMap((p) => p.lines)
      .find((l) => l.source === 'helloworld' && l.message.includes('bonjour, world')),
  )
  expect(greeting.message).toContain('bonjour, world')
  const kernel = (events('kernel-events') as { type: string; name?: string }[][]).flat()
  expect(kernel.filter((e) => e.type === 'host-added').map((e) => e.name)).toEqual(
    expect.arrayContaining(['greet', 'helloworld']),
  )
  await main.until('helloworld to exit 0', () =>
    (events('kernel-events') as { type: string; name?: string; code?: number }[][])
      .flat()
      .find((e) => e.type === 'host-ended' && e.name === 'helloworld'),
  )
}
