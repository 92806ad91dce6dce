import { lstatSync, realpathSync } from 'node:fs'
import { dirname, join, sep } from 'node:path'

/** Every guest path starts with this (the reference's FileServicePathPrefix). */
export const GUEST_PREFIX = '/parigot/app/'
/** The cleaned form of `/parigot/app/`: the app directory itself. */
export const GUEST_ROOT = '/parigot/app'
/** Longest raw guest path in UTF-8 bytes (Linux PATH_MAX is 4096; the root needs room too). */
export const MAX_PATH_BYTES = 1024
/** Longest single name in UTF-8 bytes (Linux NAME_MAX). */
export const MAX_NAME_BYTES = 255
/** Names of the plugin's own temporary files start with this; guests may not use it. */
export const TEMP_PREFIX = '.parigot-tmp-'

/** The reference's 12 forbidden characters (shell metacharacters, quotes and the backslash). */
const FORBIDDEN = new Set(['*', '?', '>', '<', '|', '&', ';', '$', '\\', '`', '"', "'"])
const PERCENT_ENCODED = /%[0-9a-fA-F]{2}/

export type GuestPathCheck =
  | {
      readonly ok: true
      /** The cleaned guest path (`//` collapsed, trailing `/` dropped). */
      readonly clean: string
      /** The names below `/parigot/app`, in order (empty for the app directory). */
      readonly names: readonly string[]
    }
  | { readonly ok: false; readonly rule: string }

function refuse(rule: string): GuestPathCheck {
  return { ok: false, rule }
}

function describeChar(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

/**
 * The reference's isValidPath, plus the checks it lacked (control characters, encodings, length).
 * Purely lexical: whether the path stays inside the root on disk is `escapesRoot`'s job.
 */
export function checkGuestPath(raw: string, maxPathParts: number): GuestPathCheck {
  if (Buffer.byteLength(raw, 'utf8') > MAX_PATH_BYTES) {
    return refuse(`longer than ${MAX_PATH_BYTES} bytes`)
  }
  for (const ch of raw) {
    const code = ch.codePointAt(0) ?? 0
    if (code === 0) return refuse('contains NUL')
    // C0, DEL and C1 controls: they break log lines and terminals, and no real name needs them.
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      return refuse(`contains control character ${describeChar(ch)}`)
    }
    // U+FFFD is what invalid UTF-8 decodes to, so the name the guest meant is unknown.
    if (code === 0xfffd) return refuse('contains U+FFFD (invalid UTF-8)')
    if (FORBIDDEN.has(ch)) return refuse(`contains forbidden character ${JSON.stringify(ch)}`)
  }
  if (PERCENT_ENCODED.test(raw)) {
    // A later layer (a URL, a shell) might decode %2e%2e into "..", so never pass one through.
    return refuse('contains a percent-encoded byte')
  }
  if (!raw.startsWith(GUEST_PREFIX)) return refuse(`does not start with ${GUEST_PREFIX}`)

  // The reference's dot rules: no "." anywhere in directory names, no ".." in the last name,
  // and the last name is not ".". They also rule out every "." and ".." segment.
  const trimmed = raw.replace(/\/+$/, '')
  const slash = trimmed.lastIndexOf('/')
  const base = trimmed.slice(slash + 1)
  const dir = trimmed.slice(0, Math.max(slash, 0))
  if (dir.includes('.')) return refuse('a directory name contains "."')
  if (base.includes('..')) return refuse('the last name contains ".."')
  if (base === '.') return refuse('the last name is "."')

  const segments = trimmed.split('/').filter((s) => s !== '')
  const clean = '/' + segments.join('/')
  const parts = clean.split('/').length
  if (parts > maxPathParts) return refuse(`${parts} path parts, more than ${maxPathParts}`)
  const names = segments.slice(2)
  for (const name of names) {
    if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) {
      return refuse(`a name is longer than ${MAX_NAME_BYTES} bytes`)
    }
    if (name.startsWith(TEMP_PREFIX)) return refuse(`a name starts with ${TEMP_PREFIX}`)
  }
  return { ok: true, clean: clean === GUEST_ROOT ? GUEST_ROOT : clean, names }
}

/** `root` must already be a realpath. */
export function hostPathOf(root: string, names: readonly string[]): string {
  return names.length === 0 ? root : join(root, ...names)
}

function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code
}

/**
 * Why `hostPath` would reach outside `root` on disk (undefined if it does not): the realpath of
 * its deepest existing ancestor, symlinks followed, must be inside the realpath of the root.
 * Names below that ancestor do not exist yet, so creating them makes real directories there.
 */
export function escapesRoot(root: string, hostPath: string): string | undefined {
  if (!isInside(root, hostPath)) return 'lexically outside the root'
  let probe = hostPath
  for (;;) {
    try {
      lstatSync(probe)
      break
    } catch (err) {
      const code = errCode(err)
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `cannot inspect ${probe}: ${code}`
      const parent = dirname(probe)
      if (parent === probe || !isInside(root, parent)) return 'the root itself is missing'
      probe = parent
    }
  }
  let real: string
  try {
    real = realpathSync.native(probe)
  } catch (err) {
    return `a symlink on the way does not resolve (${errCode(err) ?? 'error'})`
  }
  if (!isInside(root, real)) return 'resolves outside the root through a symlink'
  return undefined
}
