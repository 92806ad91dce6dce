// The files example: a main program that writes, reads back, inspects and deletes files under
// /parigot/app/ through the file plugin, logging each step. It exits 0 only if every step
// returned what it should, and 1 at the first step that did not.

import {
  closeFile,
  createFile,
  deleteFile,
  exitProcess,
  FileErr,
  log,
  logError,
  openFile,
  readFile,
  statFile,
  writeFile,
} from '../../../src/guest/runtime'

const NOTES = '/parigot/app/notes'
const HELLO = NOTES + '/hello.txt'
const LOG = NOTES + '/log.txt'
let step = 0

function expect(ok: bool, what: string): void {
  step++
  if (ok) {
    log('ok ' + step.toString() + ': ' + what)
    return
  }
  logError('FAILED ' + step.toString() + ': ' + what)
  exitProcess(1)
}

function text(bytes: Uint8Array): string {
  return String.UTF8.decode(bytes.buffer)
}

function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s))
}

// Write a file in one call, then read it back.
const created = createFile(HELLO, 'hello, file')
expect(created.ok, 'create ' + HELLO + ' (err ' + created.err.toString() + ')')
const closeErr = closeFile(created.value)
expect(closeErr == 0, 'close it (err ' + closeErr.toString() + ')')
const opened = openFile(HELLO)
expect(opened.ok, 'open it for reading')
const first = readFile(opened.value, 100)
expect(first.ok && text(first.value) == 'hello, file', 'read back "' + text(first.value) + '"')
expect(readFile(opened.value, 100).err == FileErr.EOFError, 'a second read is at end of file')
expect(closeFile(opened.value) == 0, 'close it again')

// Write a file in pieces; it only appears complete at close.
const logFile = createFile(LOG)
expect(logFile.ok, 'create ' + LOG)
expect(writeFile(logFile.value, utf8('first line\n')).value == 11, 'write 11 bytes')
expect(writeFile(logFile.value, utf8('second line\n')).value == 12, 'write 12 more')
expect(closeFile(logFile.value) == 0, 'close the log')

// Inspect: the folder and both files.
const folder = statFile(NOTES)
expect(folder.ok && folder.value.isDir, NOTES + ' is a directory')
const logInfo = statFile(LOG)
expect(logInfo.ok && !logInfo.value.isDir && logInfo.value.size == 23, 'the log has 23 bytes')
expect(statFile(HELLO).value.size == 11, 'hello.txt has 11 bytes')

// Paths outside /parigot/app/ are refused.
expect(createFile('/parigot/app/../escape.txt').err == FileErr.InvalidPathError, '.. is refused')

// Delete both; they are gone.
expect(deleteFile(HELLO) == 0 && deleteFile(LOG) == 0, 'delete both files')
expect(statFile(HELLO).err == FileErr.NotExistError, 'hello.txt no longer exists')
log('files example: all ' + step.toString() + ' steps passed')
exitProcess(0)
