// The requests a guest worker's queue backend sends to its broker thread, and the answers.
// They cross a MessagePort (structured clone: ids keep their bigint halves, payloads their bytes).
import type { MessagePort } from 'node:worker_threads'
import type { ClusterConfig } from '../../../../shared/deploy-config/types'
import type { QueueId, QueueMsgId } from '../../../../shared/id'
import type { DoneThenReceived, OutgoingMessage, QueueInfo, StoreResult } from '../backend'

export type BrokerRequest =
  | { readonly op: 'createQueue'; readonly name: string }
  | { readonly op: 'locate'; readonly name: string }
  | { readonly op: 'deleteQueue'; readonly id: QueueId }
  | { readonly op: 'length'; readonly id: QueueId }
  | { readonly op: 'send'; readonly id: QueueId; readonly messages: readonly OutgoingMessage[] }
  | {
      readonly op: 'receive'
      readonly id: QueueId
      readonly done: readonly QueueMsgId[]
      readonly limit: number
    }
  | { readonly op: 'markDone'; readonly id: QueueId; readonly msgIds: readonly QueueMsgId[] }

/** What each operation answers. */
export interface BrokerAnswers {
  createQueue: StoreResult<QueueInfo>
  locate: StoreResult<QueueInfo>
  deleteQueue: StoreResult<QueueInfo>
  length: StoreResult<number>
  send: StoreResult<QueueMsgId[]>
  receive: StoreResult<DoneThenReceived>
  markDone: StoreResult<QueueMsgId[]>
}

export interface BrokerEnvelope {
  readonly seq: number
  readonly request: BrokerRequest
}

export interface BrokerReply {
  readonly seq: number
  readonly result: StoreResult<unknown>
}

/** The queue settings the broker applies to every queue it creates or serves. */
export interface BrokerQueueSettings {
  readonly visibilityTimeoutMs: number
  readonly maxReceives: number
  readonly maxReceiveBatch: number
}

/** The broker thread's workerData: what every client of one broker shares. */
export interface BrokerWorkerData {
  readonly cluster: ClusterConfig
  readonly deployment: string
  readonly settings: BrokerQueueSettings
  /** How long one JetStream API call may take inside the broker (below the guest's bound). */
  readonly apiTimeoutMs: number
}

/** A client of a broker (one guest worker thread): its end of the port and its wake-up word. */
export interface BrokerClientLink {
  readonly port: MessagePort
  /** Int32[0] counts the replies posted to this client, so its waiting thread wakes for each. */
  readonly wake: SharedArrayBuffer
}

/** The main thread to a broker: serve one more client (`serial` counts the attaches). */
export interface BrokerAttach {
  readonly type: 'attach'
  readonly link: BrokerClientLink
  readonly serial: number
}

/** A broker to the main thread: every client attached up to `serial` has gone. */
export interface BrokerUnused {
  readonly type: 'unused'
  readonly serial: number
}

/**
 * What a guest worker's queue plugin posts to its supervisor (the worker's parent port) to be
 * joined to the process's broker for `data`; the link's port is transferred with it.
 */
export interface AttachQueueBroker {
  readonly type: 'attach-queue-broker'
  readonly data: BrokerWorkerData
  readonly link: BrokerClientLink
}
