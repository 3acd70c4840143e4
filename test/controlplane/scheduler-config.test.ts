// The cluster's KubeSchedulerConfiguration through the CLI: a second profile packs its pods with
// MostAllocated while default-scheduler spreads; a pod naming no profile stays Pending without an
// event; a configuration kube-scheduler would refuse stops `up` and one-shot commands with its error.
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {UpProcess} from '../support/up-process.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

const configuration = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: my-scheduler
  plugins:
    score:
      disabled: [{name: '*'}]
      enabled: [{name: NodeResourcesFit, weight: 5}]
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`

const deployment = (name: string, schedulerName: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 4
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      schedulerName: ${schedulerName}
      containers:
      - name: main
        image: nginx:1.27
        resources: {requests: {cpu: 500m, memory: 64Mi}}
`

describe('scheduler configuration through the CLI', () => {
  let home: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: ''})
  const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment(), stdin})
  const nodesOf = async (app: string) => {
    const listed = await kubectl(`get pods -l app=${app} -o jsonpath='{range .items[*]}{.spec.nodeName}{"\\n"}{end}'`)
    return listed.stdout.split('\n').filter(Boolean)
  }

  beforeAll(() => {
    home = temporaryFolder()
    mkdirSync(join(home, 'default'), {recursive: true})
    writeFileSync(join(home, 'default', 'scheduler-config.yaml'), configuration)
  })

  it('pods of my-scheduler are packed onto one node by MostAllocated; default-scheduler spreads its own', async () => {
    expect(await kubectl('apply -f -', deployment('packed', 'my-scheduler'))).toMatchObject({status: 0})
    expect(await kubectl('apply -f -', deployment('spread', 'default-scheduler'))).toMatchObject({status: 0})
    const packed = await nodesOf('packed')
    expect(packed).toHaveLength(4)
    expect(new Set(packed).size).toBe(1)
    expect(new Set(await nodesOf('spread')).size).toBeGreaterThan(1)
    const pod = (await kubectl("get pods -l app=packed -o jsonpath='{.items[0].metadata.name}'")).stdout
    const explained = await runShell(`${kubemu} why pod/${pod}`, {cwd: home, env: environment()})
    expect(explained.stdout).toMatch(/ \(profile my-scheduler\): Scheduled to worker-\d, .*\n {4}score weights: NodeResourcesFit=5\n/)
    const described = await kubectl(`describe pod ${pod}`)
    expect(described.stdout).toMatch(/Normal +Scheduled +\S+ +my-scheduler +Successfully assigned default\/packed-/)
  })

  it('a pod whose schedulerName no profile has stays Pending, with no event', async () => {
    const lost = 'apiVersion: v1\nkind: Pod\nmetadata: {name: lost}\nspec:\n  schedulerName: nobody\n  containers: [{name: main, image: nginx:1.27}]\n'
    expect(await kubectl('apply -f -', lost)).toMatchObject({status: 0})
    expect((await kubectl("get pod lost -o jsonpath='{.status.phase} {.spec.nodeName} {.status.conditions}'")).stdout).toBe('Pending  ')
    expect(await kubectl('get events --field-selector involvedObject.name=lost')).toMatchObject({status: 0, stdout: '', stderr: 'No resources found in default namespace.\n'})
  })

  it('up refuses a configuration with an error, exit 1 with the field, and keeps the one the cluster has', async () => {
    const bad = join(home, 'bad.yaml')
    writeFileSync(bad, 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: my-scheduler\n  plugins:\n    score:\n      enabled: [{name: Foo, weight: 2}]\n  pluginConfig:\n  - name: InterPodAffinity\n    args: {hardPodAffinityWeight: -1}\n')
    const up = await runShell(`${kubemu} up --port 0 --etcd-ports 0,0,0 --scheduler-config ${bad}`, {cwd: home, env: environment()})
    expect(up).toMatchObject({status: 1, stdout: '', stderr: `Error: scheduler configuration ${bad}: profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: -1: not in valid range [0, 100]\n`})
    const missing = await runShell(`${kubemu} up --port 0 --etcd-ports 0,0,0 --scheduler-config ${join(home, 'none.yaml')}`, {cwd: home, env: environment()})
    expect(missing).toMatchObject({status: 1, stderr: `Error: scheduler configuration: open ${join(home, 'none.yaml')}: no such file or directory\n`})
    expect(existsSync(join(home, 'default', 'scheduler-config.yaml'))).toBe(true)
    expect(await kubectl('get deployment packed -o name')).toMatchObject({status: 0, stdout: 'deployment.apps/packed\n'})
  })

  it('a one-shot command fails the same way when the cluster folder holds a configuration with an error', async () => {
    writeFileSync(join(home, 'default', 'scheduler-config.yaml'), 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins:\n    multiPoint:\n      enabled: [{name: Foo}]\n')
    const refused = await kubectl('scale deployment spread --replicas=2')
    expect(refused.status).toBe(1)
    expect(refused.stderr).toContain('initializing profiles: creating profile for scheduler name default-scheduler: PreFilterPlugin "Foo" does not exist\n')
    writeFileSync(join(home, 'default', 'scheduler-config.yaml'), configuration)
    expect(await nodesOf('spread')).toHaveLength(4)
  })

  it('up --scheduler-config runs the file\'s profiles and keeps it as the cluster\'s', async () => {
    const file = join(home, 'batch.yaml')
    writeFileSync(file, configuration.replaceAll('my-scheduler', 'batch'))
    const up = new UpProcess(home, ['--scheduler-config', file])
    try {
      await up.until(/kube-scheduler profiles default-scheduler, batch \(scheduler-config\.yaml\)/)
      const job = 'apiVersion: v1\nkind: Pod\nmetadata: {name: nightly}\nspec:\n  schedulerName: batch\n  containers: [{name: main, image: nginx:1.27}]\n'
      // The real kubectl, over HTTPS to up's API, as the kubeconfig's admin.
      const real = (line: string, stdin?: string) => runShell(`kubectl --kubeconfig=${join(home, 'default', 'kubeconfig')} ${line}`, {cwd: home, env: process.env, stdin})
      expect(await real('apply -f -', job)).toMatchObject({status: 0, stdout: 'pod/nightly created\n'})
      expect(await real('wait --for=condition=PodScheduled pod/nightly --timeout=60s')).toMatchObject({status: 0, stdout: 'pod/nightly condition met\n'})
      expect((await real('describe pod nightly')).stdout).toMatch(/Normal +Scheduled +\S+ +batch +Successfully assigned default\/nightly to worker-\d/)
      expect((await kubectl("get events --field-selector involvedObject.name=nightly,reason=Scheduled -o jsonpath='{.items[0].source.component} {.items[0].reportingComponent}'")).stdout).toBe('batch batch')
    } finally {
      await up.stop()
    }
    expect(readFileSync(join(home, 'default', 'scheduler-config.yaml'), 'utf8')).toContain('schedulerName: batch')
  })
})
