// Checkout: totals a basket by asking the pricer for every line at once; the total is answered
// when the last line's price arrives, or fails with the first line's error.

import { Handler, log, logError, Method, Service } from './gen/runtime'
import { PriceResponse, TotalRequest, TotalResponse } from './gen/chain/v1/chain.pb'
import {
  CheckoutServer,
  initCheckout,
  locatePricer,
  PricerClient,
  PricerName,
} from './gen/chain/v1/chain.parigot'

/** The running sum of one basket, shared by the handlers of its lines. */
class Basket {
  remaining: i32
  cents: i64 = 0

  constructor(
    public out: Method<TotalResponse>,
    public lines: i32,
  ) {
    this.remaining = lines
  }
}

class LinePriced extends Handler<PriceResponse> {
  constructor(private basket: Basket) {
    super()
  }

  handle(price: PriceResponse): void {
    const b = this.basket
    b.cents += price.cents
    b.remaining--
    if (b.remaining > 0) return
    const resp = new TotalResponse()
    resp.cents = b.cents
    resp.lines = b.lines
    b.out.completeMethod(resp, 0)
  }
}

class LineFailed extends Handler<i32> {
  constructor(private basket: Basket) {
    super()
  }

  handle(err: i32): void {
    // The first failure decides; completeMethod ignores the later ones.
    this.basket.out.completeMethod(null, err)
  }
}

class Checkout extends CheckoutServer {
  pricer: PricerClient | null = null

  total(req: TotalRequest): Method<TotalResponse> {
    const out = new Method<TotalResponse>()
    const basket = new Basket(out, req.lines.length)
    if (req.lines.length == 0) {
      out.completeMethod(new TotalResponse(), 0)
      return out
    }
    for (let i = 0; i < req.lines.length; i++) {
      this.pricer!.price(req.lines[i])
        .onSuccess(new LinePriced(basket))
        .onFailure(new LineFailed(basket))
    }
    return out
  }

  ready(self: Service): bool {
    const pricer = locatePricer(self)
    if (!pricer.ok) {
      logError('checkout: cannot locate the pricer: ' + pricer.err.toString())
      return false
    }
    this.pricer = pricer.value
    log('checkout: ready')
    return true
  }
}

initCheckout(new Checkout(), [PricerName]).run()
