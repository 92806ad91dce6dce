// The typed failures of the Studio's inspector over JetStream queues (jetstream/inspector.ts).
// Kept apart from the inspector so that the bridge can recognise them without loading the NATS
// client (the inspector module is loaded only for a deployment whose queues are in JetStream).

/**
 * - `stream-missing`: the queue's stream (or its consumer) is not on the server;
 * - `no-permission`: the server refused the account a subject;
 * - `server-gone`: the server cannot be reached, closed the connection, or did not answer in time;
 * - `refused`: the server answered with another error (its words are in the message).
 */
export type JetStreamInspectorProblem =
  'stream-missing' | 'no-permission' | 'server-gone' | 'refused'

export class JetStreamInspectorError extends Error {
  override readonly name = 'JetStreamInspectorError'
  constructor(
    readonly problem: JetStreamInspectorProblem,
    message: string,
  ) {
    super(message)
  }
}
