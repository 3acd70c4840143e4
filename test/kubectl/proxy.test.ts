// kubectl proxy beside the real kubectl 1.32's against `kubemu up`: the same answers for the API
// (under a prefix or not), the request filter, a folder's static files and what is not there, the
// same errors for bad flags; one-shot, the proxy serves a cluster that keeps running.
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {realKubectl, upWithRealKubectl, type UpWithRealKubectl} from '../support/up-with-real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'

interface Proxy {
  readonly child: ChildProcess
  readonly url: string
  stop(): Promise<{status: number | null; signal: string | null}>
}

/** Starts a proxy (argv after the program) and waits for its "Starting to serve on" line. */
function startProxy(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Proxy> {
  const child = spawn(argv[0]!, argv.slice(1), {cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
  const exited = new Promise<{status: number | null; signal: string | null}>((resolve) => child.on('exit', (status, signal) => resolve({status, signal})))
  return new Promise((resolve, reject) => {
    let output = ''
    let errors = ''
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk))
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      const serving = /^Starting to serve on (127\.0\.0\.1:\d+)\n/.exec(output)
      if (serving) resolve({child, url: `http://${serving[1]}`, stop: () => (child.kill('SIGINT'), exited)})
    })
    void exited.then(() => reject(new Error(`the proxy ended before serving: ${output}${errors}`)))
  })
}

/** What a client sees of an answer: status, content type and body (headers' order and dates differ). */
async function fetched(url: string, init: RequestInit = {}) {
  const response = await fetch(url, {...init, redirect: 'manual'})
  return {status: response.status, type: response.headers.get('content-type'), location: response.headers.get('location'), body: await response.text()}
}

describe.runIf(existsSync(realKubectl))('kubectl proxy beside the real kubectl', {timeout: 180_000}, () => {
  const processes = upProcessesOfSuite()
  let up: UpWithRealKubectl

  beforeAll(async () => {
    up = await upWithRealKubectl(processes)
    mkdirSync(join(up.home, 'www', 'sub'), {recursive: true})
    writeFileSync(join(up.home, 'www', 'hello.txt'), 'hello\n')
    writeFileSync(join(up.home, 'www', 'sub', 'page.html'), '<p>page</p>\n')
  }, 120_000)

  it('answers as the real proxy does, through up', async () => {
    for (const flags of [['--www', 'www'], ['--api-prefix=/custom', '--www=www', '--www-prefix=/s'], ['--api-prefix=/api2'], ['--reject-methods=POST', '--accept-paths=^/api/v1/namespaces']]) {
      const theirs = await startProxy([realKubectl, `--kubeconfig=${up.kubeconfig}`, 'proxy', '--port=0', ...flags], up.home, up.env)
      const ours = await startProxy([kubemu, 'kubectl', 'proxy', '--port=0', ...flags], up.home, up.env)
      try {
        for (const path of ['/api', '/api/v1/namespaces/default', '/api/v1/namespaces/nope', '/custom/api', '/custom', '/custom?a=1', '/api2/api', '/static', '/static/', '/static/hello.txt', '/static/sub/', '/static/sub', '/static/nothing', '/s/hello.txt', '/s', '/nothing', '/api/v1/namespaces/default/pods/x/exec', '/version']) {
          expect({flags, path, ...(await fetched(`${ours.url}${path}`))}).toEqual({flags, path, ...(await fetched(`${theirs.url}${path}`))})
        }
        // The filter: another Host, a rejected method.
        const foreign = {headers: {host: 'evil.example'}}
        expect(await fetched(`${ours.url}/api`, foreign)).toEqual(await fetched(`${theirs.url}/api`, foreign))
        const post = {method: 'POST', headers: {'content-type': 'application/json'}, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}'}
        const [mine, real] = [await fetched(`${ours.url}/api/v1/namespaces/nope/configmaps`, post), await fetched(`${theirs.url}/api/v1/namespaces/nope/configmaps`, post)]
        expect(mine).toEqual(real)
      } finally {
        await Promise.all([theirs.stop(), ours.stop()])
      }
    }
  })

  it('refuses bad flags as the real kubectl does', async () => {
    const klogHeader = /^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /
    for (const flags of ['--port=-5', '--port=70000', '-u sock -p 0', '--address=1.2.3.4 --port=0', '--address=::1 --port=0', '--port=abc', "--port=0 --accept-paths='(['", "--port=0 --reject-methods='('"]) {
      const [theirs, ours] = [await up.real(`proxy ${flags}`), await runShell(`timeout 60 ${kubemu} kubectl proxy ${flags}`, {cwd: up.home, env: up.env})]
      const view = (result: typeof theirs) => ({flags, status: result.status, stdout: result.stdout, stderr: result.stderr.split('\n')[0]!.replace(klogHeader, '$1 ')})
      expect(view(ours)).toEqual(view(theirs))
    }
  })

  it('serves a one-shot cluster that keeps running while it serves', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    const proxy = await startProxy([kubemu, 'kubectl', 'proxy', '--port=0'], home, env)
    try {
      const created = await fetched(`${proxy.url}/api/v1/namespaces/default/pods`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'through-proxy'}, spec: {containers: [{name: 'c', image: 'nginx'}]}})})
      expect(created.status).toBe(201)
      // The loops run while the proxy serves: the pod is scheduled and starts (bounded by the test's timeout).
      let phase = ''
      for (let attempt = 0; attempt < 20_000 && phase !== 'Running'; attempt++) {
        phase = (JSON.parse((await fetched(`${proxy.url}/api/v1/namespaces/default/pods/through-proxy`)).body) as {status?: {phase?: string}}).status?.phase ?? ''
      }
      expect(phase).toBe('Running')
    } finally {
      expect((await proxy.stop()).status).toBe(130)
    }
    expect((await runShell(`${kubemu} kubectl get pod through-proxy -o jsonpath='{.status.phase}'`, {cwd: home, env})).stdout).toBe('Running')
  })
})
