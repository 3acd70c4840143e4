// Files and folders in the temporary folder named as Go's os.CreateTemp and os.MkdirTemp name
// kubectl's (a prefix, a random number, a suffix) and made owner-only, as they make them: what
// kubectl prints names them (edit's kept copy, diff's header lines), and they may hold Secrets.
import {randomBytes} from 'node:crypto'
import {mkdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** Names tried before giving up (Go's os.CreateTemp and os.MkdirTemp try 10,000). */
const goTemporaryAttemptsMax = 10_000

function makeTemporary(prefix: string, suffix: string, make: (path: string) => void): string | null {
  for (let attempt = 0; attempt < goTemporaryAttemptsMax; attempt++) {
    const path = join(tmpdir(), `${prefix}${randomBytes(4).readUInt32BE(0)}${suffix}`)
    try {
      make(path)
      return path
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
  return null
}

/** A new empty file PREFIX<number>SUFFIX (0600), or null when every name tried was taken. */
export function goTemporaryFile(prefix: string, suffix: string): string | null {
  return makeTemporary(prefix, suffix, (path) => writeFileSync(path, '', {flag: 'wx', mode: 0o600}))
}

/** A new folder PREFIX<number> (0700), or null when every name tried was taken. */
export function goTemporaryFolder(prefix: string): string | null {
  return makeTemporary(prefix, '', (path) => mkdirSync(path, {mode: 0o700}))
}
