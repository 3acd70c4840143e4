// busybox's programs that link, copy, move and change files over the container's simulated
// filesystem: ln, cp, mv and chmod (stat, find and du are in inspect-tools.ts), with busybox
// 1.36's messages and exit statuses.
import {FileSystemError, normalizePath, type SimulatedFileSystem} from './filesystem.js'
import {modeString} from './ls-program.js'
import type {Program, ShellProcess} from './interpreter.js'
import type {ShellRun} from './process-context.js'

/** The containers' umask (runc's default): what chmod without a who list, and cp, leave out. */
const umask = 0o022
/** Entries one find, du, chmod -R or cp -r walks at most (a container holds fewer: filesMax). */
export const entriesWalkedMax = 20_000

export function* done(status: number): ShellRun {
  return status
}

/** Splits flags from operands: `-rf` style letters among `known`; `--` ends them. Null and the letter when one is not known. */
export function optionsOf(argv: readonly string[], known: string): {flags: Set<string>; operands: string[]} | {invalid: string} {
  const flags = new Set<string>()
  const operands: string[] = []
  let ended = false
  for (const argument of argv.slice(1)) {
    if (!ended && argument === '--') ended = true
    else if (!ended && /^-./.test(argument)) {
      for (const flag of argument.slice(1)) {
        if (!known.includes(flag)) return {invalid: flag}
        flags.add(flag)
      }
    } else operands.push(argument)
  }
  return {flags, operands}
}

export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '')
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || '/'
}

/** The reason in a FileSystemError's message (its last `: reason`), as perror prints it. */
function reasonOf(error: unknown): string {
  if (!(error instanceof FileSystemError)) throw error
  return /(?:^|: )([^:]+)$/.exec(error.message)?.[1] ?? error.message
}

function ln(process: ShellProcess, argv: readonly string[]): ShellRun {
  const options = optionsOf(argv, 'sfnv')
  if ('invalid' in options) return invalidOption(process, 'ln', options.invalid)
  const {flags, operands} = options
  if (operands.length === 0) return usage(process, 'ln', '[-sfnbtv] [-S SUF] TARGET... LINK|DIR')
  const fs = process.context.fs
  const last = operands.length === 1 ? baseName(operands[0]!) : operands[operands.length - 1]!
  const targets = operands.length === 1 ? operands : operands.slice(0, -1)
  let status = 0
  for (const target of targets) {
    const lastPath = normalizePath(last, process.workingDirectory)
    const intoDirectory = (flags.has('n') ? fs.getLink(lastPath) : fs.get(lastPath))?.kind === 'directory'
    const link = intoDirectory ? `${last.replace(/\/+$/, '')}/${baseName(target)}` : last
    const linkPath = normalizePath(link, process.workingDirectory)
    // link(2) links the entry itself: a symbolic link (a dangling one too) gets a second name as a link.
    const sourceLink = fs.getLink(normalizePath(target, process.workingDirectory))
    const source = sourceLink?.kind === 'symlink' ? sourceLink : fs.get(normalizePath(target, process.workingDirectory))
    if (!flags.has('s') && source === undefined) {
      process.error(`ln: ${target}: No such file or directory\n`)
      status = 1
      continue
    }
    try {
      if (flags.has('f') && fs.getLink(linkPath) !== undefined && fs.getLink(linkPath)?.kind !== 'directory') fs.remove(linkPath, false)
      if (flags.has('v')) process.out(`'${link}' -> '${target}'\n`)
      if (flags.has('s')) fs.symlink(linkPath, target)
      else if (source?.kind === 'directory') throw new FileSystemError(`${link}: Operation not permitted`)
      else if (fs.getLink(linkPath) !== undefined) throw new FileSystemError(`${link}: File exists`)
      else if (source?.kind === 'symlink') fs.symlink(linkPath, source.target)
      // A hard link is a second name for the content (the simulated files have no inodes: later writes do not follow).
      else fs.write(linkPath, source!.content, false, false, source!.mode)
    } catch (error) {
      process.error(`ln: ${link}: ${reasonOf(error)}\n`)
      status = 1
    }
  }
  return done(status)
}

