// The greeting service: answers FetchGreeting in English, French or German, and fails an unknown
// language with GreetErr.UnknownLang. The service layer (register, export, bind, launch, the
// event loop) is generated from proto/greeting/v1/greeting.proto into gen/.

import { failed, log, Method, resolved, Service } from './gen/runtime'
import {
  FetchGreetingRequest,
  FetchGreetingResponse,
  GreetErr,
  Tongue,
} from './gen/greeting/v1/greeting.pb'
import { GreetingServer, initGreeting } from './gen/greeting/v1/greeting.parigot'

class Greeter extends GreetingServer {
  fetchGreeting(req: FetchGreetingRequest): Method<FetchGreetingResponse> {
    const resp = new FetchGreetingResponse()
    switch (req.tongue) {
      case Tongue.English:
        resp.greeting = 'hello'
        break
      case Tongue.French:
        resp.greeting = 'bonjour'
        break
      case Tongue.German:
        resp.greeting = 'guten tag'
        break
      default:
        return failed<FetchGreetingResponse>(GreetErr.UnknownLang)
    }
    return resolved(resp)
  }

  ready(_self: Service): bool {
    log('greeting service launched successfully')
    return true
  }
}

initGreeting(new Greeter()).run()
