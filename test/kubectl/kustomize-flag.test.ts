// -k DIR on the verbs that read manifests: what they send is what real `kubectl kustomize DIR`
// prints, and a kustomization that does not build fails before anything reaches the cluster,
// with the real kubectl's error line and exit code.
import {join} from 'node:path'
import {parseAllDocuments} from 'yaml'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'kustomize')

interface Built {
  kind: string
  metadata: {name: string; namespace?: string}
}

describe('kubemu kubectl -k', () => {
  it('applies, diffs and deletes what kubectl kustomize builds', async () => {
    const environment = {...process.env, KUBEMU_HOME: temporaryFolder(), KUBECONFIG: ''}
    const run = (command: string) => runShell(`${kubemu} kubectl ${command}`, {cwd: fixtures, env: environment})
    const built = (await runShell('kubectl kustomize app', {cwd: fixtures, env: environment})).stdout
    const objects = parseAllDocuments(built).map((document) => document.toJS() as Built)
    const names = objects.map((object) => `${object.kind.toLowerCase()}/${object.metadata.name}`)

    const applied = await run('apply -k app')
    expect(applied.stderr).toBe('')
    expect(applied.stdout).toBe(names.map((name) => `${name.replace(/^deployment\//, 'deployment.apps/')} created\n`).join(''))
    for (const object of objects) {
      const fetched = await run(`get ${object.kind.toLowerCase()} ${object.metadata.name} ${object.metadata.namespace ? `-n ${object.metadata.namespace}` : ''} -o name`)
      expect(fetched.stdout).toBe(`${object.kind.toLowerCase()}/${object.metadata.name}\n`.replace(/^deployment\//, 'deployment.apps/'))
    }
    expect(await run('diff -k app')).toMatchObject({stdout: '', status: 0})

    const deleted = await run('delete -k app')
    expect(deleted.status).toBe(0)
    expect(deleted.stdout).toContain(`deployment.apps "shop-web" deleted`)
  })

  it.each([
    'apply -k errors/unknown-field',
    'create -k errors/missing-resource',
    'delete -k errors/cycle-a',
    'diff -k errors/patch-no-match',
    'replace -k errors/repeated-key',
    'apply -k app -f app/app.yaml',
  ])('%s fails as kubectl does, before reaching the cluster', async (command) => {
    const environment = {...process.env, KUBEMU_HOME: temporaryFolder(), KUBECONFIG: ''}
    const [ours, theirs] = await Promise.all([
      runShell(`${kubemu} kubectl ${command}`, {cwd: fixtures, env: environment}),
      runShell(`kubectl ${command}`, {cwd: fixtures, env: environment}),
    ])
    expect({stdout: ours.stdout, stderr: ours.stderr, status: ours.status}).toEqual({stdout: theirs.stdout, stderr: theirs.stderr, status: theirs.status})
    expect(theirs.status).toBe(command.startsWith('diff') ? 2 : 1)
  })
})