/** Copies `source` to `target` (a directory with everything in it when `recursive`); false after printing why not. */
function copyEntry(process: ShellProcess, source: string, target: string, options: {recursive: boolean; preserve: boolean; links: boolean; force: boolean}, walk: {entries: number; readonly made: Set<string>}): boolean {
  const fs = process.context.fs
  const sourcePath = normalizePath(source, process.workingDirectory)
  const targetPath = normalizePath(target, process.workingDirectory)
  if (--walk.entries < 0) {
    process.error(`cp: can't create '${target}': Too many files (more than ${entriesWalkedMax})\n`)
    return false
  }
  const link = options.links ? fs.getLink(sourcePath) : undefined
  if (link?.kind === 'symlink') {
    try {
      if (fs.getLink(targetPath) !== undefined) fs.remove(targetPath, false)
      fs.symlink(targetPath, link.target)
      return true
    } catch (error) {
      process.error(`cp: can't create symlink '${target}' to '${link.target}': ${reasonOf(error)}\n`)
      return false
    }
  }
  const entry = fs.get(sourcePath)
  const status = fs.status(sourcePath, true)
  if (entry === undefined || status === null) {
    process.error(`cp: can't stat '${source}': No such file or directory\n`)
    return false
  }
  if (entry.kind === 'directory') {
    if (!options.recursive) {
      process.error(`cp: omitting directory '${source}'\n`)
      return false
    }
    // A directory this cp made, met again as a source (cp -r d d/inside): busybox sees its inode again.
    if (walk.made.has(sourcePath)) {
      process.error(`cp: recursion detected, omitting directory '${source}'\n`)
      return false
    }
    const existing = fs.get(targetPath)
    if (existing !== undefined && existing.kind !== 'directory') {
      process.error(`cp: target '${target}' is not a directory\n`)
      return false
    }
    try {
      if (existing === undefined) {
        fs.makeDirectory(targetPath)
        walk.made.add(fs.resolve(targetPath, true) ?? targetPath)
      }
    } catch (error) {
      process.error(`cp: can't create directory '${target}': ${reasonOf(error)}\n`)
      return false
    }
    // A directory it may not read and search is made empty, and the copy fails without a word (as busybox's does).
    if (!fs.allows(sourcePath, 0o5)) return false
    let copied = true
    for (const name of fs.list(sourcePath)) copied = copyEntry(process, `${source.replace(/\/+$/, '')}/${name}`, `${target.replace(/\/+$/, '')}/${name}`, options, walk) && copied
    // Only a directory cp made takes the source's bits (less the umask without -p).
    if (existing === undefined || options.preserve) setMode(fs, targetPath, options.preserve ? status.mode : status.mode & ~umask)
    return copied
  }
  const read = fs.readFile(sourcePath)
  if (!('content' in read)) {
    process.error(`cp: can't open '${source}': ${read.error}\n`)
    return false
  }
  const targetEntry = fs.get(targetPath)
  if (targetEntry !== undefined && fs.resolve(targetPath, true) === fs.resolve(sourcePath, true)) {
    process.error(`cp: '${source}' and '${target}' are the same file\n`)
    return false
  }
  if (targetEntry?.kind === 'directory') {
    process.error(`cp: can't create '${target}': Is a directory\n`)
    return false
  }
  try {
    // A new file takes the source's bits less the umask (open's mode); an existing one keeps its own, -p sets the source's.
    try {
      fs.write(targetPath, read.content, false, false, targetEntry === undefined ? status.mode & ~umask : undefined)
    } catch (error) {
      // -f: a target that cannot be opened is removed and made again.
      if (!options.force || targetEntry === undefined) throw error
      fs.remove(targetPath, false)
      fs.write(targetPath, read.content, false, false, status.mode & ~umask)
    }
    if (options.preserve) setMode(fs, targetPath, status.mode)
  } catch (error) {
    process.error(`cp: can't ${targetEntry === undefined ? 'create' : 'open'} '${target}': ${reasonOf(error)}\n`)
    return false
  }
  return true
}

/** A copy's mode (cp): busybox goes on when it cannot set it; any other error is a bug. */
function setMode(fs: SimulatedFileSystem, path: string, mode: number): void {
  try {
    fs.changeMode(path, mode)
  } catch (error) {
    if (!(error instanceof FileSystemError)) throw error
  }
}

