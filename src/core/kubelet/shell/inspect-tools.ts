// busybox's programs that look at files over the container's simulated filesystem: stat, find and
// du, with busybox 1.36's formats, messages and exit statuses.
import {normalizePath, type FileStatus} from './filesystem.js'
import {baseName, done, entriesWalkedMax, invalidOption, optionsOf, usage} from './file-tools.js'
import {groupName, userName} from './identity.js'
import {humanSize, inodeOf, modeString} from './ls-program.js'
import type {Program, ShellProcess} from './interpreter.js'
import type {ShellRun} from './process-context.js'

/** The device number stat shows for the container's root (an overlay mount's anonymous device). */
const overlayDevice = 0x2a

/** stat's %x/%y/%z: the time in the container's zone (UTC), to the nanosecond. */
function statTime(atMilliseconds: number): string {
  const at = new Date(atMilliseconds)
  const two = (value: number) => String(value).padStart(2, '0')
  const nanoseconds = String((atMilliseconds % 1000) * 1_000_000).padStart(9, '0')
  return `${at.getUTCFullYear()}-${two(at.getUTCMonth() + 1)}-${two(at.getUTCDate())} ${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())}.${nanoseconds} +0000`
}

function fileTypeOf(status: FileStatus): string {
  if (status.kind === 'directory') return 'directory'
  if (status.kind === 'symlink') return 'symbolic link'
  return status.sizeBytes === 0 ? 'regular empty file' : 'regular file'
}

const defaultStatFormat = '  File: %N\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\nDevice: %Dh/%dd\tInode: %-10i  Links: %h\nAccess: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\nAccess: %x\nModify: %y\nChange: %z'

/** One stat format directive's value, as busybox's print_stat gives it. */
function statField(letter: string, name: string, physical: string, status: FileStatus): string | number | null {
  const seconds = Math.floor(status.modifiedAtMilliseconds / 1000)
  switch (letter) {
    case 'n': return name
    case 'N': return status.kind === 'symlink' ? `'${name}' -> '${status.target}'` : name
    case 'a': return (status.mode & 0o7777).toString(8)
    case 'A': return modeString(status)
    case 'F': return fileTypeOf(status)
    case 'h': return status.links
    case 'u': return status.uid
    case 'U': return userName(status.uid) ?? 'UNKNOWN'
    case 'g': return status.gid
    case 'G': return groupName(status.gid) ?? 'UNKNOWN'
    case 's': return status.sizeBytes
    case 'b': return status.blocks
    case 'B': return 512
    case 'o': return 4096
    case 'i': return inodeOf(physical)
    case 'd': return overlayDevice
    case 'D': return overlayDevice.toString(16)
    case 'f': return ((status.kind === 'directory' ? 0o040000 : status.kind === 'symlink' ? 0o120000 : 0o100000) | status.mode).toString(16)
    case 'x': case 'y': case 'z': return statTime(status.modifiedAtMilliseconds)
    case 'X': case 'Y': case 'Z': return seconds
    case 't': case 'T': return 0
    default: return null
  }
}

/** A stat format filled in: printf-style flags and widths before each directive (`%-10s`, `%04a`, `%10.10A`). */
function statFormatted(format: string, name: string, path: string, status: FileStatus): string {
  return format.replace(/%([-0#+ ]*)(\d*)(?:\.(\d+))?(.)/g, (whole, flags: string, width: string, precision: string | undefined, letter: string) => {
    if (letter === '%') return '%'
    const value = statField(letter, name, path, status)
    // busybox prints an unknown directive's letter.
    if (value === null) return letter
    let text = String(value)
    if (precision !== undefined && typeof value === 'string') text = text.slice(0, Number(precision))
    const size = Number(width || 0)
    if (flags.includes('-')) return text.padEnd(size)
    return text.padStart(size, flags.includes('0') && typeof value === 'number' || (flags.includes('0') && /^[0-7]+$/.test(text) && letter === 'a') ? '0' : ' ')
  })
}

function stat(process: ShellProcess, argv: readonly string[]): ShellRun {
  let format: string | null = null
  let follow = false
  const files: string[] = []
  const words = argv.slice(1)
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!
    if (word === '-c' || word === '--format') format = words[++index] ?? ''
    else if (word.startsWith('--format=')) format = word.slice('--format='.length)
    else if (word === '-L' || word === '--dereference') follow = true
    else if (/^-./.test(word)) return invalidOption(process, 'stat', word.slice(1, 2))
    else files.push(word)
  }
  if (files.length === 0) return usage(process, 'stat', '[-ltf] [-c FMT] FILE...')
  let status = 0
  for (const file of files) {
    const path = normalizePath(file, process.workingDirectory)
    const found = process.context.fs.status(path, follow)
    if (found === null || !process.context.fs.reachable(path, follow)) {
      process.error(`stat: can't stat '${file}': ${found === null ? 'No such file or directory' : 'Permission denied'}\n`)
      status = 1
      continue
    }
    process.out(`${statFormatted(format ?? defaultStatFormat, file, process.context.fs.resolve(path, follow) ?? path, found)}\n`)
  }
  return done(status)
}

