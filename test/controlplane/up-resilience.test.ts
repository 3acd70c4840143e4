// `kubemu up` never dies from what a client does: the real etcdctl wipes the keyspace through
// up's etcd front door, up stays, and within the bootstrap controllers' period on the cluster
// clock kubemu's kubectl and the real kubectl read `default` again; the loops carry on (a node
// registered afterwards runs a Deployment).
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {systemObjectsIntervalMilliseconds} from '../../src/core/apiserver/bootstrap-controller.js'
import {defaultNodes, nodeObject} from '../../src/core/apiserver/bootstrap.js'
import {runUp} from '../../src/core/host/up.js'
import {mountWebPage} from '../../src/core/ui/mount.js'
import {SteppedClock} from '../../src/core/util/clock.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

/** `up` in this process on a clock the test moves, with its log kept and watched. */
class InProcessUp {
  readonly lines: string[] = []
  readonly clock = new SteppedClock(Date.now())
  private readonly stop = new AbortController()
  private readonly waiting: Array<{pattern: RegExp; resolve: () => void}> = []
  readonly finished: Promise<void>
  failure: unknown = null

  constructor(home: string) {
    this.finished = runUp({
      environment: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''},
      port: 0,
      etcdPorts: [0, 0, 0],
      clock: this.clock,
      signal: this.stop.signal,
      webPage: mountWebPage,
      log: (line) => {
        this.lines.push(line)
        for (const entry of [...this.waiting]) {
          if (entry.pattern.test(line)) {
            this.waiting.splice(this.waiting.indexOf(entry), 1)
            entry.resolve()
          }
        }
      },
    }).catch((error: unknown) => {
      this.failure = error
    })
  }

  /** Resolves at the first log line (from now on) that matches. */
  next(pattern: RegExp): Promise<void> {
    return new Promise((resolve) => this.waiting.push({pattern, resolve}))
  }

  /** Moves the clock in steps of the loops' tick, each once something sleeps again. */
  async advance(milliseconds: number, stepMilliseconds = 250): Promise<void> {
    for (let passed = 0; passed < milliseconds; passed += stepMilliseconds) {
      const sleeping = this.clock.nextSleep()
      this.clock.advance(stepMilliseconds)
      await sleeping
    }
  }

  async close(): Promise<void> {
    this.stop.abort()
    await this.finished
  }
}

