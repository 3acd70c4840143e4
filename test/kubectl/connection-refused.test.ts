// When nothing listens at the kubeconfig's server, kubemu's kubectl says what kubectl 1.32 says
// there: discovery's "Unhandled Error" lines (as many as the verb's kubectl tries), cluster-info's
// hint, then "The connection to the server … was refused", exit 1. One-shot with every master
// stopped no API server runs (the front port refuses); the real kubectl dials the same kubeconfig
// with its server moved to a port where nothing listens (the port masked back, so the comparison
// never depends on what else this machine serves at 6443). Also with no kubeconfig at all (the
// server given as --server, on such a port, to both). Each command in a fresh HOME (a cold discovery
// cache); klog's time and process id masked.
import {createServer} from 'node:net'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'
import {realKubectl} from '../support/real-kubectl.js'


/** A port nothing listens at: one the system gave, closed again. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** klog's time and process id masked; client-go's feature gates (Go prints them in its map's random order) sorted. */
const masked = (text: string) => {
  const lines = text.replace(/^([IE])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /gm, '$1 ').split('\n')
  const gates = lines.filter((line) => line.includes('Feature gate')).sort()
  return lines.map((line) => (line.includes('Feature gate') ? gates.shift()! : line)).join('\n')
}

describe.runIf(existsSync(realKubectl))('kubectl against a server that refuses, beside the real kubectl', () => {
  let home: string
  let kubeconfig: string
  /** The kubeconfig with its server at a closed port, for the real kubectl, and that port. */
  let refusingKubeconfig: string
  let refusingPort: number
  const env = (extra: NodeJS.ProcessEnv = {}) => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: '', HOME: temporaryFolder(), ...extra})

  beforeAll(async () => {
    home = temporaryFolder()
    kubeconfig = join(home, 'default', 'kubeconfig')
    expect((await runShell(`${kubemu} kubectl get ns`, {cwd: home, env: env()})).status).toBe(0)
    for (const master of ['control-plane', 'control-plane2', 'control-plane3']) expect((await runShell(`${kubemu} master stop ${master}`, {cwd: home, env: env()})).status).toBe(0)
    refusingPort = await closedPort()
    refusingKubeconfig = join(home, 'refusing-kubeconfig')
    writeFileSync(refusingKubeconfig, readFileSync(kubeconfig, 'utf8').replaceAll('127.0.0.1:6443', `127.0.0.1:${refusingPort}`))
  }, 120_000)

  for (const line of ['get ns', 'get ns default', 'delete ns x', 'describe ns default', 'cluster-info', 'logs p', 'explain pods', 'create ns x', 'get --raw /api', 'auth whoami', 'get ns -v=4', 'explain pods -v=3', 'logs p -v=2', 'cluster-info -v=4', 'get --raw /api -v=4']) {
    it(`says what the real kubectl says for: kubectl ${line} (every master stopped)`, async () => {
      const [theirs, ours] = [await runShell(`${realKubectl} --kubeconfig=${refusingKubeconfig} ${line}`, {cwd: home, env: env()}), await runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: env()})]
      expect(theirs.stderr).toContain('was refused')
      const port = (text: string) => text.replaceAll(`127.0.0.1:${refusingPort}`, '127.0.0.1:6443').replaceAll(`127.0.0.1_${refusingPort}`, '127.0.0.1_6443')
      expect({status: ours.status, stdout: ours.stdout, stderr: masked(ours.stderr)}).toEqual({status: theirs.status, stdout: port(theirs.stdout), stderr: port(masked(theirs.stderr))})
    }, 60_000)
  }

  it('says what the real kubectl says with no kubeconfig (the server given by --server)', async () => {
    const missing = join(home, 'missing-kubeconfig')
    for (const line of ['get ns', 'cluster-info']) {
      const command = `--server=http://localhost:${refusingPort} ${line}`
      const [theirs, ours] = [await runShell(`${realKubectl} ${command}`, {cwd: home, env: env({KUBECONFIG: missing})}), await runShell(`${kubemu} kubectl ${command}`, {cwd: home, env: env({KUBECONFIG: missing})})]
      expect(theirs.stderr).toContain(`localhost:${refusingPort} was refused`)
      expect({line, status: ours.status, stdout: ours.stdout, stderr: masked(ours.stderr)}).toEqual({line, status: theirs.status, stdout: theirs.stdout, stderr: masked(theirs.stderr)})
    }
  }, 60_000)
})
