// The chain program: asks checkout for the total of a basket (checkout -> pricer -> store), then
// for a basket with an item the store does not stock, which must fail with UnknownItem.
// Exit code: 0 when both went as expected, 1 if the total is wrong or failed, 2 if the bad
// basket did not fail with UnknownItem.

import { Launched, log, logError, Service } from './gen/runtime'
import { ChainErr, PriceRequest, TotalRequest, TotalResponse } from './gen/chain/v1/chain.pb'
import { CheckoutClient, locateCheckout, requireCheckout } from './gen/chain/v1/chain.parigot'

// 3 apples at 40 + 2 pears at 55 + 1 fig at 120
const EXPECTED_CENTS: i64 = 350

let checkout: CheckoutClient | null = null

const self = Service.register('chain.v1', 'shopper')
requireCheckout(self)
self.launch().success(afterLaunch)
self.run()

function line(item: string, quantity: i32): PriceRequest {
  const l = new PriceRequest()
  l.item = item
  l.quantity = quantity
  return l
}

function afterLaunch(_launched: Launched): void {
  const located = locateCheckout(self)
  if (!located.ok) {
    logError('shopper: cannot locate checkout: ' + located.err.toString())
    self.exit(1)
  }
  checkout = located.value
  const basket = new TotalRequest()
  basket.lines = [line('apple', 3), line('pear', 2), line('fig', 1)]
  checkout!.total(basket).success(totalled).failure(totalFailed)
}

function totalled(resp: TotalResponse): void {
  log('shopper: ' + resp.lines.toString() + ' lines cost ' + resp.cents.toString() + ' cents')
  if (resp.cents != EXPECTED_CENTS) {
    logError('shopper: expected ' + EXPECTED_CENTS.toString() + ' cents')
    self.exit(1)
  }
  const bad = new TotalRequest()
  bad.lines = [line('apple', 1), line('durian', 1)]
  checkout!.total(bad).success(badTotalled).failure(badRefused)
}

function totalFailed(err: i32): void {
  logError('shopper: the basket could not be totalled: error ' + err.toString())
  self.exit(1)
}

function badTotalled(resp: TotalResponse): void {
  logError('shopper: a basket with durian cost ' + resp.cents.toString() + ' cents?')
  self.exit(2)
}

function badRefused(err: i32): void {
  if (err != ChainErr.UnknownItem) {
    logError('shopper: durian failed with error ' + err.toString() + ', not UnknownItem')
    self.exit(2)
  }
  log('shopper: durian refused with UnknownItem, as expected')
  self.exit(0)
}
