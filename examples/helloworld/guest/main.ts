// The helloworld program: requires the greeting service, and once launched asks it for the
// greeting in the language of argv[1] (english, french or german; default french), logs
// `bonjour, world` and exits 0. A failed call (any other language: GreetErr.UnknownLang) is
// logged and exits 1.

import { args, Launched, log, logError, Service } from './gen/runtime'
import {
  FetchGreetingRequest,
  FetchGreetingResponse,
  GreetErr,
  Tongue,
} from './gen/greeting/v1/greeting.pb'
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
  req.tongue = tongue()
  located.value!.fetchGreeting(req).success(greeted).failure(notGreeted)
}

function tongue(): Tongue {
  const argv = args()
  const name = argv.length > 1 ? argv[1] : 'french'
  if (name == 'english') return Tongue.English
  if (name == 'french') return Tongue.French
  if (name == 'german') return Tongue.German
  return Tongue.Unspecified
}

function greeted(resp: FetchGreetingResponse): void {
  log(resp.greeting + ', world')
  self.exit(0)
}

function notGreeted(err: i32): void {
  const name = err == GreetErr.UnknownLang ? ' (UnknownLang)' : ''
  logError('failed to fetch greeting: error ' + err.toString() + name)
  self.exit(1)
}
