import { fromRaw, newId } from './id'
import type { Id } from './id'

export type ServiceId = Id<'service'>
export type MethodId = Id<'method'>
export type CallId = Id<'call'>
export type HostId = Id<'host'>
export type FileId = Id<'file'>
export type QueueId = Id<'queue'>
export type RowId = Id<'row'>
export type QueueMsgId = Id<'queueMsg'>
export type TestId = Id<'test'>
export type MethodCallId = Id<'methodCall'>

export const newServiceId = (): ServiceId => newId('service')
export const newMethodId = (): MethodId => newId('method')
export const newCallId = (): CallId => newId('call')
export const newHostId = (): HostId => newId('host')
export const newFileId = (): FileId => newId('file')
export const newQueueId = (): QueueId => newId('queue')
export const newRowId = (): RowId => newId('row')
export const newQueueMsgId = (): QueueMsgId => newId('queueMsg')
export const newTestId = (): TestId => newId('test')
export const newMethodCallId = (): MethodCallId => newId('methodCall')

/**
 * Reserved method ids that the kernel dispatches itself. Their high half equals the zero
 * value's, but their low half differs, so they are not zero values.
 */
export const LaunchMethod: MethodId = fromRaw('method', {
  high: 0x6dff_ffff_ffff_ffffn,
  low: 0xffff_ffff_ffff_fff0n,
})
export const ExitMethod: MethodId = fromRaw('method', {
  high: 0x6dff_ffff_ffff_ffffn,
  low: 0xffff_ffff_ffff_fff1n,
})
