// kubectl cluster-info dump beside the real kubectl 1.32 against the same `kubemu up`: the nodes,
// each namespace's lists and its containers' logs, on stdout or in files under
// --output-directory, JSON or YAML, printed the same (resource versions and heartbeats masked:
// the cluster moves on between the two runs).
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {realKubectl, upWithRealKubectl, type UpWithRealKubectl} from '../support/up-with-real-kubectl.js'
import {runShell} from '../support/shell.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'

const masked = (text: string) =>
  text
    .replace(/("?resourceVersion"?: )"\d+"/g, '$1"X"')
    .replace(/("?lastHeartbeatTime"?: )"[^"]*"/g, '$1"T"')
    // A node's images are recorded as its kubelet pulls them, a while after the pods start.
    .replace(/,?\n(\s*)"images": \[[\s\S]*?\n\1\]/g, '')
    .replace(/\n( *)images:\n(?:\1[- ] .*(?:\n|$))*/g, '\n')

/** Every file under a folder, by its path in it, with its text masked. */
function filesOf(folder: string): Record<string, string> {
  const files: Record<string, string> = {}
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name)
      if (statSync(full).isDirectory()) walk(full)
      else files[relative(folder, full)] = masked(readFileSync(full, 'utf8'))
    }
  }
  walk(folder)
  return files
}

describe.runIf(existsSync(realKubectl))('kubectl cluster-info dump beside the real kubectl', {timeout: 180_000}, () => {
  const processes = upProcessesOfSuite()
  let up: UpWithRealKubectl
  const ours = (line: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: up.home, env: up.env})

  beforeAll(async () => {
    up = await upWithRealKubectl(processes)
    expect((await up.real('create ns dumped')).status).toBe(0)
    expect((await up.real('create configmap c -n dumped --from-literal=a=b')).status).toBe(0)
    expect((await up.real('run p -n dumped --image=nginx')).status).toBe(0)
    // Every pod running, so the nodes' images (kept as kubelets pull them) no longer change between the two dumps.
    expect((await up.real('wait --for=condition=Ready pod/p -n dumped --timeout=60s')).status).toBe(0)
    expect((await up.real('wait --for=condition=Ready pods --all -n kube-system --timeout=60s')).status).toBe(0)
  }, 180_000)

  it('dumps to stdout and into folders as the real kubectl does', async () => {
    for (const flags of ['--namespaces dumped,nowhere', '--namespaces dumped -o yaml', '-n dumped']) {
      const [theirs, mine] = [await up.real(`cluster-info dump ${flags}`), await ours(`cluster-info dump ${flags}`)]
      expect({flags, status: mine.status, stdout: masked(mine.stdout), stderr: mine.stderr}).toEqual({flags, status: theirs.status, stdout: masked(theirs.stdout), stderr: theirs.stderr})
    }
    for (const output of ['json', 'yaml']) {
      const [theirs, mine] = [await up.real(`cluster-info dump --namespaces dumped -o ${output} --output-directory theirs-${output}`), await ours(`cluster-info dump --namespaces dumped -o ${output} --output-directory mine-${output}`)]
      expect(mine.stdout).toBe(`Cluster info dumped to mine-${output}\n`)
      expect(theirs.stdout).toBe(`Cluster info dumped to theirs-${output}\n`)
      expect(filesOf(join(up.home, `mine-${output}`))).toEqual(filesOf(join(up.home, `theirs-${output}`)))
    }
    // The other printers, each list printed by itself as the typed list it is.
    for (const flags of ['-o name', `-o go-template --template='{{.kind}} {{len .items}}{{"\\n"}}'`, `-o 'jsonpath={.kind}{"\\n"}'`, `-o 'jsonpath-as-json={.kind}'`, `-o 'jsonpath={.nope.x}'`, `-o 'go-template={{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}'`]) {
      const [theirs, mine] = [await up.real(`cluster-info dump --namespaces dumped ${flags}`), await ours(`cluster-info dump --namespaces dumped ${flags}`)]
      expect({flags, status: mine.status, stdout: mine.stdout, stderr: mine.stderr}).toEqual({flags, status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
    }
    const [theirs, mine] = [await up.real(`cluster-info dump --namespaces dumped -o 'jsonpath={.kind}' --output-directory theirs-jsonpath`), await ours(`cluster-info dump --namespaces dumped -o 'jsonpath={.kind}' --output-directory mine-jsonpath`)]
    expect(mine.status).toBe(theirs.status)
    expect(filesOf(join(up.home, 'mine-jsonpath'))).toEqual(filesOf(join(up.home, 'theirs-jsonpath')))
    for (const line of ['cluster-info dump -o wide', 'cluster-info dump --namespaces']) {
      const [theirs, mine] = [await up.real(line), await ours(line)]
      expect({line, status: mine.status, stdout: mine.stdout, stderr: mine.stderr.split('\n')[0]}).toEqual({line, status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr.split('\n')[0]})
    }
  })
})