/** One test of find's expression; all must hold (find's implicit -a). */
type FindTest = (name: string, path: string, status: FileStatus, depth: number) => boolean

/** fnmatch(3)'s pattern as a regular expression: `*`, `?`, `[...]` and `[!...]` classes, `\\` escapes. */
function globPattern(glob: string, caseless: boolean): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
  let body = ''
  for (let index = 0; index < glob.length; index++) {
    const character = glob[index]!
    if (character === '\\' && index + 1 < glob.length) body += escape(glob[++index]!)
    else if (character === '*') body += '.*'
    else if (character === '?') body += '.'
    else if (character === '[' && glob.indexOf(']', index + 2) > 0) {
      const end = glob.indexOf(']', index + 2)
      let members = glob.slice(index + 1, end)
      const negated = members.startsWith('!') || members.startsWith('^')
      if (negated) members = members.slice(1)
      body += `[${negated ? '^' : ''}${members.replace(/[\\\]^]/g, '\\$&')}]`
      index = end
    } else body += escape(character)
  }
  return new RegExp(`^${body}$`, caseless ? 'i' : '')
}

function find(process: ShellProcess, argv: readonly string[]): ShellRun {
  const words = argv.slice(1)
  // -L follows every link, -H those named on the command line; by default none is followed.
  let follow: 'none' | 'roots' | 'all' = 'none'
  while (words[0] === '-L' || words[0] === '-H' || words[0] === '-follow') follow = words.shift() === '-H' ? 'roots' : 'all'
  const roots: string[] = []
  while (words.length > 0 && !words[0]!.startsWith('-') && words[0] !== '!' && words[0] !== '(') roots.push(words.shift()!)
  if (roots.length === 0) roots.push('.')
  const tests: FindTest[] = []
  let maxDepth = Number.POSITIVE_INFINITY
  let minDepth = 0
  let separator = '\n'
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!
    const negate = word === '!' || word === '-not'
    const primary = negate ? words[++index] : word
    const argument = words[index + 1]
    const needsArgument = ['-name', '-iname', '-type', '-path', '-maxdepth', '-mindepth'].includes(primary ?? '')
    if (needsArgument && argument === undefined) {
      process.error(`find: ${primary} requires an argument\n`)
      return done(1)
    }
    let test: FindTest | null = null
    if (primary === '-name' || primary === '-iname') {
      const pattern = globPattern(argument!, primary === '-iname')
      test = (name) => pattern.test(name)
    } else if (primary === '-path') {
      const pattern = globPattern(argument!, false)
      test = (_name, path) => pattern.test(path)
    } else if (primary === '-type') {
      const kind = {f: 'file', d: 'directory', l: 'symlink'}[argument!]
      if (kind === undefined) {
        process.error(`find: invalid argument '${argument}' to '-type'\n`)
        return done(1)
      }
      test = (_name, _path, status) => status.kind === kind
    } else if (primary === '-maxdepth' || primary === '-mindepth') {
      if (!/^\d+$/.test(argument!)) {
        process.error(`find: invalid number '${argument}'\n`)
        return done(1)
      }
      if (primary === '-maxdepth') maxDepth = Number(argument)
      else minDepth = Number(argument)
    } else if (primary === '-print' || primary === '-print0') {
      if (primary === '-print0') separator = '\0'
      continue
    } else {
      process.error(`find: unrecognized: ${primary ?? word}\n`)
      return usage(process, 'find', '[-HL] [PATH]... [OPTIONS] [ACTIONS]')
    }
    if (needsArgument) index++
    if (test !== null) tests.push(negate ? (...args) => !test(...args) : test)
  }
  const fs = process.context.fs
  let status = 0
  let walked = 0
  const visit = (shown: string, depth: number): void => {
    if (++walked > entriesWalkedMax) return
    const path = normalizePath(shown, process.workingDirectory)
    // A link is followed under -L, a named one under -H, and one named with a trailing slash (the kernel follows it then).
    const follows = follow === 'all' || (depth === 0 && (follow === 'roots' || shown.endsWith('/')))
    const found = fs.status(path, follows)
    if (found === null || !fs.reachable(path, follows)) {
      process.error(`find: ${shown}: ${found === null ? 'No such file or directory' : 'Permission denied'}\n`)
      status = 1
      return
    }
    if (depth >= minDepth && tests.every((test) => test(baseName(shown), shown, found, depth))) process.out(`${shown}${separator}`)
    if (found.kind !== 'directory' || depth >= maxDepth) return
    if (!fs.allows(path, 0o5)) {
      process.error(`find: ${shown}: Permission denied\n`)
      status = 1
      return
    }
    for (const name of fs.list(path)) visit(`${shown === '/' ? '' : shown.replace(/\/+$/, '')}/${name}`, depth + 1)
  }
  for (const root of roots) visit(root, 0)
  return done(status)
}

