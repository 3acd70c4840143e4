// `kubectl debug` beside the real kubectl 1.32 against one `kubemu up`: the same lines, errors and
// exit codes, the same debugging containers and pods (ephemeral, --copy-to, node/NAME) under each
// profile, the same terminal session that ends when its shell exits; and the kubelet's side the
// real kubectl relies on (an ephemeral container ends with its command). One-shot at the end.
import {existsSync} from 'node:fs'
import {beforeAll, describe, expect, it} from 'vitest'
import {onTerminal} from '../support/terminal-session.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl, upWithRealKubectl, type UpWithRealKubectl} from '../support/up-with-real-kubectl.js'

type Json = Record<string, any>

/** What must differ between the two kubectls' runs: generated names, and the names each side gives. */
const masked = (text: string) =>
  text
    .replace(/debugger-[bcdfghjklmnpqrstvwxz2456789]{5}/g, 'debugger-XXXXX')
    .replace(/(node-debugger-[a-z0-9-]+)-[bcdfghjklmnpqrstvwxz2456789]{5}/g, '$1-XXXXX')
    .replace(/\b(real|ours)(?=-|\b)/g, 'SIDE')
    .replace(/kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}/g, 'kube-api-access-XXXXX')
    .replace(/\[\d+\]/g, '[N]')

