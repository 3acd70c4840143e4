// kubectl port-forward against `kubemu up`, with the real kubectl 1.32 (SPDY in WebSocket, and its
// SPDY fallback) and kubemu's own: the forwarded port reaches the pod's simulated server; a port
// nothing listens on, and a pod not running, fail as kubectl shows them on a real cluster.
import {type ChildProcess, spawn} from 'node:child_process'
import {request} from 'node:http'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startUpWithKubectls, type UpKubectls} from '../support/up-kubectls.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl} from '../support/real-kubectl.js'


/** A port-forward process and its output so far. */
class Forwarder {
  stdout = ''
  stderr = ''
  readonly exited: Promise<number | null>
  private readonly waiting: Array<() => void> = []

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk
      for (const wake of this.waiting.splice(0)) wake()
    })
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk))
    this.exited = new Promise((resolve) => child.on('exit', resolve))
  }

  /** Resolves once stdout matches (the test's timeout bounds the wait). */
  async until(pattern: RegExp): Promise<RegExpExecArray> {
    for (;;) {
      const match = pattern.exec(this.stdout)
      if (match) return match
      if (this.child.exitCode !== null) throw new Error(`port-forward exited ${this.child.exitCode}: ${this.stderr}`)
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve)
        this.child.once('exit', () => resolve())
      })
    }
  }

  stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGINT')
    return this.exited
  }
}

function get(url: string): Promise<{status: number; body: string} | {error: string}> {
  return new Promise((resolve) => {
    const sent = request(url, {agent: false}, (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({status: response.statusCode ?? 0, body}))
    })
    sent.on('error', (error: NodeJS.ErrnoException) => resolve({error: error.code ?? error.message}))
    sent.end()
  })
}

