// The project has no @types/better-sqlite3 (package.json is frozen), so this declares the
// subset of the better-sqlite3 12 API the queue plugin uses. Remove it if the types are added.
declare module 'better-sqlite3' {
  export interface RunResult {
    changes: number
    lastInsertRowid: number | bigint
  }

  export interface Statement<Params extends unknown[] = unknown[]> {
    run(...params: Params): RunResult
    get(...params: Params): unknown
    all(...params: Params): unknown[]
    pluck(toggle?: boolean): this
    raw(toggle?: boolean): this
    safeIntegers(toggle?: boolean): this
  }

  export interface Transaction<F extends (...args: never[]) => unknown> {
    (...args: Parameters<F>): ReturnType<F>
    deferred(...args: Parameters<F>): ReturnType<F>
    immediate(...args: Parameters<F>): ReturnType<F>
    exclusive(...args: Parameters<F>): ReturnType<F>
  }

  export interface Options {
    readonly?: boolean
    fileMustExist?: boolean
    /** Busy timeout in ms (better-sqlite3's default is 5000). */
    timeout?: number
  }

  export interface Database {
    readonly name: string
    readonly open: boolean
    readonly inTransaction: boolean
    prepare<Params extends unknown[] = unknown[]>(source: string): Statement<Params>
    exec(source: string): this
    pragma(source: string, options?: { simple?: boolean }): unknown
    transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F>
    close(): this
  }

  const DatabaseConstructor: new (filename: string, options?: Options) => Database
  export default DatabaseConstructor
}
