// How `parigot serve --cluster URL --deployment NAME` reaches a NATS server that wants
// credentials: from the `[cluster]` table of a deploy config named with it (the file the hosts
// run: token, user/password, creds file and TLS, checked like every other key), or else from
// PARIGOT_NATS_* environment variables, so no secret has to go on the command line.
import type { ClusterConfig } from '../../shared/deploy-config/types'
import { formatDiagnostic, loadDeployConfig } from '../runner/load-config'

export const NATS_ENV = {
  token: 'PARIGOT_NATS_TOKEN',
  user: 'PARIGOT_NATS_USER',
  password: 'PARIGOT_NATS_PASSWORD',
  creds: 'PARIGOT_NATS_CREDS',
} as const

export type AttachCluster =
  | {
      ok: true
      cluster: ClusterConfig
      /** The deploy config's descriptor sets: the queue inspector decodes payloads with them. */
      descriptors?: readonly string[]
    }
  | { ok: false; error: string }

/** The cluster settings from the environment: at most one way to authenticate. */
export function clusterFromEnv(
  nats: string,
  env: Readonly<Record<string, string | undefined>>,
): AttachCluster {
  const given = (name: string): string | undefined => {
    const value = env[name]
    return value === undefined || value === '' ? undefined : value
  }
  const token = given(NATS_ENV.token)
  const user = given(NATS_ENV.user)
  const password = given(NATS_ENV.password)
  const creds = given(NATS_ENV.creds)
  const ways = [
    token !== undefined ? NATS_ENV.token : undefined,
    user !== undefined ? NATS_ENV.user : undefined,
    creds !== undefined ? NATS_ENV.creds : undefined,
  ].filter((w) => w !== undefined)
  if (ways.length > 1)
    return { ok: false, error: `set one way to authenticate, not ${ways.join(' and ')}` }
  if (password !== undefined && user === undefined)
    return { ok: false, error: `${NATS_ENV.password} is set without ${NATS_ENV.user}` }
  return {
    ok: true,
    cluster: {
      nats,
      requireCredentials: false,
      ...(token !== undefined ? { token } : {}),
      ...(user !== undefined ? { user, password: password ?? '' } : {}),
      ...(creds !== undefined ? { creds } : {}),
    },
  }
}

/**
 * The `[cluster]` settings of the deploy config at `file`, with `nats` as the server's address
 * (the Studio may reach it by another name than the hosts). The file must be valid, and must
 * describe deployment `deployment`, so credentials are never sent to the wrong deployment.
 */
export async function clusterFromConfig(
  file: string,
  nats: string,
  deployment: string,
): Promise<AttachCluster> {
  const { config, diagnostics } = await loadDeployConfig(file)
  if (config === undefined)
    return {
      ok: false,
      error: diagnostics
        .filter((d) => d.severity === 'error')
        .map(formatDiagnostic)
        .join('\n'),
    }
  if (config.cluster === undefined)
    return { ok: false, error: `${config.file} has no [cluster] table to take credentials from` }
  if (config.name !== deployment)
    return {
      ok: false,
      error: `${config.file} describes deployment "${config.name}", not "${deployment}"`,
    }
  return { ok: true, cluster: { ...config.cluster, nats }, descriptors: config.descriptors }
}
