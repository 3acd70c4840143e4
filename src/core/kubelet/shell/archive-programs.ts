// busybox tar over the container's simulated filesystem, as kubectl cp runs it through exec:
// `tar cf - PATH…` writes a ustar archive to stdout (leading '/' taken off member names, with
// busybox's notice), `tar xf - [-C DIR]` (and `-xmf`) unpacks one from stdin, `tar tf -` lists
// one. Files and streams hold bytes as text without loss (util/byte-text.ts), so a binary file
// goes into an archive and comes out of one byte for byte.
import {bytesToText, textToBytes} from '../../util/byte-text.js'
import {tarArchive, TarFormatError, type TarMember, tarMembers} from '../../util/tar.js'
import {normalizePath} from './filesystem.js'
import type {Program, ShellProcess} from './interpreter.js'
import type {ShellRun} from './process-context.js'

function* done(status: number): ShellRun {
  return status
}

type TarOptions = {mode: 'c' | 'x' | 't' | null; file: string | null; directory: string | null; verbose: boolean; operands: string[]; unknown: string | null}

/** tar's options: a first word of bundled letters with or without '-', then `-f FILE`, `-C DIR`, and the operands. */
function optionsOf(argv: readonly string[]): TarOptions {
  const options: TarOptions = {mode: null, file: null, directory: null, verbose: false, operands: [], unknown: null}
  const words = argv.slice(1)
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!
    const bundled = index === 0 && /^[A-Za-z]+$/.test(word) ? word : word.startsWith('-') && word.length > 1 && !word.startsWith('--') ? word.slice(1) : null
    if (bundled === null) {
      options.operands.push(word)
      continue
    }
    for (const letter of bundled) {
      if (letter === 'c' || letter === 'x' || letter === 't') options.mode = letter
      else if (letter === 'f') options.file = words[++index] ?? ''
      else if (letter === 'C') options.directory = words[++index] ?? ''
      else if (letter === 'v') options.verbose = true
      else if (letter === 'm' || letter === 'o' || letter === 'p') continue
      else options.unknown ??= letter
    }
  }
  return options
}

function create(process: ShellProcess, options: TarOptions): number {
  if (options.file !== '-') {
    process.error(`tar: can't open '${options.file}': archives go to stdout only here (f -)\n`)
    return 1
  }
  const base = options.directory === null ? process.workingDirectory : normalizePath(options.directory, process.workingDirectory)
  const members: TarMember[] = []
  let status = 0
  let toldLeadingSlash = false
  // Links are stored as links (busybox tar follows none without -h), operands too.
  const add = (path: string, name: string) => {
    const entry = process.context.fs.getLink(path)
    if (!entry) return
    if (entry.kind === 'symlink') {
      members.push({name, directory: false, content: Buffer.alloc(0), linkTarget: entry.target})
      if (options.verbose) process.error(`${name}\n`)
      return
    }
    if (entry.kind === 'directory') {
      members.push({name, directory: true, content: Buffer.alloc(0)})
      for (const child of process.context.fs.list(path)) add(`${path === '/' ? '' : path}/${child}`, `${name}/${child}`)
      return
    }
    members.push({name, directory: false, content: textToBytes(entry.content)})
    if (options.verbose) process.error(`${name}\n`)
  }
  for (const operand of options.operands) {
    const path = normalizePath(operand, base)
    if (!process.context.fs.getLink(path)) {
      process.error(`tar: ${operand}: No such file or directory\n`)
      status = 1
      continue
    }
    let name = operand.replace(/\/+$/, '') || '/'
    if (name.startsWith('/')) {
      if (!toldLeadingSlash) process.error("tar: removing leading '/' from member names\n")
      toldLeadingSlash = true
      name = name.replace(/^\/+/, '')
    }
    add(path, name === '' ? '.' : name)
  }
  process.out(bytesToText(tarArchive(members, Math.floor(process.context.now() / 1000))))
  if (status !== 0) process.error('tar: error exit delayed from previous errors\n')
  return status
}

function extract(process: ShellProcess, options: TarOptions, stdin: string, list: boolean): number {
  if (options.file !== '-' && options.file !== null) {
    const entry = process.context.fs.get(normalizePath(options.file, process.workingDirectory))
    if (entry?.kind !== 'file') {
      process.error(`tar: can't open '${options.file}': No such file or directory\n`)
      return 1
    }
    stdin = entry.content
  }
  let members: TarMember[]
  try {
    members = tarMembers(textToBytes(stdin))
  } catch (error) {
    if (!(error instanceof TarFormatError)) throw error
    process.error(`tar: ${error.message}\n`)
    return 1
  }
  if (list) {
    if (members.length > 0) process.out(`${members.map((member) => (member.directory ? `${member.name}/` : member.name)).join('\n')}\n`)
    return 0
  }
  const base = options.directory === null ? process.workingDirectory : normalizePath(options.directory, process.workingDirectory)
  if (process.context.fs.get(base)?.kind !== 'directory') {
    process.error(`tar: can't change directory to '${options.directory}': No such file or directory\n`)
    return 1
  }
  for (const member of members) {
    const path = normalizePath(member.name.replace(/^\/+/, ''), base)
    if (options.verbose) process.out(`${member.name}\n`)
    if (member.directory) process.context.fs.makeDirectories(path)
    else if (member.linkTarget !== undefined) {
      process.context.fs.makeDirectories(path.slice(0, path.lastIndexOf('/')) || '/')
      if (process.context.fs.getLink(path)) process.context.fs.remove(path, false)
      process.context.fs.symlink(path, member.linkTarget)
    } else {
      process.context.fs.makeDirectories(path.slice(0, path.lastIndexOf('/')) || '/')
      // A file replaces a link of its name (busybox unlinks the old entry first), never writes through it.
      if (process.context.fs.getLink(path)?.kind === 'symlink') process.context.fs.remove(path, false)
      process.context.fs.write(path, bytesToText(member.content))
    }
  }
  return 0
}

function tar(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const options = optionsOf(argv)
  if (options.unknown !== null) {
    process.error(`tar: invalid option -- '${options.unknown}'\n`)
    return done(1)
  }
  if (options.mode === null) {
    process.error('tar: need to specify one of -c, -x, -t\n')
    return done(1)
  }
  if (options.mode === 'c') return done(create(process, {...options, file: options.file ?? '-'}))
  return done(extract(process, options, stdin, options.mode === 't'))
}

export function archivePrograms(): Array<[string, Program]> {
  return [['tar', tar]]
}
