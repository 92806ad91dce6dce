import { describe, expect, it } from 'vitest'
import { diagnose, parseText, SERVICE } from './helpers'

describe('[telemetry]', () => {
  it('reads the OTLP collector URL (and leaves telemetry out when absent)', () => {
    const { config } = parseText(`[telemetry]\notlp = "http://127.0.0.1:4318"\n${SERVICE}`)
    expect(config?.telemetry).toEqual({ otlp: 'http://127.0.0.1:4318' })
    expect(parseText(SERVICE).config?.telemetry).toBeUndefined()
  })

  it('refuses what is not an http(s) URL, and unknown keys, naming the key', () => {
    expect(diagnose(`[telemetry]\notlp = "ftp://collector"\n${SERVICE}`)).toEqual([
      expect.stringMatching(
        /^2:8 error \[telemetry\.otlp\] .*must be an http:\/\/ or https:\/\/ URL/,
      ),
    ])
    expect(diagnose(`[telemetry]\nzipkin = "http://x"\n${SERVICE}`)).toEqual([
      expect.stringMatching(/error \[telemetry(\.zipkin)?\] .*zipkin/),
    ])
  })
})