function cp(process: ShellProcess, argv: readonly string[]): ShellRun {
  const options = optionsOf(argv, 'arRdPLHpf')
  if ('invalid' in options) return invalidOption(process, 'cp', options.invalid)
  const {flags, operands} = options
  if (operands.length < 2) return usage(process, 'cp', '[-arPLHpfinlsTu] SOURCE DEST')
  const recursive = flags.has('r') || flags.has('R') || flags.has('a')
  // Links are copied as links with -d/-P/-a, and under -R unless -L asks to follow them.
  const copyOptions = {recursive, preserve: flags.has('p') || flags.has('a'), links: !flags.has('L') && (flags.has('d') || flags.has('P') || recursive), force: flags.has('f')}
  const sources = operands.slice(0, -1)
  const last = operands[operands.length - 1]!
  // Several sources go into DEST as a directory (each failing on its own when it is none).
  const intoDirectory = sources.length > 1 || process.context.fs.get(normalizePath(last, process.workingDirectory))?.kind === 'directory'
  let status = 0
  const walk = {entries: entriesWalkedMax, made: new Set<string>()}
  for (const source of sources) {
    const target = intoDirectory ? `${last.replace(/\/+$/, '')}/${baseName(source)}` : last
    const fs = process.context.fs
    const sourcePath = fs.resolve(normalizePath(source, process.workingDirectory), true)
    if (sourcePath !== null && fs.get(sourcePath)?.kind === 'directory' && sourcePath === fs.resolve(normalizePath(target, process.workingDirectory), true)) {
      process.error(`cp: '${source.replace(/(.)\/+$/, '$1')}' and '${target}' are the same file\n`)
      status = 1
      continue
    }
    if (!copyEntry(process, source, target, copyOptions, walk)) status = 1
  }
  return done(status)
}

function mv(process: ShellProcess, argv: readonly string[]): ShellRun {
  const options = optionsOf(argv, 'fin')
  if ('invalid' in options) return invalidOption(process, 'mv', options.invalid)
  const {operands} = options
  if (operands.length < 2) return usage(process, 'mv', '[-finT] SOURCE DEST')
  const fs = process.context.fs
  const sources = operands.slice(0, -1)
  const last = operands[operands.length - 1]!
  const lastIsDirectory = fs.get(normalizePath(last, process.workingDirectory))?.kind === 'directory'
  if (sources.length > 1 && !lastIsDirectory) {
    process.error(`mv: '${last}' is not a directory\n`)
    return done(1)
  }
  let status = 0
  for (const source of sources) {
    const target = lastIsDirectory ? `${last.replace(/\/+$/, '')}/${baseName(source)}` : last
    try {
      fs.rename(normalizePath(source, process.workingDirectory), normalizePath(target, process.workingDirectory))
    } catch (error) {
      process.error(`mv: can't rename '${source}': ${reasonOf(error)}\n`)
      status = 1
    }
  }
  return done(status)
}

const whoBits: Readonly<Record<string, number>> = {a: 0o7777, u: 0o4700, g: 0o2070, o: 0o0007}
const permissionBits: Readonly<Record<string, number>> = {r: 0o444, w: 0o222, x: 0o111, s: 0o6000, t: 0o1000}