describe.runIf(existsSync(realKubectl))('kubectl debug', {timeout: 180_000}, () => {
  const processes = upProcessesOfSuite()
  let cluster: UpWithRealKubectl
  const ours = (line: string, stdin?: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: cluster.home, env: cluster.env, stdin})
  const side = (tool: 'real' | 'ours') => (line: string, stdin?: string) => (tool === 'real' ? cluster.real(line.replaceAll('SIDE', 'real'), stdin) : ours(line.replaceAll('SIDE', 'ours'), stdin))
  const sameAsReal = async (line: string, stdin?: string) => {
    const [theirs, mine] = [await side('real')(line, stdin), await side('ours')(line, stdin)]
    const view = (result: typeof theirs) => ({line, status: result.status, stdout: masked(result.stdout), stderr: masked(result.stderr)})
    expect(view(mine)).toEqual(view(theirs))
    return mine
  }
  const podJson = async (name: string): Promise<Json> => JSON.parse((await ours(`get pod ${name} -o json`)).stdout) as Json
  /** A pod's debugging-relevant parts, with each side's names masked. */
  const debugView = (pod: Json) => JSON.parse(masked(JSON.stringify({
    labels: pod.metadata.labels ?? null,
    annotations: pod.metadata.annotations ?? null,
    spec: {...pod.spec, nodeName: pod.spec.nodeName ? 'NODE' : null, containers: pod.spec.containers, ephemeralContainers: pod.spec.ephemeralContainers ?? null},
  }))) as Json

  beforeAll(async () => {
    cluster = await upWithRealKubectl(processes)
    for (const tool of ['real', 'ours'] as const) {
      expect((await side(tool)('run SIDE-web --image=nginx --labels=app=web')).status).toBe(0)
      expect((await side(tool)('annotate pod SIDE-web note=kept')).status).toBe(0)
    }
    for (const tool of ['real', 'ours'] as const) expect((await side(tool)('wait --for=condition=Ready pod/SIDE-web --timeout=60s')).status).toBe(0)
  })

  it('refuses what kubectl refuses, in its words, before it changes anything', async () => {
    for (const line of [
      'debug SIDE-web',
      'debug --image=busybox',
      'debug SIDE-web --image=Bad:Image',
      'debug SIDE-web --image=busybox -t',
      'debug SIDE-web --image=busybox --profile=nope',
      'debug SIDE-web --image=busybox --image-pull-policy=Sometimes',
      'debug SIDE-web --image=busybox --replace',
      'debug SIDE-web --image=busybox --same-node',
      'debug SIDE-web --set-image=a=b',
      'debug SIDE-web --copy-to=x',
      'debug SIDE-web --copy-to=x --target=SIDE-web --image=busybox',
      'debug SIDE-web --attach=true',
      'debug SIDE-nope --image=busybox --profile=general',
      'debug deploy/nope --image=busybox --profile=general',
      'debug svc/kubernetes --image=busybox --profile=general',
    ]) {
      await sameAsReal(line)
    }
    expect((await podJson('ours-web')).spec.ephemeralContainers).toBeUndefined()
  })

  it('adds an ephemeral container shaped by each profile, which the kubelet runs to its end', async () => {
    const lines = [
      'debug SIDE-web --image=busybox -- echo hi',
      'debug SIDE-web --image=busybox --profile=general -- sh -c "exit 3"',
      'debug SIDE-web --image=busybox --profile=baseline --target=SIDE-web -- sleep 3600',
      'debug SIDE-web --image=busybox --profile=restricted -q -- sleep 3600',
      'debug SIDE-web -c SIDE-net --image=busybox --profile=netadmin --env=A=1 --image-pull-policy=IfNotPresent -- sleep 3600',
      'debug SIDE-web -c SIDE-sys --image=busybox:1.36 --profile=sysadmin --arguments-only -- sleep 3600',
    ]
    for (const line of lines) await sameAsReal(line)
    // An existing name: the server refuses the change (ephemeral containers are immutable), with a blank line after its message as kubectl prints it.
    const again = await sameAsReal('debug SIDE-web -c SIDE-net --image=busybox --profile=baseline')
    expect(again.stderr).toMatch(/may not be changed\n\n$/)
    const [real, mine] = [await podJson('real-web'), await podJson('ours-web')]
    expect(debugView(mine).spec.ephemeralContainers).toEqual(debugView(real).spec.ephemeralContainers)
    // The kubelet ends each with its command: echo → Completed 0, exit 3 → Error 3, sleeps run on.
    const states = (pod: Json) => (pod.status.ephemeralContainerStatuses as Json[]).map((status) => Object.keys(status.state)[0] === 'terminated' ? `${status.state.terminated.reason} ${status.state.terminated.exitCode}` : Object.keys(status.state)[0]).sort()
    for (const pod of ['real-web', 'ours-web']) {
      await expect.poll(async () => states(await podJson(pod)), {timeout: 60_000}).toEqual(['Completed 0', 'Error 3', 'running', 'running', 'running', 'running'])
    }
    const first = (await podJson('ours-web')).spec.ephemeralContainers[0].name
    expect((await ours(`logs ours-web -c ${first}`)).stdout).toBe('hi\n')
  })

  it('copies the pod as each profile and the --keep-* flags say, and debugs a node from a pod in its namespaces', async () => {
    for (const line of [
      'debug SIDE-web --copy-to=SIDE-c1 --image=busybox --keep-labels -- sleep 3600',
      'debug SIDE-web --copy-to=SIDE-c2 --image=busybox --profile=general --keep-labels --keep-annotations -- sleep 3600',
      'debug SIDE-web --copy-to=SIDE-c3 --profile=general --set-image=SIDE-web=nginx:1.25 --same-node --share-processes=false',
      'debug SIDE-web --copy-to=SIDE-c4 -c SIDE-web --profile=baseline -- sh -c true',
      'debug node/worker-1 --image=busybox -c SIDE-dbg --profile=sysadmin -q -- ls /host',
    ]) {
      await sameAsReal(line)
    }
    for (const copy of ['c1', 'c2', 'c3', 'c4']) expect(debugView(await podJson(`ours-${copy}`))).toEqual(debugView(await podJson(`real-${copy}`)))
    const nodePods = (JSON.parse((await ours('get pods -o json')).stdout) as {items: Json[]}).items.filter((pod) => String(pod.metadata.name).startsWith('node-debugger-worker-1-'))
    expect(nodePods.map((pod) => pod.spec.containers[0].name).sort()).toEqual(['ours-dbg', 'real-dbg'])
    const byContainer = (name: string) => nodePods.find((pod) => pod.spec.containers[0].name === name)!
    expect(debugView(byContainer('ours-dbg'))).toEqual(debugView(byContainer('real-dbg')))
    expect(byContainer('ours-dbg').spec).toMatchObject({hostPID: true, hostNetwork: true, hostIPC: true, nodeName: 'worker-1', volumes: expect.arrayContaining([{name: 'host-root', hostPath: {path: '/', type: ''}}])})
  })

  it("attaches with -i: the command's output, or the node pod's; and -it is a terminal session that ends when its shell exits", async () => {
    await sameAsReal('debug -i SIDE-web --image=busybox --profile=general -- echo piped')
    await sameAsReal('debug -i node/worker-2 --image=busybox --profile=general -- echo on-the-node')
    for (const client of [{name: 'real', command: realKubectl, args: [`--kubeconfig=${cluster.kubeconfig}`]}, {name: 'ours', command: kubemu, args: ['kubectl']}]) {
      const session = onTerminal(client, `debug -it ${client.name}-web --image=busybox --profile=general -- sh`, cluster.env)
      await session.shows("If you don't see a command prompt, try pressing enter.\n")
      session.terminal.write('echo from-debug\r')
      await session.shows('\nfrom-debug\n')
      session.terminal.write('exit\r')
      await session.shows('kubectl 0')
      session.terminal.endInput()
      expect(masked(session.shown())).toMatch(/Session ended, the ephemeral container will not be restarted but may be reattached using 'kubectl attach SIDE-web -c debugger-XXXXX -i -t' if it is still running\n/)
    }
  })

  it('works one-shot too: the container runs and ends as the command drives the cluster', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    const oneShot = (line: string, stdin?: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: home, env, stdin})
    expect((await oneShot('run web --image=nginx')).status).toBe(0)
    expect(await oneShot('debug web --image=busybox --profile=general -- echo hi')).toMatchObject({status: 0, stdout: expect.stringMatching(/^Defaulting debug container name to debugger-[a-z0-9]{5}\.\n$/)})
    expect(await oneShot("get pod web -o jsonpath='{.status.ephemeralContainerStatuses[0].state.terminated.reason}'")).toMatchObject({status: 0, stdout: 'Completed'})
    expect(await oneShot('debug -i -q web --image=busybox --profile=general -- sh', 'echo typed\nexit\n')).toMatchObject({status: 0, stdout: 'typed\n'})
  })

  it('ends an attached shell on a seeded cluster, whose clock stands still between commands (the wait settles the loops)', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '11'}
    const oneShot = (line: string, stdin?: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: home, env, stdin})
    expect(await oneShot('run -i p --image=busybox --restart=Never -- sh', 'echo typed\nexit 3\n')).toMatchObject({status: 3, stdout: 'typed\n'})
    expect((await oneShot('run web --image=nginx')).status).toBe(0)
    expect(await oneShot('debug -i -q web --image=busybox --profile=general -- sh', 'echo typed\nexit\n')).toMatchObject({status: 0, stdout: 'typed\n'})
  })
})
