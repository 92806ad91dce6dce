// Queue payloads decoded through the deployment's descriptor sets: a real FileDescriptorSet built
// by buf from examples/queue/proto in this run, messages in a real SQLite queue database, and
// files that are not descriptor sets reported by name with the payloads falling back to hex.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { create, createFileRegistry, toBinary } from '@bufbuild/protobuf'
import type { DescMessage } from '@bufbuild/protobuf'
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDescriptorSet } from '../../src/codegen/generate'
import { loadDescriptorSets } from '../../src/main/runner/descriptor-sets'
import { QueueAccess } from '../../src/main/bridge/queues'
import { StudioSession } from '../../src/main/bridge/session'
import { WorkspaceRoots } from '../../src/main/bridge/workspace-roots'
import { openQueueDatabase } from '../../src/main/plugins/queue/schema'
import { QueueStore } from '../../src/main/plugins/queue/store'
import type { QueueMessageView } from '../../src/shared/bridge/contract'
import { REPO_ROOT } from '../helpers/asc'

const ORDER_URL = 'type.googleapis.com/orders.v1.Order'
const OTHER_URL = 'type.googleapis.com/billing.v1.Invoice'

let dir: string
/** The queue example's descriptor set, as `npm run build:examples` writes it. */
let goodSet: string
let order: DescMessage

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'studio-descriptors-'))
  goodSet = join(dir, 'descriptors.binpb')
  writeFileSync(goodSet, buildDescriptorSet(join(REPO_ROOT, 'examples', 'queue', 'proto')))
  const desc = loadDescriptorSets([goodSet]).registry?.getMessage('orders.v1.Order')
  if (desc === undefined) throw new Error('orders.v1.Order is not in the built set')
  order = desc
}, 60_000)

function encodeOrder(id: string, item: string, quantity: number): Uint8Array {
  return toBinary(order, create(order, { id, item, quantity }))
}

/** A queue database holding: two orders, one unregistered type, one order with broken bytes. */
function seedQueue(file: string): void {
  const db = openQueueDatabase(file, { synchronous: 'NORMAL', busyTimeoutMs: 5000 })
  try {
    const store = new QueueStore(db)
    const queue = store.createQueue('orders')
    if (!queue.ok) throw new Error(queue.error)
    const sent = store.send(queue.value.id, [
      { payload: { typeUrl: ORDER_URL, value: encodeOrder('order-41', 'pear', 2) } },
      { payload: { typeUrl: ORDER_URL, value: encodeOrder('order-42', 'apple', 3) } },
      { payload: { typeUrl: OTHER_URL, value: Buffer.from('invoice-7') } },
      // Field 1 (id) as a string whose length runs past the end.
      { payload: { typeUrl: ORDER_URL, value: new Uint8Array([0x0a, 0x20, 0x61]) } },
    ])
    if (!sent.ok) throw new Error(sent.error)
  } finally {
    db.close()
  }
}

function write(name: string, bytes: Uint8Array | string): string {
  const file = join(dir, name)
  writeFileSync(file, bytes)
  return file
}

