/**
 * Connects to the deployment's NATS server with the `[cluster]` settings (credentials, TLS),
 * through the official client. A failure to connect is a sentence naming the server and why,
 * never a credential.
 */
import { readFile } from 'node:fs/promises'
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node'
import type { ClusterConfig } from '../../shared/deploy-config/types'

export interface ClusterConnectOptions {
  /** The client's name in the server's monitoring (`parigot <deployment>/<host>`). */
  readonly name: string
  /** How long the first connection may take; default 5 s. */
  readonly timeoutMs?: number
}

export async function connectCluster(
  config: ClusterConfig,
  options: ClusterConnectOptions,
): Promise<NatsConnection> {
  const hasCredentials =
    config.token !== undefined || config.user !== undefined || config.creds !== undefined
  if (config.requireCredentials && !hasCredentials)
    throw new Error('cluster.require_credentials is set but no credentials are given')
  let authenticator
  if (config.creds !== undefined) {
    let creds: Uint8Array
    try {
      creds = await readFile(config.creds)
    } catch (err) {
      throw new Error(
        `cluster.creds: cannot read ${config.creds}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        { cause: err },
      )
    }
    authenticator = credsAuthenticator(creds)
  }
  const tls =
    config.tls !== undefined || config.nats.startsWith('tls://')
      ? {
          ...(config.tls?.caFile !== undefined ? { caFile: config.tls.caFile } : {}),
          ...(config.tls?.certFile !== undefined ? { certFile: config.tls.certFile } : {}),
          ...(config.tls?.keyFile !== undefined ? { keyFile: config.tls.keyFile } : {}),
          ...(config.tls?.handshakeFirst ? { handshakeFirst: true } : {}),
        }
      : undefined
  try {
    return await connect({
      servers: config.nats.replace(/^tls:\/\//, 'nats://'),
      name: options.name,
      timeout: options.timeoutMs ?? 5000,
      // A host keeps trying while the server restarts; its heartbeats stop meanwhile, so the
      // other hosts see it gone, which is the truth for its callers.
      reconnect: true,
      maxReconnectAttempts: -1,
      ...(config.token !== undefined ? { token: config.token } : {}),
      ...(config.user !== undefined ? { user: config.user, pass: config.password ?? '' } : {}),
      ...(authenticator !== undefined ? { authenticator } : {}),
      ...(tls !== undefined ? { tls } : {}),
    })
  } catch (err) {
    throw new Error(
      `cannot connect to the cluster's NATS server ${config.nats}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    )
  }
}
