// The store: unit prices of a few items. An item it does not stock fails with NoSuchKey.

import { failed, log, Method, resolved, Service } from './gen/runtime'
import { ChainErr, LookupRequest, LookupResponse } from './gen/chain/v1/chain.pb'
import { initStore, StoreServer } from './gen/chain/v1/chain.parigot'

class Store extends StoreServer {
  lookup(req: LookupRequest): Method<LookupResponse> {
    let cents: i64 = 0
    if (req.item == 'apple') cents = 40
    else if (req.item == 'pear') cents = 55
    else if (req.item == 'fig') cents = 120
    else return failed<LookupResponse>(ChainErr.NoSuchKey)
    const resp = new LookupResponse()
    resp.unitCents = cents
    return resolved(resp)
  }

  ready(_self: Service): bool {
    log('store: open')
    return true
  }
}

initStore(new Store()).run()
