// Programs whose work the host does, in the images that ship them: etcdctl in etcd's images
// (`kubectl exec -n kube-system etcd-control-plane -- etcdctl member list`) runs kubemu's etcdctl
// 3.4 against the cluster's etcd members, with the exec's arguments, its environment's ETCDCTL_*
// variables and its piped input. A container's own command (replayed, see ContainerTools) runs
// such a program as any program kubemu does not run.
import type {Program, ShellProcess} from './interpreter.js'
import type {ShellRun, ToolResult} from './process-context.js'
import {normalizePath} from './filesystem.js'

function* etcdctl(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const tool = process.context.tools?.etcdctl
  if (!tool) return yield* process.runUnknownProgram(argv)
  const environment = new Map(process.variables)
  // Certificates and keys come from the container's own files (a mounted pki folder).
  const readFile = (path: string) => {
    const entry = process.context.fs.get(normalizePath(path, process.workingDirectory))
    return entry?.kind === 'file' ? entry.content : null
  }
  // Nothing piped in (an empty pipe is still a pipe): `put KEY` and `txn` read the exec's own input (`kubectl exec -i`), taken only when asked.
  let result = (yield {kind: 'tool', run: () => tool(argv.slice(1), environment, process.inputInherited ? null : stdin, readFile)}) as ToolResult
  if ('inputWanted' in result) {
    const input = yield* process.input.all()
    result = (yield {kind: 'tool', run: () => tool(argv.slice(1), environment, input, readFile)}) as ToolResult
  }
  if ('inputWanted' in result) throw new Error('invariant: a tool given its input wants it again')
  process.out(result.stdout)
  process.error(result.stderr)
  return result.status
}

export function toolPrograms(): Array<[string, Program]> {
  return [['etcdctl', etcdctl]]
}