describe('loadDescriptorSets', () => {
  it('reads a set built by buf into a registry with its message types', () => {
    const loaded = loadDescriptorSets([goodSet])
    expect(loaded.problems).toEqual([])
    const desc = loaded.registry?.getMessage('orders.v1.Order')
    expect(desc?.fields.map((f) => f.name)).toEqual(['id', 'item', 'quantity'])
  })

  it('names each file that cannot be used and why, and keeps the good ones', () => {
    const bytes = readFileSync(goodSet)
    const text = write('notes.binpb', 'hello, this is not protobuf\n')
    const empty = write('empty.binpb', new Uint8Array(0))
    const truncated = write('truncated.binpb', bytes.subarray(0, bytes.length - 3))
    // Valid protobuf, but of another message: field 2 is not part of a FileDescriptorSet.
    const other = write('other.binpb', new Uint8Array([0x12, 0x01, 0x41]))
    const missing = join(dir, 'absent.binpb')
    const folder = join(dir, 'folder.binpb')
    mkdirSync(folder, { recursive: true })
    // Written without its imports (protoc without --include_imports).
    const noImports = write(
      'no-imports.binpb',
      toBinary(
        FileDescriptorSetSchema,
        create(FileDescriptorSetSchema, {
          file: [
            create(FileDescriptorProtoSchema, {
              name: 'a/v1/a.proto',
              package: 'a.v1',
              syntax: 'proto3',
              dependency: ['google/protobuf/timestamp.proto'],
            }),
          ],
        }),
      ),
    )
    const files = [text, empty, goodSet, truncated, other, missing, folder, noImports]
    const loaded = loadDescriptorSets(files)
    expect(loaded.registry?.getMessage('orders.v1.Order')).toBeDefined()
    const problems = Object.fromEntries(loaded.problems.map((p) => [p.file, p.problem]))
    expect(Object.keys(problems)).toEqual(files.filter((f) => f !== goodSet))
    expect(problems[text]).toMatch(/^not a binary FileDescriptorSet \(.+\)$/)
    expect(problems[empty]).toBe(
      'holds no .proto file: not a binary FileDescriptorSet, or an empty one',
    )
    expect(problems[truncated]).toMatch(/^not a binary FileDescriptorSet \(.+\)$/)
    expect(problems[other]).toBe('not a binary FileDescriptorSet (unexpected field 2)')
    expect(problems[missing]).toBe('does not exist')
    expect(problems[folder]).toBe('is not a file')
    expect(problems[noImports]).toBe(
      'cannot be used: Cannot find google/protobuf/timestamp.proto, imported by a/v1/a.proto',
    )
  })

  it('refuses a file over the size limit before reading it', () => {
    const size = readFileSync(goodSet).length
    const loaded = loadDescriptorSets([goodSet], size - 1)
    expect(loaded.registry).toBeUndefined()
    expect(loaded.problems).toEqual([
      {
        file: goodSet,
        problem: `is ${size} bytes, more than the ${size - 1} a descriptor set may have`,
      },
    ])
  })

  it('merges several sets', () => {
    const other = join(dir, 'other-set.binpb')
    const set = create(FileDescriptorSetSchema, {
      file: [
        create(FileDescriptorProtoSchema, {
          name: 'billing/v1/invoice.proto',
          package: 'billing.v1',
          syntax: 'proto3',
          messageType: [{ name: 'Invoice' }],
        }),
      ],
    })
    writeFileSync(other, toBinary(FileDescriptorSetSchema, set))
    expect(createFileRegistry(set).getMessage('billing.v1.Invoice')).toBeDefined()
    const loaded = loadDescriptorSets([goodSet, other])
    expect(loaded.problems).toEqual([])
    expect(loaded.registry?.getMessage('orders.v1.Order')).toBeDefined()
    expect(loaded.registry?.getMessage('billing.v1.Invoice')).toBeDefined()
  })
})