describe('kubemu up under what a client writes to etcd', () => {
  const ups: InProcessUp[] = []
  afterAll(async () => {
    for (const up of ups) await up.close()
  })
  /** Starts `up` and resolves once it leads. */
  const startUp = async (home: string): Promise<InProcessUp> => {
    let up!: InProcessUp
    await new Promise<void>((resolve) => {
      up = new InProcessUp(home)
      void up.next(/leader election: \S+ leads/).then(resolve)
    })
    ups.push(up)
    return up
  }

  it('stays up, writes the bootstrap objects again within their period, and its loops carry on', async () => {
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', ETCDCTL_API: '3'}
    const up = await startUp(home)
    const kubectl = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment})
    const kubeconfig = join(home, 'default', 'kubeconfig')
    const real = (line: string) => runShell(`kubectl --kubeconfig=${kubeconfig} ${line}`, {cwd: home, env: environment})
    expect(await kubectl('get ns default -o name')).toMatchObject({status: 0, stdout: 'namespace/default\n'})

    const endpoint = /etcdctl --endpoints=([^,\s]+)/.exec(up.lines.join('\n'))![1]!
    const wiped = await runShell(`etcdctl --endpoints=${endpoint} del "" --prefix`, {cwd: home, env: environment})
    expect(wiped.status).toBe(0)
    expect(Number(wiped.stdout)).toBeGreaterThan(50)
    // Two seconds, each two seconds the electors' Lease is missing: reported once per master's candidate, not fatal.
    await up.advance(4_000)
    expect(up.lines.filter((line) => / leader election: \S+ for kube-scheduler: namespaces "kube-system" not found; trying again every 2 s$/.test(line))).toHaveLength(3)
    expect(await kubectl('get ns default')).toMatchObject({status: 1, stderr: 'Error from server (NotFound): namespaces "default" not found\n'})

    const rewritten = up.next(/ kube-apiserver: wrote again what was missing: namespace default, kube-system, kube-public, kube-node-lease; /)
    await up.advance(systemObjectsIntervalMilliseconds)
    await rewritten
    expect(up.failure).toBeNull()
    expect(await kubectl('get ns default -o name')).toMatchObject({status: 0, stdout: 'namespace/default\n'})
    expect(await real('get ns default -o name')).toMatchObject({status: 0, stdout: 'namespace/default\n'})
    expect(await real('get svc kubernetes -o jsonpath={.spec.clusterIP}')).toMatchObject({status: 0, stdout: '10.96.0.1'})
    expect((await real('get clusterrole cluster-admin -o name')).stdout).toBe('clusterrole.rbac.authorization.k8s.io/cluster-admin\n')

    // The loops carry on: the electors lead again, the ServiceAccount controller saw the namespaces
    // come back, and a node added now runs a Deployment.
    await up.advance(2_000)
    expect(up.lines.filter((line) => / leader election: \S+ leads/.test(line)).length).toBeGreaterThanOrEqual(1)
    expect(await kubectl('get serviceaccount default -n kube-system -o name')).toMatchObject({status: 0, stdout: 'serviceaccount/default\n'})
    // A node registers (as its kubelet would, and as `kubemu node add` writes it).
    const node = nodeObject({...defaultNodes().find((definition) => definition.name === 'worker-1')!, name: 'worker-9'}, up.clock.nowMilliseconds())
    expect(await runShell(`${kubemu} kubectl create -f -`, {cwd: home, env: environment, stdin: JSON.stringify(node)})).toMatchObject({status: 0, stdout: 'node/worker-9 created\n'})
    expect((await kubectl('create deployment web --image=nginx --replicas=2')).stdout).toBe('deployment.apps/web created\n')
    let ready = ''
    for (let second = 0; second < 120 && ready !== '2'; second++) {
      await up.advance(1_000)
      ready = (await kubectl("get deployment web -o jsonpath='{.status.readyReplicas}'")).stdout
    }
    expect(ready).toBe('2')
    expect(up.failure).toBeNull()
  }, 240_000)

  it('answers lists that meet an undecodable object as kube-apiserver does, and its loops go on', async () => {
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', ETCDCTL_API: '3'}
    const up = await startUp(home)
    const kubectl = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment})
    const real = (line: string) => runShell(`kubectl --kubeconfig=${join(home, 'default', 'kubeconfig')} ${line}`, {cwd: home, env: environment})
    const etcdctl = (line: string) => runShell(`${kubemu} etcdctl ${line}`, {cwd: home, env: environment})

    const failing = up.next(/ informer of namespaces: .*illegal base64 data at input byte 4; the loops that read it go on with its cache as it was; next try in /)
    expect(await etcdctl('put /registry/namespaces/x garbage')).toMatchObject({status: 0, stdout: 'OK\n'})
    const refused = {status: 1, stdout: '', stderr: 'Error from server: illegal base64 data at input byte 4\n'}
    expect(await kubectl('get ns')).toEqual(refused)
    expect(await kubectl('get ns x')).toEqual(refused)
    expect(await real('get ns')).toEqual(refused)
    expect(await kubectl('get ns default -o name')).toMatchObject({status: 0, stdout: 'namespace/default\n'})
    await up.advance(1_000)
    await failing

    // The scheduler, the controllers and the kubelets go on.
    expect((await kubectl('create deployment web --image=nginx --replicas=1')).status).toBe(0)
    let ready = ''
    for (let second = 0; second < 120 && ready !== '1'; second++) {
      await up.advance(1_000)
      ready = (await kubectl("get deployment web -o jsonpath='{.status.readyReplicas}'")).stdout
    }
    expect(ready).toBe('1')

    const listed = up.next(/ informer of namespaces: listed again$/)
    expect(await etcdctl('del /registry/namespaces/x')).toMatchObject({status: 0, stdout: '1\n'})
    await up.advance(30_000, 1_000)
    await listed
    expect(await kubectl('get ns x')).toMatchObject({status: 1, stderr: 'Error from server (NotFound): namespaces "x" not found\n'})
    expect(up.failure).toBeNull()
  }, 240_000)

  it('one-shot: a command that meets an undecodable object fails as kube-apiserver answers, and a write still settles', async () => {
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    const kubectl = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment})
    expect((await kubectl('get ns')).status).toBe(0)
    expect(await runShell(`${kubemu} etcdctl put /registry/namespaces/x garbage`, {cwd: home, env: environment})).toMatchObject({status: 0})
    expect(await kubectl('get ns')).toEqual({status: 1, stdout: '', stderr: 'Error from server: illegal base64 data at input byte 4\n'})
    expect(await kubectl('create configmap settings --from-literal=a=b')).toEqual({
      status: 0,
      stdout: 'configmap/settings created\n',
      stderr: 'Warning: informer of namespaces: illegal base64 data at input byte 4; the loops that read it wait until it lists\n',
    })
  }, 60_000)
})
