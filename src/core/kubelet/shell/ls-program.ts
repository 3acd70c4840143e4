// busybox's ls over the container's simulated filesystem, as busybox 1.36 prints it: one name a
// line when stdout is not a terminal (kubectl exec without -t), columns on one; `-l` long lines
// (mode, links, owner, group, size, time, name, `-> target` for a link) with the `total` line of
// 1 KiB blocks; `-a`/`-A` dot files, `-d`, `-1`, `-C`/`-x`, `-R`, `-F`/`-p`, `-h`, `-n`, `-g`,
// `-i`, `-s`, and the sorts `-t`, `-S` (the last given wins), `-r`. Operands are followed through
// links unless `-l`, `-s` or `-F` looks at the link itself (`-H`, `-L` always follow), entries only
// with `-L`. Owners show by name when the image knows them (root), by number otherwise.
import {type FileStatus, normalizePath, type SimulatedFileSystem} from './filesystem.js'
import {groupName, userName} from './identity.js'
import type {Program, ShellProcess} from './interpreter.js'
import type {ShellRun} from './process-context.js'

/** The flags busybox 1.36's ls takes (its getopt string); `w` and `T` take a value. */
const knownFlags = new Set('1AaCxdLHRFplinshrSXvctugkQ'.split(''))
const flagsWithValue = new Set(['w', 'T'])
/** Directories one `ls -R` lists at most (a link loop under -L ends at the 40-link limit; this bounds the rest). */
const directoriesListedMax = 10_000
/** Columns of a terminal the output is laid out for (busybox uses one less than the width). */
const terminalColumns = 80 - 1
/** Half a year in seconds: older (or more than 15 minutes ahead) times show the year instead of hh:mm. */
const recentSeconds = (3600 * 24 * 365) / 2

interface Listed {
  /** The name shown (an operand as given, an entry's own name). */
  readonly name: string
  /** The path as ls built it (the operand, or the directory's path and the name). */
  readonly path: string
  readonly status: FileStatus
}

