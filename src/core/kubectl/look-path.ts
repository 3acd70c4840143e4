// Go's exec.LookPath as kubectl meets it: a name with a slash is taken as it is, any other is
// looked for in PATH's folders (an empty one is the working folder); the answer is an executable
// regular file, or null.
import {accessSync, constants, statSync} from 'node:fs'
import {delimiter, join} from 'node:path'

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export function lookPath(name: string, searchPath: string): string | null {
  if (name === '') return null
  if (name.includes('/')) return isExecutableFile(name) ? name : null
  for (const folder of searchPath.split(delimiter)) {
    const candidate = join(folder === '' ? '.' : folder, name)
    if (isExecutableFile(candidate)) return candidate
  }
  return null
}
