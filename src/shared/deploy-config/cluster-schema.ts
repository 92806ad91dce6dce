/**
 * The `[cluster]` table of the deploy config's schema: where the NATS server of a deployment
 * split over hosts is, and how to authenticate to it (docs/cluster.md). Kept apart from
 * `schema.ts` because it is one concern; `schema.ts` plugs it in as `properties.cluster`.
 */
import type { JsonSchema } from './schema'

/** Same rule as `schema.ts`'s printable strings (no control characters). */
const PRINTABLE_PATTERN = '^[^\\p{Cc}]*$'
const PRINTABLE_MESSAGE =
  'must be printable: control characters (U+0000..U+001F, U+007F..U+009F) are not allowed'

/**
 * `nats://host:port` or `tls://host:port` (the port may be left out: 4222). The host is a name,
 * an IPv4 address or a bracketed IPv6 address; no path, no user info (credentials have their
 * own keys, so that they are not logged with the URL).
 */
export const NATS_URL_PATTERN =
  '^(nats|tls)://([A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]{2,45}\\])(:[0-9]{1,5})?$'

const path = (description: string, example: string): JsonSchema => ({
  description,
  type: 'string',
  minLength: 1,
  pattern: PRINTABLE_PATTERN,
  patternErrorMessage: PRINTABLE_MESSAGE,
  examples: [example],
})

const secret = (description: string): JsonSchema => ({
  description,
  type: 'string',
  minLength: 1,
  maxLength: 4096,
  pattern: PRINTABLE_PATTERN,
  patternErrorMessage: PRINTABLE_MESSAGE,
})

export const clusterSchema: JsonSchema = {
  description:
    'Runs the deployment split over hosts (`parigot run <file> --host NAME` per host, on one machine or several) that meet on a NATS server with JetStream: the registry, calls between hosts, logs and events go through it. Without `--host` the deployment runs in one process and this table is not used. At most one of `token`, `user` + `password` and `creds`.',
  type: 'object',
  additionalProperties: false,
  required: ['nats'],
  properties: {
    nats: {
      description:
        'The NATS server every host connects to, `nats://HOST:PORT` (or `tls://HOST:PORT`). It must run with JetStream (`nats-server -js`).',
      type: 'string',
      maxLength: 300,
      pattern: NATS_URL_PATTERN,
      patternErrorMessage:
        'must be `nats://HOST:PORT` or `tls://HOST:PORT` (a host name or address, an optional port; credentials go in `token`, `user`/`password` or `creds`)',
      examples: ['nats://127.0.0.1:4222'],
    },
    token: secret('An authentication token the NATS server expects.'),
    user: secret('A user name the NATS server knows (with `password`).'),
    password: secret("The NATS user's password (with `user`)."),
    creds: path(
      'A NATS credentials file (JWT and NKey seed, as `nsc` writes it); a relative path resolves against the folder of this file.',
      'secrets/app.creds',
    ),
    require_credentials: {
      description:
        'Refuse to run (and `parigot validate` fails) unless `token`, `user`/`password` or `creds` is set: for a deployment whose NATS account must not be anonymous.',
      type: 'boolean',
      default: false,
    },
    capture_payloads: {
      description:
        "Whether this host's guest workers capture each call's request and response (at most 4 KiB of each, the newest 4096 calls) for an attached Studio that asks (docs/cluster.md). `false`: nothing is captured, at no cost, and the host answers such requests that capture is off; for a deployment whose payloads may hold secrets. Also applies to a Studio running this file in one process.",
      type: 'boolean',
      default: true,
    },
    tls: {
      description:
        'TLS options passed to the NATS client; a `tls://` URL or any of these keys turns TLS on.',
      type: 'object',
      additionalProperties: false,
      properties: {
        ca_file: path(
          'PEM file of the certificate authorities the server certificate is checked against; relative to this file.',
          'tls/ca.pem',
        ),
        cert_file: path(
          "PEM file of this host's client certificate (with `key_file`); relative to this file.",
          'tls/client.pem',
        ),
        key_file: path(
          "PEM file of the client certificate's private key (with `cert_file`); relative to this file.",
          'tls/client-key.pem',
        ),
        handshake_first: {
          description:
            'Start with the TLS handshake instead of the NATS INFO exchange (the server must be configured with `handshake_first`).',
          type: 'boolean',
          default: false,
        },
      },
    },
  },
}
