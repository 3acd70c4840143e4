// kubectl auth reconcile beside the real kubectl 1.32, each against the same `kubemu up` in its
// own namespace and names (masked alike): creates, adds missing rules and subjects, removes extra
// ones on request, recreates a binding whose roleRef changed, dry runs, and the errors.
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {realKubectl, upWithRealKubectl, type UpWithRealKubectl} from '../support/up-with-real-kubectl.js'
import {runShell, type ShellResult} from '../support/shell.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'

const rbac = (tool: string, verbs: string, resources: string, roleRefKind: string, subjects: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ${tool}-reader
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: [${verbs}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: ${tool}-role
  namespace: ${tool}-ns
  labels: {team: a}
rules:
- apiGroups: ["", "apps"]
  resources: [${resources}]
  verbs: ["get"]
  resourceNames: [one]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: passed-over
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ${tool}-binding
  namespace: ${tool}-ns
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ${roleRefKind}
  name: ${roleRefKind === 'Role' ? `${tool}-role` : 'view'}
subjects:
${subjects}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${tool}-cluster-binding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: ${tool}-reader
subjects:
- kind: ServiceAccount
  name: default
  namespace: ${tool}-ns
`

describe.runIf(existsSync(realKubectl))('kubectl auth reconcile beside the real kubectl', {timeout: 180_000}, () => {
  const processes = upProcessesOfSuite()
  let up: UpWithRealKubectl
  beforeAll(async () => {
    up = await upWithRealKubectl(processes)
  }, 120_000)

  it('reconciles roles and bindings as the real kubectl does', async () => {
    const run = (tool: 'real' | 'ours', line: string) => (tool === 'real' ? up.real(line) : runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: up.home, env: up.env}))
    const view = (line: string, tool: string, result: ShellResult) => ({line, status: result.status, stdout: tool ? result.stdout.replaceAll(tool, 'T') : result.stdout, stderr: tool ? result.stderr.replaceAll(tool, 'T') : result.stderr})
    const user = (name: string, group = '') => `- kind: User\n  name: ${name}\n${group ? `  apiGroup: ${group}\n` : ''}`
    const steps: Array<{file: [string, string, string, string]; flags: string}> = [
      {file: ['"get", "list"', '"pods"', 'Role', user('alice', 'rbac.authorization.k8s.io')], flags: ''},
      {file: ['"get", "list"', '"pods"', 'Role', user('alice', 'rbac.authorization.k8s.io')], flags: ''},
      {file: ['"get", "list", "watch"', '"pods", "deployments"', 'Role', user('bob')], flags: '--dry-run=client'},
      {file: ['"get", "list", "watch"', '"pods", "deployments"', 'Role', user('bob')], flags: ''},
      {file: ['"get"', '"pods"', 'Role', user('carol')], flags: '--remove-extra-permissions --remove-extra-subjects'},
      {file: ['"get"', '"pods"', 'ClusterRole', user('carol')], flags: '-o name'},
      {file: ['"get"', '"pods"', 'ClusterRole', user('dave')], flags: '-o yaml'},
    ]
    for (const [index, step] of steps.entries()) {
      const results = []
      for (const tool of ['real', 'ours'] as const) {
        writeFileSync(join(up.home, `${tool}-rbac.yaml`), rbac(tool, ...step.file))
        const line = `auth reconcile -f ${tool}-rbac.yaml ${step.flags}`
        results.push(view(`step ${index + 1}: auth reconcile ${step.flags}`, tool, await run(tool, line)))
      }
      const masked = results.map((result) => ({...result, stdout: result.stdout.replace(/(creationTimestamp|resourceVersion|uid): .*/g, '$1: X')}))
      expect(masked[1]).toEqual(masked[0])
    }
    for (const line of ['auth reconcile -f none.yaml', 'auth reconcile', 'auth reconcile -f real-rbac.yaml --dry-run=bad']) {
      expect(view(line, '', await run('ours', line))).toEqual(view(line, '', await run('real', line)))
    }
  })
})
