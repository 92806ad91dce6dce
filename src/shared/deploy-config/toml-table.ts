/** A TOML table as smol-toml parses it; a TOML date-time parses as a Date, which is no table. */
export type Table = Record<string, unknown>

export function isTable(value: unknown): value is Table {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  )
}
