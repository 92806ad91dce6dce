export { ALL_ID_KINDS, ID_KINDS, isIdKind, kindByShortName, kindInfo } from './kinds'
export type { IdKind, IdKindInfo } from './kinds'
export {
  HIGH_DATA_MASK,
  U64_MAX,
  emptyId,
  equals,
  fromRaw,
  fromRawChecked,
  isEmpty,
  isId,
  isZero,
  letterByteOf,
  newId,
  toRaw,
  zeroId,
} from './id'
export type { AnyId, Id, IdRaw, IdRawLike, IdResult } from './id'
export { formatId, idKey, parseAnyId, parseId, referenceString, shortString } from './format'
export * from './typed'
export { IdMap } from './id-map'
