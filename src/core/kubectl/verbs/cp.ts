// `kubectl cp <file-spec-src> <file-spec-dest> [-c CONTAINER]`: as kubectl 1.32 copies, through
// exec in the container: from a pod, `tar cf - PATH` and the archive unpacked here under the
// destination (tar's messages go to stdout, as kubectl passes them on); to a pod, `test -d DEST`
// (a directory takes the source's name under it), then an archive of the local file or folder
// sent on stdin to `tar -xmf - -C DIR`. The container's tar is the simulated shell's.
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {basename, dirname, join, posix, relative, resolve, sep} from 'node:path'
import type {ExecAnswer} from '../../api/wire.js'
import {bytesToText, textToBytes} from '../../util/byte-text.js'
import {tarArchive, TarFormatError, type TarMember, tarMembers, tarMembersMax} from '../../util/tar.js'
import {KubectlError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {containerFor, podForTarget} from '../pod-target.js'
import type {KubectlSession} from '../session.js'
import {printExecAnswer} from './stream.js'

export const cpFlags: readonly KubectlFlag[] = [
  {name: 'container', shorthand: 'c', kind: 'string'},
  {name: 'no-preserve', kind: 'bool'},
  {name: 'retries', kind: 'int', defaultValue: '0'},
]

type FileSpec = {namespace: string; pod: string; file: string}

/** `[[namespace/]pod:]file/path`, as kubectl reads it. */
function fileSpecOf(argument: string): FileSpec {
  const colon = argument.indexOf(':')
  if (colon === 0) throw new KubectlError('filespec must match the canonical format: [[namespace/]pod:]file/path')
  if (colon < 0) return {namespace: '', pod: '', file: argument}
  const pieces = argument.slice(0, colon).split('/')
  if (pieces.length > 2) throw new KubectlError('filespec must match the canonical format: [[namespace/]pod:]file/path')
  return {namespace: pieces.length === 2 ? pieces[0]! : '', pod: pieces[pieces.length - 1]!, file: argument.slice(colon + 1)}
}

export async function runCp(session: KubectlSession, args: readonly string[]): Promise<number> {
  if (args.length !== 2) throw new KubectlError('source and destination are required')
  const source = fileSpecOf(args[0]!)
  const destination = fileSpecOf(args[1]!)
  if (source.pod && destination.pod) throw new KubectlError('one of src or dest must be a local file specification')
  if (!source.file || !destination.file) throw new KubectlError('filepath can not be empty')
  if (source.pod) return copyFromPod(session, source, destination.file)
  if (destination.pod) return copyToPod(session, source.file, destination)
  throw new KubectlError('one of src or dest must be a remote file specification')
}

/** Runs `command` in the pod's container, `stdin` on its standard input. */
async function execIn(session: KubectlSession, spec: FileSpec, command: readonly string[], stdin?: Buffer, quiet = false): Promise<ExecAnswer> {
  const namespace = spec.namespace || session.namespace()
  const pod = (await session.request('GET', `/api/v1/namespaces/${namespace}/pods/${spec.pod}`)).body as Parameters<typeof containerFor>[1]
  const phase = pod.status?.phase
  if (phase === 'Succeeded' || phase === 'Failed') throw new KubectlError(`cannot exec into a container in a completed pod; current phase is ${phase}`)
  const container = containerFor(session, pod, session.flag('container'), quiet)
  const query: Record<string, string> = {container, command: command.join('\0'), stdout: 'true', stderr: 'true', ...(stdin ? {stdin: 'true'} : {})}
  return (await session.request('POST', `/api/v1/namespaces/${namespace}/pods/${spec.pod}/exec`, {query, ...(stdin ? {body: bytesToText(stdin), contentType: 'application/octet-stream'} : {})})).body as ExecAnswer
}

/** A path with its leading slashes and `.`/`..` cleaned off, as kubectl's prefix for the archive's names. */
function archivePrefix(file: string): string {
  return posix.normalize(file.replace(/^\/+/, '')).replace(/^(\.\.\/)+/, '').replace(/^\.$/, '').replace(/\/+$/, '')
}

async function copyFromPod(session: KubectlSession, source: FileSpec, destination: string): Promise<number> {
  const answer = await execIn(session, source, ['tar', 'cf', '-', source.file])
  if (answer.notFound || answer.exitCode !== 0) {
    // kubectl passes tar's messages to stdout and stops at the exec's failure.
    session.io.stdout(answer.stderr)
    return printExecAnswer(session, {...answer, stdout: '', stderr: ''}, 'tar')
  }
  session.io.stdout(answer.stderr)
  let members: TarMember[]
  try {
    members = tarMembers(textToBytes(answer.stdout))
  } catch (error) {
    if (error instanceof TarFormatError) throw new KubectlError(error.message)
    throw error
  }
  const prefix = archivePrefix(source.file)
  const root = resolve(destination)
  let symlinkWarned = false
  for (const member of members) {
    if (!member.name.startsWith(prefix)) throw new KubectlError('tar contents corrupted')
    const target = join(root, member.name.slice(prefix.length))
    // Outside: `..` or under it; a name that only begins with two dots (`..data`) is inside.
    const fromRoot = relative(root, target)
    if (fromRoot === '..' || fromRoot.startsWith(`..${sep}`)) {
      session.io.stderr(`warning: file ${JSON.stringify(target)} is outside target destination, skipping\n`)
      continue
    }
    mkdirSync(dirname(target), {recursive: true})
    if (member.directory) mkdirSync(target, {recursive: true})
    else if (member.linkTarget !== undefined) {
      // kubectl writes no link it received (a ConfigMap key's file is one): it says so, the first
      // time with how to get links across.
      const shown = JSON.stringify(join(destination, member.name.slice(prefix.length)))
      // The namespace as the source named it: kubectl quotes an empty one when none was given.
      const hint = symlinkWarned ? '' : ` (consider using "kubectl exec -n ${JSON.stringify(source.namespace)} ${JSON.stringify(source.pod)} -- tar cf - ${JSON.stringify(source.file)} | tar xf -")`
      session.io.stderr(`warning: skipping symlink: ${shown} -> ${JSON.stringify(member.linkTarget)}${hint}\n`)
      symlinkWarned = true
    } else writeFileSync(target, member.content)
  }
  return 0
}

/** The local file or folder as archive members named from `name` on. */
function localMembers(path: string, name: string, members: TarMember[]): void {
  if (members.length >= tarMembersMax) return
  const stat = statSync(path)
  if (stat.isDirectory()) {
    const entries = readdirSync(path).sort()
    if (entries.length === 0) members.push({name, directory: true, content: Buffer.alloc(0)})
    for (const entry of entries) localMembers(join(path, entry), `${name}/${entry}`, members)
    return
  }
  if (stat.isFile()) members.push({name, directory: false, content: readFileSync(path)})
}

async function copyToPod(session: KubectlSession, source: string, destination: FileSpec): Promise<number> {
  if (!existsSync(source)) throw new KubectlError(`${source} doesn't exist in local filesystem`)
  let target = posix.normalize(destination.file)
  // A directory on the pod takes the source under its own name.
  const isDirectory = await execIn(session, destination, ['test', '-d', destination.file], undefined, true)
  if (!isDirectory.notFound && isDirectory.exitCode === 0) target = posix.join(target, basename(resolve(source)))
  const members: TarMember[] = []
  localMembers(source, posix.basename(target), members)
  const command = session.flag('no-preserve') === 'true' ? ['tar', '--no-same-permissions', '--no-same-owner', '-xmf', '-'] : ['tar', '-xmf', '-']
  const directory = posix.dirname(target)
  if (directory.length > 0) command.push('-C', directory)
  const answer = await execIn(session, destination, command, tarArchive(members, Math.floor(session.clock.nowMilliseconds() / 1000)))
  return printExecAnswer(session, answer, 'tar')
}