describe('QueueAccess with descriptor sets (real SQLite)', () => {
  let db: string
  beforeAll(() => {
    db = join(dir, 'access', 'queues.sqlite')
    mkdirSync(join(dir, 'access'), { recursive: true })
    seedQueue(db)
  })

  const peek = (access: QueueAccess): QueueMessageView[] => access.peek('orders', {})

  it('decodes registered payloads to JSON and shows the rest in hex with the reason', () => {
    const access = new QueueAccess(db, () => undefined)
    try {
      expect(access.useDescriptors([goodSet])).toEqual([])
      const [first, second, other, broken] = peek(access).map((m) => m.payload)
      expect(first).toEqual({
        typeUrl: ORDER_URL,
        typeName: 'orders.v1.Order',
        json: { id: 'order-41', item: 'pear', quantity: 2 },
      })
      expect(second?.json).toEqual({ id: 'order-42', item: 'apple', quantity: 3 })
      expect(other).toEqual({
        typeUrl: OTHER_URL,
        typeName: 'billing.v1.Invoice',
        hex: Buffer.from('invoice-7').toString('hex'),
        problem: 'type billing.v1.Invoice not registered',
      })
      expect(broken?.hex).toBe('0a2061')
      expect(broken?.problem).toMatch(/^not a valid orders\.v1\.Order: /)
      // Search reads the decoded JSON.
      expect(access.search('orders', '"apple"').map((m) => m.payload.json)).toEqual([
        { id: 'order-42', item: 'apple', quantity: 3 },
      ])
    } finally {
      access.close()
    }
  })

  it('without descriptor sets: every payload in hex, saying none are configured', () => {
    const access = new QueueAccess(db, () => undefined)
    try {
      expect(access.useDescriptors([])).toEqual([])
      const first = peek(access)[0]?.payload
      expect(first?.hex).toBe(Buffer.from(encodeOrder('order-41', 'pear', 2)).toString('hex'))
      expect(first?.problem).toBe(
        'type orders.v1.Order not registered (no `descriptors` in the deploy config)',
      )
    } finally {
      access.close()
    }
  })

  it('a corrupt set: hex with that problem; re-read once the file is rebuilt', () => {
    const set = write('rebuilt.binpb', 'garbage, not a descriptor set')
    const access = new QueueAccess(db, () => undefined)
    try {
      const problems = access.useDescriptors([set])
      expect(problems).toHaveLength(1)
      expect(problems[0]?.file).toBe(set)
      expect(problems[0]?.problem).toMatch(/^not a binary FileDescriptorSet/)
      const first = peek(access)[0]?.payload
      expect(first?.json).toBeUndefined()
      expect(first?.hex).toBe(Buffer.from(encodeOrder('order-41', 'pear', 2)).toString('hex'))
      expect(first?.problem).toBe(
        `type orders.v1.Order not registered (descriptor set ${set}: ${problems[0]?.problem})`,
      )
      // Unchanged: the same problems, not read again. Rebuilt: read again, and decoded.
      expect(access.useDescriptors([set])).toBe(problems)
      writeFileSync(set, readFileSync(goodSet))
      expect(access.useDescriptors([set])).toEqual([])
      expect(peek(access)[0]?.payload.json).toEqual({ id: 'order-41', item: 'pear', quantity: 2 })
    } finally {
      access.close()
    }
  })
})

describe('the Studio session and a corrupt descriptor set', () => {
  let session: StudioSession
  afterAll(async () => {
    await session?.close()
  })

  it('logs an error naming the file and the problem, and the inspector falls back to hex', async () => {
    const app = join(dir, 'app')
    mkdirSync(join(app, 'data'), { recursive: true })
    writeFileSync(join(app, 'producer.wasm'), '\0asm') // passes the config check; never run
    const bad = join(app, 'bad.binpb')
    writeFileSync(bad, 'not a descriptor set')
    seedQueue(join(app, 'data', 'queues.sqlite'))
    const file = join(app, 'deploy.toml')
    writeFileSync(
      file,
      [
        '[deployment]',
        'data_dir = "data"',
        'descriptors = ["bad.binpb"]',
        '[services.producer]',
        'wasm = "producer.wasm"',
        'plugins = ["queue"]',
        '',
      ].join('\n'),
    )
    session = new StudioSession({
      version: 'test',
      roots: await WorkspaceRoots.create([dir]),
      dataDir: join(dir, 'studio-data'),
    })
    const opened = await session.open(file)
    expect(opened.diagnostics).toEqual([])
    expect(session.status().state).toBe('ready')
    const errors = session.logs.tail(100, (l) => l.level === 'error').lines
    expect(errors).toHaveLength(1)
    expect(errors[0]?.source).toBe('studio')
    expect(errors[0]?.message).toMatch(
      new RegExp(
        `^descriptor set ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not a binary FileDescriptorSet \\(.+\\); queue payloads of its types are shown in hex$`,
      ),
    )
    const payload = (await session.queuePeek('orders', {}))[0]?.payload
    expect(payload?.json).toBeUndefined()
    expect(payload?.problem).toContain(`descriptor set ${bad}: not a binary FileDescriptorSet`)
  })
})
