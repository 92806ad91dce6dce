/**
 * CamelCase → snake_case as the reference does: a lower→Upper transition inserts `_`, runs of
 * capitals are just lowercased (`NutsDB` → `nuts_db`, `HttpConnector` → `http_connector`).
 * Generated guests register proto service `pkg.Greeting` with the kernel as `pkg.greeting`.
 */
export function snake(name: string): string {
  let out = ''
  for (let i = 0; i < name.length; i++) {
    const c = name.charAt(i)
    const prev = i > 0 ? name.charAt(i - 1) : ''
    const isUpper = c !== c.toLowerCase()
    const prevLower = prev !== '' && prev === prev.toLowerCase() && prev !== prev.toUpperCase()
    if (isUpper && prevLower) out += '_'
    out += c.toLowerCase()
  }
  return out
}

/** The name the kernel knows a proto service by: `greeting.v1.Greeting` → `greeting.v1.greeting`. */
export function kernelServiceName(protoFullName: string): string {
  const dot = protoFullName.lastIndexOf('.')
  return `${protoFullName.slice(0, dot + 1)}${snake(protoFullName.slice(dot + 1))}`
}
