// The pricer: prices one line of a basket by asking the store for the item's unit price, so its
// answer waits for another service's. A store error (NoSuchKey) becomes UnknownItem.

import { Handler, log, logError, Method, Service } from './gen/runtime'
import {
  ChainErr,
  LookupRequest,
  LookupResponse,
  PriceRequest,
  PriceResponse,
} from './gen/chain/v1/chain.pb'
import {
  initPricer,
  locateStore,
  PricerServer,
  StoreClient,
  StoreName,
} from './gen/chain/v1/chain.parigot'

/** Completes the pricer's future once the store has answered (handlers carry their state). */
class Priced extends Handler<LookupResponse> {
  constructor(
    private out: Method<PriceResponse>,
    private quantity: i32,
  ) {
    super()
  }

  handle(lookup: LookupResponse): void {
    const resp = new PriceResponse()
    resp.cents = lookup.unitCents * <i64>this.quantity
    this.out.completeMethod(resp, 0)
  }
}

class NotStocked extends Handler<i32> {
  constructor(
    private out: Method<PriceResponse>,
    private item: string,
  ) {
    super()
  }

  handle(err: i32): void {
    log('pricer: the store has no ' + this.item + ' (error ' + err.toString() + ')')
    this.out.completeMethod(null, err == ChainErr.NoSuchKey ? ChainErr.UnknownItem : err)
  }
}

class Pricer extends PricerServer {
  store: StoreClient | null = null

  price(req: PriceRequest): Method<PriceResponse> {
    const out = new Method<PriceResponse>()
    const lookup = new LookupRequest()
    lookup.item = req.item
    this.store!.lookup(lookup)
      .onSuccess(new Priced(out, req.quantity))
      .onFailure(new NotStocked(out, req.item))
    return out
  }

  // The store is running once this service is launched (it was required), so locate it here.
  ready(self: Service): bool {
    const store = locateStore(self)
    if (!store.ok) {
      logError('pricer: cannot locate the store: ' + store.err.toString())
      return false
    }
    this.store = store.value
    log('pricer: ready')
    return true
  }
}

initPricer(new Pricer(), [StoreName]).run()
