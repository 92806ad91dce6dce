// The guest worker pool: what a pool worker inherits from the process.
import { describe, expect, it } from 'vitest'
import { guestWorkerExecArgv } from '../../src/main/runner/worker/worker-pool'

describe('the guest worker pool', () => {
  it('starts workers without the parent preloads (a TypeScript loader), keeping other options', () => {
    expect(
      guestWorkerExecArgv([
        '--import',
        'tsx',
        '--enable-source-maps',
        '--require=./x.cjs',
        '-r',
        'y',
        '--loader',
        'z.mjs',
        '--experimental-loader=w.mjs',
        '--stack-size=900',
      ]),
    ).toEqual(['--enable-source-maps', '--stack-size=900'])
  })
})
