// The invoke form's engine side without a deployment: the field description the renderer builds
// its form from, and where fromJson's refusal is located, for a request type with every kind of
// field (scalars, enum, nested and recursive messages, repeated, map, oneof, a well-known type).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DescMessage, JsonValue } from '@bufbuild/protobuf'
import { fromJson, toJson } from '@bufbuild/protobuf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  emptyMessage,
  formFromJson,
  messageJson,
} from '../../src/renderer/src/panels/services/invoke/form-value'
import { buildDescriptorSet } from '../../src/codegen/generate'
import { describeFields, locateJsonError, MAX_FIELD_DEPTH } from '../../src/main/bridge/invoke'
import { registryOf } from '../../src/main/runner/descriptor-sets'

const PROTO = `syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
enum Size { SIZE_UNSPECIFIED = 0; SMALL = 1; LARGE = 2; }
message Item { string name = 1; int32 count = 2; Size size = 3; }
message Tree { string label = 1; repeated Tree children = 2; }
message OrderRequest {
  string customer = 1;
  int64 total_cents = 2;
  bool gift = 3;
  repeated Item items = 4;
  map<string, int32> notes = 5;
  map<string, Item> by_code = 6;
  oneof pay { string card = 7; string voucher = 8; }
  Tree tree = 9;
  google.protobuf.Timestamp at = 10;
  repeated double weights = 11;
}
`

let dir = ''
let request: DescMessage

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parigot-invoke-fields-'))
  await writeFile(join(dir, 'shop.proto'), PROTO)
  const registry = registryOf(buildDescriptorSet(dir))
  const found = registry.getMessage('shop.v1.OrderRequest')
  if (found === undefined) throw new Error('OrderRequest not in the descriptor set')
  request = found
}, 60_000)
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('describeFields', () => {
  it('describes every kind of field with JSON names, enum values and nested fields', () => {
    const fields = describeFields(request)
    const by = new Map(fields.map((f) => [f.jsonName, f]))
    expect([...by.keys()]).toEqual([
      'customer',
      'totalCents',
      'gift',
      'items',
      'notes',
      'byCode',
      'card',
      'voucher',
      'tree',
      'at',
      'weights',
    ])
    expect(by.get('totalCents')).toMatchObject({
      name: 'total_cents',
      kind: 'scalar',
      scalar: 'int64',
    })
    expect(by.get('gift')).toMatchObject({ kind: 'scalar', scalar: 'bool', repeated: false })
    const items = by.get('items')
    expect(items).toMatchObject({ kind: 'message', repeated: true, messageName: 'shop.v1.Item' })
    expect(items?.fields?.find((f) => f.jsonName === 'size')).toMatchObject({
      kind: 'enum',
      enumName: 'shop.v1.Size',
      enumValues: [
        { name: 'SIZE_UNSPECIFIED', number: 0 },
        { name: 'SMALL', number: 1 },
        { name: 'LARGE', number: 2 },
      ],
    })
    expect(by.get('notes')).toMatchObject({
      kind: 'map',
      mapKey: 'string',
      mapValue: { kind: 'scalar', scalar: 'int32' },
    })
    expect(by.get('byCode')?.mapValue?.fields?.map((f) => f.jsonName)).toEqual([
      'name',
      'count',
      'size',
    ])
    expect(by.get('card')?.oneof).toBe('pay')
    expect(by.get('at')?.opaque).toMatch(/Timestamp is entered as JSON/)
    expect(by.get('weights')).toMatchObject({ kind: 'scalar', scalar: 'double', repeated: true })
  })

  it('stops a recursive message at the depth bound', () => {
    let tree = describeFields(request).find((f) => f.jsonName === 'tree')
    let depth = 0
    while (tree?.fields !== undefined) {
      tree = tree.fields.find((f) => f.jsonName === 'children')
      depth++
    }
    expect(depth).toBe(MAX_FIELD_DEPTH)
    expect(tree?.opaque).toMatch(/too deep/)
  })
})

describe('locateJsonError', () => {
  const at = (json: unknown): string | undefined => locateJsonError(request, json as never, {})

  it('names the field fromJson refuses, down through lists, maps and nested messages', () => {
    expect(at({ customer: 'a', totalCents: 'lots' })).toBe('totalCents')
    expect(at({ gift: 'yes' })).toBe('gift')
    expect(at({ custommer: 'a' })).toBe('custommer')
    expect(at({ items: [{ name: 'x' }, { name: 'y', size: 'HUGE' }] })).toBe('items.1.size')
    expect(at({ notes: { ok: 1, bad: 'x' } })).toBe('notes.bad')
    expect(at({ byCode: { a: { count: 'many' } } })).toBe('byCode.a.count')
    expect(at({ tree: { children: [{ children: [{ label: 5 }] }] } })).toBe(
      'tree.children.0.children.0.label',
    )
    expect(at({ weights: [1, 'heavy'] })).toBe('weights.1')
    expect(at({ at: 'yesterday' })).toBe('at')
    // proto names are accepted as keys; the path uses the JSON name.
    expect(at({ total_cents: 'lots' })).toBe('totalCents')
  })

  it('finds nothing to blame in a request that fits', () => {
    expect(
      at({
        customer: 'a',
        totalCents: '12',
        items: [{ name: 'x', size: 'SMALL' }],
        notes: { a: 1 },
        card: 'c',
        at: '2026-01-01T00:00:00Z',
      }),
    ).toBeUndefined()
  })
})

describe('the form and its JSON', () => {
  it('leaves out what is empty, and a filled form is JSON that fromJson takes', () => {
    const fields = describeFields(request)
    expect(messageJson(fields, emptyMessage(fields))).toEqual({})
    const sent: JsonValue = {
      customer: 'ada',
      totalCents: '1250',
      gift: true,
      items: [{ name: 'pen', count: 3, size: 'LARGE' }, { name: 'ink' }],
      notes: { wrap: 2 },
      byCode: { p1: { name: 'pad' } },
      voucher: 'V1',
      tree: { label: 'root', children: [{ label: 'leaf' }] },
      at: '2026-01-01T00:00:00Z',
      weights: [0.5, 2],
    }
    const form = formFromJson(fields, sent)
    const json = messageJson(fields, form)
    expect(json).toEqual(sent)
    // What the form sends is what the engine reads back unchanged.
    expect(toJson(request, fromJson(request, json))).toEqual(sent)
  })

  it('keeps text that is not a number as written, for the engine to refuse at the field', () => {
    const fields = describeFields(request)
    const form = formFromJson(fields, { items: [{ count: 'many' }] })
    const json = messageJson(fields, form)
    expect(json).toEqual({ items: [{ count: 'many' }] })
    expect(locateJsonError(request, json, {})).toBe('items.0.count')
  })
})