interface Options {
  readonly flags: ReadonlySet<string>
  readonly long: boolean
  /** The sort the last of -t, -S (or -c/-u, which sort by time) asks for. */
  readonly sortBy: 'name' | 'time' | 'size'
  readonly now: number
  readonly terminal: boolean
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** bb_mode_string: the type letter and the three rwx triplets, with setuid/setgid/sticky as s/S and t/T. */
export function modeString(status: FileStatus): string {
  const type = status.kind === 'directory' ? 'd' : status.kind === 'symlink' ? 'l' : '-'
  const mode = status.mode
  const triplet = (shift: number, special: boolean, letter: string) => {
    const bits = (mode >> shift) & 7
    const execute = bits & 1 ? (special ? letter : 'x') : special ? letter.toUpperCase() : '-'
    return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${execute}`
  }
  return `${type}${triplet(6, (mode & 0o4000) !== 0, 's')}${triplet(3, (mode & 0o2000) !== 0, 's')}${triplet(0, (mode & 0o1000) !== 0, 't')}`
}

/** ctime's "Mmm dd hh:mm" within half a year of now, "Mmm dd  yyyy" otherwise (the container's zone is UTC). */
function timeText(atMilliseconds: number, now: number): string {
  const at = new Date(atMilliseconds)
  const day = `${months[at.getUTCMonth()]} ${String(at.getUTCDate()).padStart(2, ' ')}`
  const ageSeconds = (now - atMilliseconds) / 1000
  if (ageSeconds < recentSeconds && ageSeconds > -15 * 60) return `${day} ${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}`
  return `${day} ${String(at.getUTCFullYear()).padStart(5, ' ')}`
}

/** busybox's make_human_readable_str with one decimal: 913, 4.0K, 1.5M. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return String(bytes)
  const units = 'KMGTPE'
  let value = bytes
  let unit = -1
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)}${units[unit]}`
}

/** A stable inode number for a path (what -i shows; the simulated filesystem has none of its own). */
export function inodeOf(path: string): number {
  let hash = 2166136261
  for (let index = 0; index < path.length; index++) hash = Math.imul(hash ^ path.charCodeAt(index), 16777619) >>> 0
  return 1_000_000 + (hash % 8_000_000)
}

/** The character -F (or -p, directories only) appends. */
function typeIndicator(status: FileStatus, flags: ReadonlySet<string>): string {
  if (status.kind === 'directory') return '/'
  if (!flags.has('F')) return ''
  if (status.kind === 'symlink') return '@'
  return status.mode & 0o111 ? '*' : ''
}

function entryLine(entry: Listed, fs: SimulatedFileSystem, options: Options): string {
  const {flags, long, now} = options
  let line = ''
  if (flags.has('i')) line += `${String(inodeOf(entry.path)).padStart(7, ' ')} `
  if (flags.has('s')) line += `${String(entry.status.blocks >> 1).padStart(6, ' ')} `
  if (long) {
    const size = flags.has('h') ? humanSize(entry.status.sizeBytes).padStart(7, ' ') : String(entry.status.sizeBytes).padStart(9, ' ')
    // Names from the image's /etc/passwd and /etc/group, the number for an id they do not know (uid 1000).
    const user = flags.has('n') ? String(entry.status.uid) : (userName(entry.status.uid) ?? String(entry.status.uid))
    const group = flags.has('n') ? String(entry.status.gid) : (groupName(entry.status.gid) ?? String(entry.status.gid))
    // -g leaves the owner out.
    const owner = flags.has('g') ? group.slice(0, 8).padEnd(8) : `${user.slice(0, 8).padEnd(8)} ${group.slice(0, 8).padEnd(8)}`
    line += `${modeString(entry.status)} ${String(entry.status.links).padStart(4, ' ')} ${owner} ${size} ${timeText(entry.status.modifiedAtMilliseconds, now)} `
  }
  line += entry.name
  let indicator = flags.has('F') || flags.has('p') ? typeIndicator(entry.status, flags) : ''
  if (long && entry.status.kind === 'symlink') {
    line += ` -> ${entry.status.target}`
    // The indicator is the target's, after the link.
    const target = fs.status(entry.path, true)
    indicator = target && (flags.has('F') || flags.has('p')) ? typeIndicator(target, flags) : ''
  }
  return line + indicator
}

function sorted(entries: Listed[], options: Options): Listed[] {
  const byName = (a: Listed, b: Listed) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  // Times compare in whole seconds (st_mtime), names break ties.
  const seconds = (entry: Listed) => Math.floor(entry.status.modifiedAtMilliseconds / 1000)
  const compare = (a: Listed, b: Listed): number => {
    const difference = options.sortBy === 'size' ? b.status.sizeBytes - a.status.sizeBytes : options.sortBy === 'time' ? seconds(b) - seconds(a) : 0
    return difference !== 0 ? Math.sign(difference) : byName(a, b)
  }
  const result = [...entries].sort(compare)
  return options.flags.has('r') ? result.reverse() : result
}

/**
 * One name a line, or columns on a terminal or with -C/-x (down each column, across rows with -x),
 * as wide as the longest name and two spaces (and what -i and -s add).
 */
function displayed(entries: readonly Listed[], fs: SimulatedFileSystem, options: Options): string {
  if (entries.length === 0) return ''
  const {flags} = options
  const single = options.long || flags.has('1') || !(options.terminal || flags.has('C') || flags.has('x'))
  if (single) return entries.map((entry) => `${entryLine(entry, fs, options)}\n`).join('')
  const cells = entries.map((entry) => entryLine(entry, fs, options))
  const width = Math.max(...entries.map((entry) => entry.name.length)) + 2 + (flags.has('i') ? 8 : 0) + (flags.has('s') ? 5 : 0)
  const columns = Math.max(1, Math.floor(terminalColumns / width))
  const rows = Math.ceil(cells.length / columns)
  let text = ''
  for (let row = 0; row < rows; row++) {
    const line: string[] = []
    for (let column = 0; column < columns; column++) {
      const cell = cells[flags.has('x') ? row * columns + column : column * rows + row]
      if (cell !== undefined) line.push(cell)
    }
    text += `${line.map((cell, index) => (index < line.length - 1 ? cell.padEnd(width) : cell)).join('')}\n`
  }
  return text
}

/** A directory's entries as ls lists them: its dot files with -a/-A, `.` and `..` with -a, each looked at itself (lstat). */
function directoryEntries(fs: SimulatedFileSystem, path: string, directory: string, options: Options): Listed[] {
  const {flags} = options
  const names = fs.list(directory).filter((name) => !name.startsWith('.') || flags.has('a') || flags.has('A'))
  if (flags.has('a')) names.push('.', '..')
  const join = (name: string) => (path.endsWith('/') ? `${path}${name}` : `${path}/${name}`)
  const entries: Listed[] = []
  for (const name of names) {
    const status = name === '.' ? fs.status(directory, true) : name === '..' ? fs.status(normalizePath('..', directory), true) : fs.status(`${directory}/${name}`, flags.has('L'))
    if (status) entries.push({name, path: join(name), status})
  }
  return entries
}

// A generator like every program, though it never waits.
function* ls(process: ShellProcess, argv: readonly string[]): ShellRun {
  const flags = new Set<string>()
  const operands: string[] = []
  let sortBy: Options['sortBy'] = 'name'
  let ended = false
  const args = argv.slice(1)
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]!
    if (!ended && argument === '--') ended = true
    else if (!ended && argument.startsWith('--')) continue
    else if (!ended && argument.length > 1 && argument.startsWith('-')) {
      for (let at = 1; at < argument.length; at++) {
        const flag = argument[at]!
        if (flagsWithValue.has(flag)) {
          // -w WIDTH, -T TABS: the value is the rest of the word or the next argument (the width is the terminal's here).
          if (at === argument.length - 1) index++
          break
        }
        if (!knownFlags.has(flag)) {
          process.error(`ls: invalid option -- '${flag}'\n`)
          return 1
        }
        flags.add(flag)
        if (flag === 't' || flag === 'c' || flag === 'u') sortBy = 'time'
        if (flag === 'S') sortBy = 'size'
      }
    } else operands.push(argument)
  }
  const fs = process.context.fs
  const long = flags.has('l') || flags.has('n') || flags.has('g')
  const options: Options = {flags, long, sortBy, now: process.context.now(), terminal: process.context.terminal === true}
  let status = 0
  const targets = operands.length > 0 ? operands : ['.']
  const files: Listed[] = []
  const directories: Listed[] = []
  for (const operand of targets) {
    const path = normalizePath(operand, process.workingDirectory)
    // Operands are followed through links, unless -l, -s or -F looks at a link itself (-H, -L and a trailing / always follow).
    const follow = flags.has('L') || flags.has('H') || operand.endsWith('/') || !(long || flags.has('s') || flags.has('F'))
    const found = fs.status(path, follow)
    if (!found) {
      process.error(`ls: ${operand}: No such file or directory\n`)
      status = 1
      continue
    }
    const listed = {name: operand, path: operand, status: found}
    if (found.kind === 'directory' && !flags.has('d')) directories.push(listed)
    else files.push(listed)
  }
  let text = displayed(sorted(files, options), fs, options)
  const showNames = targets.length > 1 || flags.has('R')
  let first = files.length === 0
  // Each directory, then (with -R) the directories in it, depth first.
  const pending = sorted(directories, options)
  for (let listed = 0; pending.length > 0 && listed < directoriesListedMax; listed++) {
    const directory = pending.shift()!
    if (showNames) {
      if (!first) text += '\n'
      text += `${directory.path}:\n`
    }
    first = false
    const resolved = fs.resolve(normalizePath(directory.path, process.workingDirectory), true)
    if (resolved === null) {
      // More than 40 links on the way (a loop under -L): the kernel's ELOOP.
      process.error(`ls: ${directory.path}: Too many levels of symbolic links\n`)
      status = 1
      continue
    }
    const entries = sorted(directoryEntries(fs, directory.path, resolved, options), options)
    if (long || flags.has('s')) text += `total ${(1 + entries.reduce((sum, entry) => sum + entry.status.blocks, 0)) >> 1}\n`
    text += displayed(entries, fs, options)
    if (flags.has('R')) pending.unshift(...entries.filter((entry) => entry.status.kind === 'directory' && entry.name !== '.' && entry.name !== '..'))
  }
  process.out(text)
  return status
}

export const lsProgram: [string, Program] = ['ls', ls]
