// kubectl's discovery cache against `kubemu up`, beside the real kubectl 1.32 in the same home
// folder: the first command discovers (its -v=6 log lists /api, /apis and each group-version),
// the next asks only for what it lists; each kubectl reads the other's cache; a CRD created
// after the cache was filled is found (the command discovers again), and a resource type the
// server does not have gets kubectl's error after discovering again.
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl} from '../support/real-kubectl.js'


const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wd]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`

const widget = `apiVersion: example.com/v1
kind: Widget
metadata: {name: w1}
spec: {size: 3}
`

/** The GET lines of a -v=6 log, without times and durations. */
const requests = (stderr: string) => [...stderr.matchAll(/round_trippers\.go:560\] GET (\S+)/g)].map((match) => new URL(match[1]!).pathname)

describe.runIf(existsSync(realKubectl))('kubectl\'s discovery cache against up', () => {
  const processes = upProcessesOfSuite()
  let home: string
  let kubeconfig: string
  const user = {home: '', env: {} as NodeJS.ProcessEnv}
  const ours = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: user.env, stdin})
  const real = (line: string, stdin?: string) => runShell(`${realKubectl} --kubeconfig=${kubeconfig} ${line}`, {cwd: home, env: user.env, stdin})

  beforeAll(async () => {
    home = temporaryFolder()
    kubeconfig = join(home, 'default', 'kubeconfig')
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leader election: \S+ leads/)
    user.home = temporaryFolder()
    user.env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', HOME: user.home}
  }, 60_000)
  afterAll(async () => {
    for (const up of processes) await up.stop()
  })

  it('discovers once, then lists without discovery; the real kubectl reads the cache and ours reads the real one\'s', async () => {
    const first = await ours('get ns -v=6')
    expect(first.status).toBe(0)
    // The API server serves aggregated discovery, as kube-apiserver 1.32: two requests discover every group.
    expect(requests(first.stderr)).toEqual(['/api', '/apis', '/api/v1/namespaces'])
    expect(existsSync(join(user.home, '.kube', 'cache', 'discovery'))).toBe(true)
    const second = await ours('get ns -v=6')
    expect(requests(second.stderr)).toEqual(['/api/v1/namespaces'])
    const realAfterOurs = await real('get deploy -A -v=6')
    expect(realAfterOurs.status).toBe(0)
    expect(requests(realAfterOurs.stderr)).toEqual(['/apis/apps/v1/deployments'])
    // The real kubectl's cache, in another home: ours reads it without discovering.
    const realHome = temporaryFolder()
    const withRealCache = {...user.env, HOME: realHome}
    expect((await runShell(`${realKubectl} --kubeconfig=${kubeconfig} get ns`, {cwd: home, env: withRealCache})).status).toBe(0)
    const oursAfterReal = await runShell(`${kubemu} kubectl get sa -v=6`, {cwd: home, env: withRealCache})
    expect(requests(oursAfterReal.stderr)).toEqual(['/api/v1/namespaces/default/serviceaccounts'])
  }, 120_000)

  it('finds a resource created after the cache was filled, and says what the real kubectl says of one that does not exist', async () => {
    expect((await ours('get ns')).status).toBe(0)
    expect((await ours('apply -f -', crd)).stdout).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n')
    const created = await ours('apply -f -', widget)
    expect(created.stderr).toBe('')
    expect(created.stdout).toBe('widget.example.com/w1 created\n')
    const listed = await ours('get wd -o name -v=6')
    expect(listed.stdout).toBe('widget.example.com/w1\n')
    // Filled again by the apply: no discovery this time.
    expect(requests(listed.stderr)).toEqual(['/apis/example.com/v1/namespaces/default/widgets'])
    const [oursMissing, realMissing] = [await ours('get foos'), await real('get foos')]
    expect({status: oursMissing.status, stderr: oursMissing.stderr, stdout: oursMissing.stdout}).toEqual({status: realMissing.status, stderr: realMissing.stderr, stdout: realMissing.stdout})
  }, 120_000)
})
