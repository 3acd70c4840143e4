// KUBEMU_HOME naming a file: every command says so on one line and exits 1, changing nothing.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

describe('a KUBEMU_HOME that is a file', () => {
  it('is one clear error line and exit 1 for every command', async () => {
    const file = join(temporaryFolder(), 'not-a-folder')
    writeFileSync(file, 'x')
    const message = `KUBEMU_HOME (${file}) is a file, not a folder: point KUBEMU_HOME at a folder for kubemu's clusters\n`
    const expected = {kubectl: `error: ${message}`, other: `Error: ${message}`}
    for (const line of ['kubectl get ns', 'etcdctl get a', 'status', 'time', 'node stop worker-1', 'member stop infra1']) {
      const result = await runShell(`${kubemu} ${line}`, {cwd: temporaryFolder(), env: {...process.env, KUBEMU_HOME: file, KUBECONFIG: ''}})
      expect({line, status: result.status, stderr: result.stderr, stdout: result.stdout}).toEqual({line, status: 1, stderr: line.startsWith('kubectl') ? expected.kubectl : expected.other, stdout: ''})
    }
  })
})

describe('a KUBEMU_CLUSTER that names no cluster', () => {
  it('is an error of kubectl, which creates no cluster by that name', async () => {
    const {runKubectl} = await import('../../src/core/kubectl/kubectl.js')
    const {existsSync} = await import('node:fs')
    const home = temporaryFolder()
    let stdout = ''
    let stderr = ''
    const status = await runKubectl(['get', 'ns'], {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      readStdin: async () => '',
      environment: {...process.env, KUBEMU_HOME: home, KUBEMU_CLUSTER: 'nope', KUBECONFIG: ''},
    })
    expect({status, stdout, stderr}).toEqual({status: 1, stdout: '', stderr: `error: cluster "nope" (KUBEMU_CLUSTER) does not exist in ${home}; \`kubemu up\` creates it\n`})
    expect(existsSync(join(home, 'nope'))).toBe(false)
  })
})

describe('a cluster that --cluster or KUBEMU_CLUSTER names and that does not exist', () => {
  it('is an error of every command that reaches a cluster, which creates none by that name', async () => {
    const {existsSync} = await import('node:fs')
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    const missing = (source: string) => `Error: cluster "nope" (${source}) does not exist in ${home}; \`kubemu up\` creates it\n`
    expect(await runShell(`${kubemu} status`, {cwd: home, env: {...environment, KUBEMU_CLUSTER: 'nope'}})).toMatchObject({status: 1, stdout: '', stderr: missing('KUBEMU_CLUSTER')})
    expect(await runShell(`${kubemu} time advance 1s --cluster nope`, {cwd: home, env: environment})).toMatchObject({status: 1, stdout: '', stderr: missing('--cluster')})
    expect(await runShell(`${kubemu} member stop infra2 --cluster nope`, {cwd: home, env: environment})).toMatchObject({status: 1, stdout: '', stderr: missing('--cluster')})
    // etcdctl too: a read and a write (it made an empty cluster by that name and answered from it).
    for (const line of ['get a', 'put a 1']) expect(await runShell(`${kubemu} etcdctl ${line}`, {cwd: home, env: {...environment, KUBEMU_CLUSTER: 'nope'}})).toMatchObject({status: 1, stdout: '', stderr: missing('KUBEMU_CLUSTER')})
    expect(await runShell(`${kubemu} etcdctl get a`, {cwd: home, env: {...environment, KUBEMU_CLUSTER: 'No'}})).toMatchObject({status: 1, stdout: '', stderr: 'Error: invalid cluster name "No": use lower-case letters, digits and \'-\'\n'})
    expect(existsSync(join(home, 'nope'))).toBe(false)
  }, 60_000)
})
