// The echo server of the co-located call bench, on the SDK's service layer (so its event loop is
// the SDK's runLoop, which a shared worker drives through `pump`): test.v1.echo, method Echo,
// answers each call with its own param. No generated code: one hand-written invoker.

import { InboundCall, Invoker, resolved, Service } from '../../src/guest/runtime'

/** The param's bytes, sent back as they came. */
class Echoed {
  constructor(public bytes: Uint8Array) {}

  toBytes(): Uint8Array {
    return this.bytes
  }
}

class Echo extends Invoker {
  invoke(call: InboundCall): void {
    call.reply<Echoed>(
      resolved<Echoed>(new Echoed(call.param.value)),
      'google.protobuf.StringValue',
    )
  }
}

const echo = Service.register('test.v1', 'echo').export().bind('Echo', new Echo())
echo.launch()
echo.run()
