// The helloworld program: requires the greeting service, and once launched asks it for the
// French greeting, logs `bonjour, world` and exits 0 (1 if the call fails).

import { Launched, log, logError, Service } from '../../../src/guest/runtime'
import { FetchGreetingRequest, FetchGreetingResponse, Tongue } from './gen/greeting/v1/greeting.pb'
import { locateGreeting, requireGreeting } from './gen/greeting/v1/greeting.parigot'

const self = Service.register('helloworld.v1', 'hello')
requireGreeting(self)
self.launch().success(afterLaunch)
self.run()

function afterLaunch(_launched: Launched): void {
  log('hello world launched successfully')
  const located = locateGreeting(self)
  if (!located.ok) {
    logError('cannot locate the greeting service: ' + located.err.toString())
    self.exit(1)
  }
  const req = new FetchGreetingRequest()
  req.tongue = Tongue.French
  located.value!.fetchGreeting(req).success(greeted).failure(notGreeted)
}

function greeted(resp: FetchGreetingResponse): void {
  log(resp.greeting + ', world')
  self.exit(0)
}

function notGreeted(err: i32): void {
  logError('failed to fetch greeting: ' + err.toString())
  self.exit(1)
}
