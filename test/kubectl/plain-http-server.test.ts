// --server naming up's plain-HTTP port beside the real kubectl 1.32: clientcmd hands the user's
// credentials (token, client certificate) to https servers only, so both reach it as
// system:anonymous and are refused alike (the discovery errors, whoami's own words); --as still
// goes along. A --server flag names the cluster whatever the kubeconfig's own folder is.
import {readFileSync} from 'node:fs'
import {createServer, type IncomingHttpHeaders} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'
import {describe, expect, it} from 'vitest'
import {realKubectlFound} from '../support/real-kubectl.js'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

/** klog's header (time, pid) masked. */
const masked = (text: string) => text.replace(/^([IWE])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /gm, '$1 ')

describe.runIf(realKubectlFound)('a plain-HTTP server beside the real kubectl', () => {
  const {ours, real, home} = kubectlsOnUp()

  it('sends no token over plain HTTP, as clientcmd does, and answers the refusals alike', async () => {
    const url = (JSON.parse(readFileSync(join(home(), 'default', 'up.json'), 'utf8')) as {url: string}).url
    expect(url).toMatch(/^http:\/\//)
    for (const line of [`--server ${url} get namespaces`, `--server ${url} auth whoami`, `--server ${url} get namespaces --as=bob`, `--server ${url} auth can-i list pods`, `--server ${url} get --raw /api/v1/namespaces/default --token=abc`]) {
      const [theirs, own] = [await real(line), await ours(line)]
      expect({line, status: own.status, stdout: own.stdout, stderr: masked(own.stderr)}).toEqual({line, status: theirs.status, stdout: theirs.stdout, stderr: masked(theirs.stderr)})
      expect(theirs.status).toBe(1)
    }
  }, 60_000)

  it('sends a command with --server to that server, not to the home cluster: a closed port is refused, as kubectl refuses it', async () => {
    for (const line of ['--server http://127.0.0.1:1 get pods', '--server http://127.0.0.1:1 auth can-i list pods', '--server https://127.0.0.1:1 get namespaces -o name']) {
      const [theirs, own] = [await real(line), await ours(line)]
      expect({line, status: own.status, stdout: own.stdout, stderr: masked(own.stderr)}).toEqual({line, status: theirs.status, stdout: theirs.stdout, stderr: masked(theirs.stderr)})
      expect(theirs.stderr).toContain('The connection to the server 127.0.0.1:1 was refused')
    }
  }, 60_000)

  it("never sends a credential to a foreign plain-HTTP server, the home's own admin token included", async () => {
    const seen: IncomingHttpHeaders[] = []
    const server = createServer((request, response) => {
      seen.push(request.headers)
      response.writeHead(404, {'content-type': 'text/plain'}).end('404 page not found')
    })
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening))
    try {
      const port = (server.address() as AddressInfo).port
      const fresh = temporaryFolder()
      const result = await runShell(`${kubemu} kubectl --server http://127.0.0.1:${port} get namespaces`, {cwd: fresh, env: {...process.env, KUBEMU_HOME: fresh, KUBECONFIG: ''}})
      expect(result.status).not.toBe(0)
      expect(seen.filter((headers) => headers.authorization !== undefined)).toEqual([])
    } finally {
      server.close()
    }
  }, 60_000)
})
