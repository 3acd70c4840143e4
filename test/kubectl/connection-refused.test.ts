// When nothing listens at the kubeconfig's server, kubemu's kubectl says what kubectl 1.32 says
// there: discovery's "Unhandled Error" lines (as many as the verb's kubectl tries), cluster-info's
// hint, then "The connection to the server … was refused", exit 1. One-shot with every master
// stopped no API server runs (the front port refuses); the real kubectl dials the same URL, where
// nothing listens either. Also with no kubeconfig at all (localhost:8080). Each command in a
// fresh HOME (a cold discovery cache); klog's time and process id masked.
import {connect} from 'node:net'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'

const realKubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32'

/** Whether something accepts connections at the port (then the real kubectl would reach it). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host: '127.0.0.1', port})
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
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
  const closed = {6443: false, 8080: false}
  const env = (extra: NodeJS.ProcessEnv = {}) => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: '', HOME: temporaryFolder(), ...extra})

  beforeAll(async () => {
    home = temporaryFolder()
    kubeconfig = join(home, 'default', 'kubeconfig')
    expect((await runShell(`${kubemu} kubectl get ns`, {cwd: home, env: env()})).status).toBe(0)
    for (const master of ['control-plane', 'control-plane2', 'control-plane3']) expect((await runShell(`${kubemu} master stop ${master}`, {cwd: home, env: env()})).status).toBe(0)
    closed[6443] = !(await listening(6443))
    closed[8080] = !(await listening(8080))
  }, 120_000)

  for (const line of ['get ns', 'get ns default', 'delete ns x', 'describe ns default', 'cluster-info', 'logs p', 'explain pods', 'create ns x', 'get --raw /api', 'auth whoami', 'get ns -v=4', 'explain pods -v=3', 'logs p -v=2', 'cluster-info -v=4', 'get --raw /api -v=4']) {
    it(`says what the real kubectl says for: kubectl ${line} (every master stopped)`, async (context) => {
      if (!closed[6443]) context.skip()
      const [theirs, ours] = [await runShell(`${realKubectl} --kubeconfig=${kubeconfig} ${line}`, {cwd: home, env: env()}), await runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: env()})]
      expect(theirs.stderr).toContain('was refused')
      expect({status: ours.status, stdout: ours.stdout, stderr: masked(ours.stderr)}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: masked(theirs.stderr)})
    }, 60_000)
  }

  it('says what the real kubectl says with no kubeconfig (localhost:8080)', async (context) => {
    if (!closed[8080]) context.skip()
    const missing = join(home, 'missing-kubeconfig')
    for (const line of ['get ns', 'cluster-info']) {
      const [theirs, ours] = [await runShell(`${realKubectl} ${line}`, {cwd: home, env: env({KUBECONFIG: missing})}), await runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: env({KUBECONFIG: missing})})]
      expect(theirs.stderr).toContain('localhost:8080 was refused')
      expect({line, status: ours.status, stdout: ours.stdout, stderr: masked(ours.stderr)}).toEqual({line, status: theirs.status, stdout: theirs.stdout, stderr: masked(theirs.stderr)})
    }
  }, 60_000)
})