describe('kubectl port-forward', () => {
  const ups = upProcessesOfSuite()
  let cluster: UpKubectls
  const forwarders: Forwarder[] = []
  const env = () => ({...process.env, KUBEMU_HOME: cluster.up.home, KUBECONFIG: ''})
  const real = (args: string[], extraEnv: Record<string, string> = {}) => {
    const forwarder = new Forwarder(spawn(realKubectl, [`--kubeconfig=${join(cluster.up.home, 'default', 'kubeconfig')}`, 'port-forward', ...args], {env: {...env(), ...extraEnv}}))
    forwarders.push(forwarder)
    return forwarder
  }
  const ours = (args: string[]) => {
    const forwarder = new Forwarder(spawn(kubemu, ['kubectl', 'port-forward', ...args], {env: env()}))
    forwarders.push(forwarder)
    return forwarder
  }

  beforeAll(async () => {
    cluster = await startUpWithKubectls()
    ups.push(cluster.up)
    const applied = await cluster.real('run web --image=nginx --port=80 --labels=app=web')
    expect(applied.stderr).toBe('')
    await cluster.real('expose pod web --name=web --port=8000 --target-port=80')
    await cluster.real('run agnhost --image=registry.k8s.io/e2e-test-images/agnhost:2.53 -- netexec --http-port=8080')
    expect((await cluster.real(`run pending --image=nginx '--overrides={"spec":{"nodeSelector":{"nowhere":"true"}}}'`)).stderr).toBe('')
    const waited = await cluster.real('wait --for=condition=Ready pod/web pod/agnhost --timeout=60s')
    expect(waited.stderr).toBe('')
  })

  afterAll(async () => {
    for (const forwarder of forwarders) await forwarder.stop()
  })

  for (const [client, extraEnv] of [['real kubectl (WebSocket)', {}], ['real kubectl (SPDY fallback)', {KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false'}], ['kubemu kubectl', null]] as const) {
    it(`${client}: a pod's port reaches its server, once per connection`, async () => {
      const args = ['pod/web', ':80', '--address=127.0.0.1']
      const forwarder = extraEnv === null ? ours(args) : real(args, extraEnv)
      const port = Number((await forwarder.until(/^Forwarding from 127\.0\.0\.1:(\d+) -> 80$/m))[1])
      for (let attempt = 0; attempt < 3; attempt++) {
        const answer = await get(`http://127.0.0.1:${port}/`)
        expect(answer).toMatchObject({status: 200})
        expect('body' in answer && answer.body).toContain('<title>Welcome to nginx!</title>')
      }
      expect(await get(`http://127.0.0.1:${port}/missing`)).toMatchObject({status: 404})
      await forwarder.until(/(Handling connection for \d+\n[^]*){4}/)
      expect(forwarder.stdout.match(/Handling connection for (\d+)/g)).toEqual(Array(4).fill(`Handling connection for ${port}`))
      expect(await forwarder.stop()).not.toBeNull()
    })
  }

  it("nginx's access log names the forwarded requests' client as the loopback the runtime dials from", async () => {
    const logs = await cluster.real('logs web')
    const forwarded = logs.stdout.split('\n').filter((line) => line.startsWith('127.0.0.1 '))
    // Three clients above, each three pages and a missing one (Node's http sends no User-Agent).
    expect(forwarded.map((line) => line.replace(/\[[^\]]+\]/, '[TIME]'))).toEqual(
      Array(3).fill([...Array(3).fill('127.0.0.1 - - [TIME] "GET / HTTP/1.1" 200 615 "-" "-" "-"'), '127.0.0.1 - - [TIME] "GET /missing HTTP/1.1" 404 153 "-" "-" "-"']).flat(),
    )
  })

  it('forwards a Service port to the port it targets, several ports at once, on both loopbacks', async () => {
    for (const forwarder of [real(['svc/web', ':8000']), ours(['svc/web', ':8000'])]) {
      const match = await forwarder.until(/^Forwarding from 127\.0\.0\.1:(\d+) -> 80\nForwarding from \[::1\]:\1 -> 80$/m)
      expect(await get(`http://127.0.0.1:${match[1]}/`)).toMatchObject({status: 200})
      expect(await get(`http://[::1]:${match[1]}/`)).toMatchObject({status: 200})
    }
    const agnhost = ours(['agnhost', ':8080', ':80'])
    const port = Number((await agnhost.until(/^Forwarding from 127\.0\.0\.1:(\d+) -> 8080$/m))[1])
    const answer = await get(`http://127.0.0.1:${port}/hostname`)
    expect(answer).toEqual({status: 200, body: 'agnhost'})
  })

  it('a Service port the Service lacks: kubectl refuses before listening', async () => {
    for (const result of [await cluster.real('port-forward svc/web 18000:80'), await cluster.ours('port-forward svc/web 18000:80')]) {
      expect(result.stderr).toBe('error: Service web does not have a service port 80\n')
      expect(result.status).toBe(1)
    }
  })

  it('a port nothing listens on: the runtime refuses, kubectl logs it and loses the connection', async () => {
    for (const forwarder of [real(['pod/web', ':81', '--address=127.0.0.1']), ours(['pod/web', ':81', '--address=127.0.0.1'])]) {
      const port = Number((await forwarder.until(/^Forwarding from 127\.0\.0\.1:(\d+) -> 81$/m))[1])
      expect(await get(`http://127.0.0.1:${port}/`)).toEqual({error: 'ECONNRESET'})
      expect(await forwarder.exited).toBe(1)
      expect(forwarder.stderr).toMatch(
        /^E\d{4} [\d:.]+ +\d+ portforward\.go:\d+\] "Unhandled Error" err="an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod [0-9a-f]{64}, uid : failed to execute portforward in network namespace \\"\/var\/run\/netns\/cni-[0-9a-f-]{36}\\": failed to connect to localhost:81 inside namespace \\"[0-9a-f]{64}\\", IPv4: dial tcp4 127\.0\.0\.1:81: connect: connection refused IPv6 dial tcp6 \[::1\]:81: connect: connection refused "$/m,
      )
      expect(forwarder.stderr).toMatch(/\nerror: lost connection to pod\n$/)
    }
  })

  it('a pod not running: kubectl says so', async () => {
    for (const result of [await cluster.real('port-forward pod/pending 18001:80'), await cluster.ours('port-forward pod/pending 18001:80')]) {
      expect(result.stderr).toBe('error: unable to forward port because pod is not running. Current status=Pending\n')
      expect(result.status).toBe(1)
    }
  })
})
