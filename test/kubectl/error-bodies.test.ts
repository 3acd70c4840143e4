// What kubectl prints of an error answer, beside the real kubectl 1.32: a refused token asks to
// log in (`error: You must be logged in to the server (Unauthorized)`), through `up` and one-shot;
// an error body that is no Status becomes client-go's generic error, from at most the body's first
// 2048 bytes (cut even inside a character, which Go's %q then names byte by byte), `unknown` for a
// body that is not text, and client-go's own words for a 406 that says nothing.
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {errorLine, errorStatus, ServerError} from '../../src/core/kubectl/errors.js'
import {realKubectl, realKubectlFound} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'

interface Answer {
  readonly code: number
  readonly contentType: string | null
  readonly body: string
}

/** 2,046 bytes, then a euro sign (3 bytes) the cap cuts after its second byte. */
const cutInsideCharacter = `${'x'.repeat(2046)}€€tail`
const answers: Record<string, Answer> = {
  'long-text-500': {code: 500, contentType: 'text/plain; charset=utf-8', body: `${'x'.repeat(2045)}€${'y'.repeat(3000)}\n`},
  'long-text-500-ascii': {code: 500, contentType: 'text/plain; charset=utf-8', body: `  ${'a'.repeat(2100)}`},
  'cut-inside-500': {code: 500, contentType: 'text/plain', body: cutInsideCharacter},
  'long-text-403': {code: 403, contentType: 'text/plain', body: `${'forbidden '.repeat(300)}`},
  'empty-406': {code: 406, contentType: null, body: ''},
  'spaces-406': {code: 406, contentType: 'text/plain', body: ' \n only json \n'},
  'json-406': {code: 406, contentType: 'application/json', body: '{"a":1}'},
  'json-500': {code: 500, contentType: 'application/json', body: '{"kind":"NotStatus"}'},
  'html-503': {code: 503, contentType: 'text/html', body: '<html>down</html>\n'},
}

describe.runIf(realKubectlFound !== undefined)('error bodies that are no Status, beside the real kubectl', () => {
  let server: Server
  let port = 0
  const home = temporaryFolder()

  beforeAll(async () => {
    server = createServer((request, response) => {
      const answer = answers[(request.url ?? '').replace(/^\/|\?.*$/g, '')] ?? {code: 404, contentType: null, body: ''}
      response.writeHead(answer.code, answer.contentType === null ? {} : {'content-type': answer.contentType})
      response.end(answer.body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('prints what client-go makes of them', async () => {
    for (const [path, answer] of Object.entries(answers)) {
      const theirs = await runShell(`${realKubectl} --server=http://127.0.0.1:${port} --cache-dir=${home}/cache get --raw /${path}`, {cwd: home, env: {...process.env, KUBECONFIG: ''}})
      // What kubemu's HTTP client hands kubectl: a text body as text, a JSON one parsed.
      const body = answer.contentType?.startsWith('application/json') ? JSON.parse(answer.body) : answer.body
      const ours = errorLine(new ServerError(errorStatus(answer.code, body, 'GET', answer.contentType ?? undefined)))
      expect({path, stderr: ours}).toEqual({path, stderr: theirs.stderr})
      expect(theirs.status).toBe(1)
    }
  })
})

describe.runIf(realKubectlFound !== undefined)('a refused token, beside the real kubectl', {timeout: 120_000}, () => {
  const processes = upProcessesOfSuite()
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const kubeconfig = `${home}/default/kubeconfig`
  const loginLine = 'error: You must be logged in to the server (Unauthorized)\n'

  beforeAll(async () => {
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leads kube-controller-manager/)
  })

  it('asks to log in, through up and one-shot', async () => {
    const real = (line: string) => runShell(`timeout 60 ${realKubectl} --kubeconfig=${kubeconfig} --cache-dir=${home}/real-cache ${line}`, {cwd: home, env})
    const ours = (line: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: home, env})
    // Both with their discovery cached, as after any earlier command.
    for (const tool of [real, ours]) expect((await tool('get pods')).status).toBe(0)
    const [theirs, mine] = [await real('--token=bogus get pods'), await ours('--token=bogus get pods')]
    expect(mine).toEqual(theirs)
    expect(mine).toEqual({status: 1, stdout: '', stderr: loginLine})
    // version prints the client's lines, then discovery's generic words for the refusal.
    // (The real binary's patch release is its own: the client's version line is masked.)
    const patchMasked = (result: {status: number | null; stdout: string; stderr: string}) => ({...result, stdout: result.stdout.replace(/v1\.32\.\d+/, 'v1.32.x')})
    const versions = [patchMasked(await real('--token=bogus version')), patchMasked(await ours('--token=bogus version'))]
    expect(versions[1]).toEqual(versions[0])
    expect(versions[1]).toMatchObject({status: 1, stderr: 'error: You must be logged in to the server (the server has asked for the client to provide credentials)\n'})
    const oneShotHome = temporaryFolder()
    const oneShot = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: oneShotHome, env: {...process.env, KUBEMU_HOME: oneShotHome, KUBECONFIG: ''}})
    expect((await oneShot('get pods')).status).toBe(0)
    expect(await oneShot('--token=bogus get pods')).toEqual({status: 1, stdout: '', stderr: loginLine})
  })
})
