import { buildExample } from '../helpers/examples'

/** Builds examples/chain's guests from source, as `npm run build:examples` does. */
export async function buildChain(): Promise<void> {
  await buildExample('chain')
}
