// ValidatingAdmissionPolicy as a user meets it under `kubemu up`: kubectl's lines for a denial, a
// warning and a policy that does not compile, the same from kubemu's kubectl and the real 1.32.
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess} from '../support/up-process.js'

const policies = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replica-limit
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replica-limit-binding
spec:
  policyName: replica-limit
  validationActions: [Deny]
`

const deployment = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: nginx}]}
`

describe('ValidatingAdmissionPolicy through kubectl', () => {
  const home = temporaryFolder()
  let up: UpProcess

  beforeAll(async () => {
    up = new UpProcess(home)
    await up.until(/Kubernetes API at https:\/\/\S+ /)
  }, 120_000)
  afterAll(async () => {
    await up?.stop()
  })

  const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const ours = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment, stdin})
  const real = (line: string, stdin?: string) => runShell(`kubectl --kubeconfig=${join(home, 'default', 'kubeconfig')} ${line}`, {cwd: home, env: process.env, stdin})

  it('prints a denial, a warning and the policies as kubectl 1.32 does', async () => {
    expect(await real('apply -f -', policies)).toMatchObject({status: 0, stdout: 'validatingadmissionpolicy.admissionregistration.k8s.io/replica-limit created\n' +
      'validatingadmissionpolicybinding.admissionregistration.k8s.io/replica-limit-binding created\n'})
    const denial = 'The deployments "big" is invalid: : ValidatingAdmissionPolicy \'replica-limit\' with binding \'replica-limit-binding\' denied request: failed expression: object.spec.replicas <= 5\n'
    for (const kubectl of [real, ours]) expect(await kubectl('create -f -', deployment('big', 9))).toMatchObject({status: 1, stdout: '', stderr: denial})
    const createDeploy = await real('create deployment big --image=nginx --replicas=7')
    expect(createDeploy.stderr).toBe('error: failed to create deployment: deployments.apps "big" is forbidden: ValidatingAdmissionPolicy \'replica-limit\' with binding \'replica-limit-binding\' denied request: failed expression: object.spec.replicas <= 5\n')
    expect(await ours('create deployment big --image=nginx --replicas=7')).toEqual(createDeploy)
    const listed = await real('get validatingadmissionpolicies,validatingadmissionpolicybindings')
    expect(listed.stdout).toMatch(/^NAME +VALIDATIONS +PARAMKIND +AGE\nvalidatingadmissionpolicy.admissionregistration.k8s.io\/replica-limit +1 +<unset> +\d+s\n\nNAME +POLICYNAME +PARAMREF +AGE\n/)
    const ages = (text: string) => text.replace(/\d+s\n/g, 'AGE\n')
    expect(ages((await ours('get validatingadmissionpolicies,validatingadmissionpolicybindings')).stdout)).toBe(ages(listed.stdout))

    const described = await real('describe validatingadmissionpolicy replica-limit')
    expect(described.stdout).toMatch(/^Name: +replica-limit\n[\s\S]*\nSpec:\n  Failure Policy: +Fail\n/)
    expect(await ours('describe validatingadmissionpolicy replica-limit')).toEqual(described)

    expect((await real(`patch validatingadmissionpolicybinding replica-limit-binding --type=merge -p '{"spec":{"validationActions":["Warn"]}}'`)).status).toBe(0)
    const warning = 'Warning: Validation failed for ValidatingAdmissionPolicy \'replica-limit\' with binding \'replica-limit-binding\': failed expression: object.spec.replicas <= 5\n'
    expect(await real('create -f -', deployment('warned', 8))).toMatchObject({status: 0, stdout: 'deployment.apps/warned created\n', stderr: warning})
    expect(await ours('create -f -', deployment('warned2', 8))).toMatchObject({status: 0, stdout: 'deployment.apps/warned2 created\n', stderr: warning})
  })

  it('judges resource quantities with kube\'s quantity library and optional fields, as kubectl 1.32 prints it', async () => {
    const limitOf = "quantity(c.?resources.?limits[?'memory'].orValue('0'))"
    const memoryPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: memory-limit
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.template.spec.containers.all(c, ${limitOf}.isLessThan(quantity('1Gi')))"
    messageExpression: "'memory limit of 1Gi or more: ' + object.spec.template.spec.containers.filter(c, !${limitOf}.isLessThan(quantity('1Gi'))).map(c, c.name).join(', ')"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: memory-limit-binding
spec:
  policyName: memory-limit
  validationActions: [Deny]
`
    const withMemory = (name: string, memory: string) => deployment(name, 1).replace('{name: c, image: nginx}', `{name: app, image: nginx, resources: {limits: {memory: "${memory}"}}}, {name: sidecar, image: busybox}`)
    expect((await real('apply -f -', memoryPolicy)).status).toBe(0)
    expect(await real('create -f -', withMemory('small-memory', '512Mi'))).toMatchObject({status: 0, stdout: 'deployment.apps/small-memory created\n'})
    const denial = 'The deployments "large-memory" is invalid: : ValidatingAdmissionPolicy \'memory-limit\' with binding \'memory-limit-binding\' denied request: memory limit of 1Gi or more: app\n'
    expect(await real('create -f -', withMemory('large-memory', '1024Mi'))).toMatchObject({status: 1, stdout: '', stderr: denial})
    expect(await ours('create -f -', withMemory('large-memory', '1024Mi'))).toMatchObject({status: 1, stdout: '', stderr: denial})
    expect((await real('delete validatingadmissionpolicybinding memory-limit-binding')).status).toBe(0)
  })

  it('refuses a policy whose expression does not compile, naming the field', async () => {
    const bad = policies.split('---')[0]!.replace('name: replica-limit', 'name: broken').replace('object.spec.replicas <= 5', 'object.spec.replicas <= nope')
    const refused = await real('create -f -', bad)
    expect(refused.status).toBe(1)
    expect(refused.stderr).toBe('The ValidatingAdmissionPolicy "broken" is invalid: spec.validations[0].expression: Invalid value: "object.spec.replicas <= nope": ' +
      'compilation failed: ERROR: <input>:1:25: undeclared reference to \'nope\' (in container \'\')\n | object.spec.replicas <= nope\n | ........................^\n')
    expect(await ours('create -f -', bad)).toEqual(refused)
  })
})