/** A mode as busybox's bb_parse_mode reads it (octal, or clauses like `u+x,go-w`, `a=r`, `g=u`); null when invalid. */
export function parsedMode(text: string, current: number, directory: boolean): number | null {
  if (/^[0-7]/.test(text)) return /^[0-7]+$/.test(text) && Number.parseInt(text, 8) <= 0o7777 ? Number.parseInt(text, 8) : null
  let mode = current & 0o7777
  for (const clause of text.split(',')) {
    if (clause === '') continue
    const match = /^([augo]*)(.*)$/.exec(clause)!
    let who = 0
    for (const letter of match[1]!) who |= whoBits[letter]!
    let rest = match[2]!
    if (rest === '') return null
    while (rest !== '') {
      const operator = rest[0]!
      if (operator !== '+' && operator !== '-' && operator !== '=') return null
      rest = rest.slice(1)
      let permissions = 0
      const copied = /^[ugo]/.exec(rest)?.[0]
      if (copied !== undefined) {
        const from = copied === 'u' ? (mode >> 6) & 7 : copied === 'g' ? (mode >> 3) & 7 : mode & 7
        permissions = (from << 6) | (from << 3) | from
        rest = rest.slice(1)
      } else {
        while (rest !== '' && 'rwxXst'.includes(rest[0]!)) {
          const letter = rest[0]!
          if (letter === 'X') {
            if (directory || (mode & 0o111) !== 0) permissions |= 0o111
          } else permissions |= permissionBits[letter]!
          rest = rest.slice(1)
        }
      }
      if (operator === '=') mode &= ~(who === 0 ? 0o7777 : who)
      permissions &= who === 0 ? ~umask : who
      if (operator === '-') mode &= ~permissions
      else mode |= permissions
    }
  }
  return mode
}

function chmod(process: ShellProcess, argv: readonly string[]): ShellRun {
  // A mode may begin with '-' (chmod -x file): only R, v, c and f are chmod's own flags.
  const flags = new Set<string>()
  const words = argv.slice(1)
  while (words.length > 0 && /^-[Rvcf]+$/.test(words[0]!)) for (const flag of words.shift()!.slice(1)) flags.add(flag)
  if (words[0] === '--') words.shift()
  const [modeText, ...files] = words
  if (modeText === undefined || files.length === 0) return usage(process, 'chmod', '[-Rcvf] MODE[,MODE]... FILE...')
  const fs = process.context.fs
  let status = 0
  let walked = 0
  const change = (file: string, depth: number): boolean => {
    if (++walked > entriesWalkedMax) return true
    const path = normalizePath(file, process.workingDirectory)
    // Below the top, links are skipped as chmod -R skips them.
    if (depth > 0 && fs.getLink(path)?.kind === 'symlink') return true
    const current = fs.status(path, true)
    if (current !== null && !fs.reachable(path, true)) {
      if (!flags.has('f')) process.error(`chmod: ${file}: Permission denied\n`)
      status = 1
      return true
    }
    if (current === null) {
      if (!flags.has('f')) process.error(`chmod: ${file}: No such file or directory\n`)
      status = 1
      return true
    }
    const mode = parsedMode(modeText, current.mode, current.kind === 'directory')
    if (mode === null) {
      process.error(`chmod: invalid mode '${modeText}'\n`)
      status = 1
      return false
    }
    try {
      fs.changeMode(path, mode)
      if (flags.has('v') || (flags.has('c') && (current.mode & 0o7777) !== mode)) {
        process.out(`mode of '${file}' changed to ${mode.toString(8).padStart(4, '0')} (${modeString({...current, mode}).slice(1)})\n`)
      }
    } catch (error) {
      if (!flags.has('f')) process.error(`chmod: ${file}: ${reasonOf(error)}\n`)
      status = 1
    }
    // -R goes into directories (not through a link named on the command line) it may read and search.
    if (flags.has('R') && fs.getLink(path)?.kind === 'directory') {
      if (!fs.allows(path, 0o5)) {
        if (!flags.has('f')) process.error(`chmod: ${file}: Permission denied\n`)
        status = 1
        return true
      }
      for (const name of fs.list(path)) if (!change(`${file.replace(/\/+$/, '')}/${name}`, depth + 1)) return false
    }
    return true
  }
  for (const file of files) if (!change(file, 0)) break
  return done(status)
}

export function invalidOption(process: ShellProcess, name: string, option: string): ShellRun {
  process.error(`${name}: invalid option -- '${option}'\n`)
  return done(1)
}

/** What a busybox applet prints on standard error for arguments it cannot use: the binary's banner and its synopsis. */
export function usageText(name: string, synopsis: string): string {
  return `BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: ${name} ${synopsis}\n`
}

export function usage(process: ShellProcess, name: string, synopsis: string): ShellRun {
  process.error(usageText(name, synopsis))
  return done(1)
}

export function fileTools(): Array<[string, Program]> {
  return [['ln', ln], ['cp', cp], ['mv', mv], ['chmod', chmod]]
}
