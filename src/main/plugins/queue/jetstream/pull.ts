// One pull request on the queue's consumer with `no_wait`: the messages available now, up to a
// batch, and none awaited, so an empty queue answers at once (the client's fetch() waits at
// least 1 s for messages that may come). The server ends the batch with a status message.
import { createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node'
import { CONSUMER_NAME } from './names'

export async function pullNow(
  nc: NatsConnection,
  stream: string,
  batch: number,
  timeoutMs: number,
): Promise<Msg[]> {
  const inbox = createInbox()
  const sub = nc.subscribe(inbox, { timeout: timeoutMs })
  nc.publish(
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${CONSUMER_NAME}`,
    JSON.stringify({ batch, no_wait: true }),
    { reply: inbox },
  )
  const got: Msg[] = []
  try {
    for await (const msg of sub) {
      const status = msg.headers?.code ?? 0
      if (status !== 0) {
        // 404 no messages, 408 request ended: the batch is complete.
        if (status === 404 || status === 408) break
        throw new Error(`pull from ${stream}: ${status} ${msg.headers?.description ?? ''}`)
      }
      got.push(msg)
      if (got.length >= batch) break
    }
  } finally {
    sub.unsubscribe()
  }
  return got
}