function du(process: ShellProcess, argv: readonly string[]): ShellRun {
  // -d N (or -dN): the deepest level printed.
  let depthShownMax = Number.POSITIVE_INFINITY
  const words: string[] = [argv[0]!]
  for (let index = 1; index < argv.length; index++) {
    const word = argv[index]!
    const depth = /^-d(\d*)$/.exec(word)
    if (depth === null) words.push(word)
    else depthShownMax = Number(depth[1] || argv[++index] || Number.NaN)
  }
  if (Number.isNaN(depthShownMax)) return usage(process, 'du', '[-aHLdclsxhmk] [FILE]...')
  const options = optionsOf(words, 'aHLshckm')
  if ('invalid' in options) return invalidOption(process, 'du', options.invalid)
  const {flags, operands} = options
  const fs = process.context.fs
  let status = 0
  let walked = 0
  // Each directory counts once, as busybox's du remembers the directories it met (du -c d d/sub).
  const counted = new Set<string>()
  const shownSize = (blocks: number) => (flags.has('h') ? humanSize(blocks * 512) : flags.has('m') ? String(Math.ceil(blocks / 2048)) : String(Math.ceil(blocks / 2)))
  // The blocks under `shown`, printing each directory (and file with -a) on the way as busybox's du does.
  const sizeOf = (shown: string, depth: number): number => {
    if (++walked > entriesWalkedMax) return 0
    const path = normalizePath(shown, process.workingDirectory)
    const follows = flags.has('L') || (depth === 0 && (flags.has('H') || shown.endsWith('/')))
    const found = fs.status(path, follows)
    if (found === null || !fs.reachable(path, follows)) {
      process.error(`du: ${shown}: ${found === null ? 'No such file or directory' : 'Permission denied'}\n`)
      status = 1
      return 0
    }
    let blocks = found.blocks
    if (found.kind === 'directory') {
      const physical = fs.resolve(path, follows) ?? path
      if (counted.has(physical)) return 0
      counted.add(physical)
      if (!fs.allows(path, 0o5)) {
        process.error(`du: can't open '${shown}': Permission denied\n`)
        status = 1
        return blocks
      }
      for (const name of fs.list(path)) blocks += sizeOf(`${shown === '/' ? '' : shown.replace(/\/+$/, '')}/${name}`, depth + 1)
    }
    const printed = depth === 0 || (!flags.has('s') && depth <= depthShownMax && (found.kind === 'directory' || flags.has('a')))
    if (printed) process.out(`${shownSize(blocks)}\t${shown}\n`)
    return blocks
  }
  let total = 0
  for (const operand of operands.length > 0 ? operands : ['.']) total += sizeOf(operand, 0)
  if (flags.has('c')) process.out(`${shownSize(total)}\ttotal\n`)
  return done(status)
}

export function inspectTools(): Array<[string, Program]> {
  return [['stat', stat], ['find', find], ['du', du]]
}
