// Issue 19's examples that still differed in a sweep beside the real kubectl 1.32: `delete` that
// finds nothing says "No resources found" on stdout (never get's namespaced line on stderr), and
// `get -k DIR` reads the built kustomization as `get -f` reads files (a build failure printed bare
// by the table printer's get, as kubectl aggregates it); `describe cronjob` has kubectl's
// CronJob describer (schedule, policies, job template, last schedule, active jobs, events).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expectSameAsReal, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'


const masked = (text: string) => text.replace(/\b\d+(?:m\d+)?s \(x(\d+) over \d+(?:m\d+)?s\)/g, 'AGE (x$1 over AGE)').replace(/ {2}\d+s$/gm, '  AGE').replace(/ {2,}\d+(?:m\d+)?s {2,}/g, '  AGE  ').replace(/ +/g, ' ')

describe.runIf(existsSync(realKubectl))('issue 19 sweep: delete and get -k as the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    const folder = join(cluster.folder, 'k')
    mkdirSync(folder)
    writeFileSync(join(folder, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cmf\ndata:\n  b: "1"\n  a: "2"\n')
    writeFileSync(join(folder, 'kustomization.yaml'), 'resources:\n- cm.yaml\nnamePrefix: p-\ncommonLabels:\n  team: a\nconfigMapGenerator:\n- name: gen\n  literals: [a=b]\n')
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  const sameAsReal = async (line: string) => {
    const command = line.replaceAll('DIR', cluster.folder)
    const [theirs, ours] = [await cluster.real(command), await cluster.ours(command)]
    expect({status: ours.status, stdout: masked(ours.stdout), stderr: ours.stderr}).toEqual({status: theirs.status, stdout: masked(theirs.stdout), stderr: theirs.stderr})
    return theirs
  }

  for (const line of ['delete pods -l app=nothing', 'delete deployments,rs,pods -l app=nothing --cascade=orphan --grace-period=0', 'delete pods --all -n kube-public', 'delete pods -l app=nothing -A']) {
    it(`says the same for: kubectl ${line}`, async () => {
      expect((await sameAsReal(line)).stdout).toBe('No resources found\n')
    }, 30_000)
  }

  it('gets what a kustomization builds, before and after it is applied, and fails alike', async () => {
    expect((await sameAsReal('get -k DIR/k')).status).toBe(1)
    expect((await cluster.ours(`apply -k ${join(cluster.folder, 'k')}`)).status).toBe(0)
    for (const line of ['get -k DIR/k', 'get -k DIR/k -o name', 'get -k DIR/k -o jsonpath={.items[*].metadata.name}', 'get -k DIR/k -f DIR/k/cm.yaml', 'get -k DIR/k cm', 'get -k DIR/nothere', 'get -k DIR/nothere -o name']) {
      await sameAsReal(line)
    }
    expect((await cluster.ours(`get -k ${join(cluster.folder, 'k')} -o name`)).stdout).toBe('configmap/p-cmf\nconfigmap/p-gen-4h2mbtbbt6\n')
  }, 60_000)

  it('describes CronJobs as kubectl 1.32 does, with the InvalidSchedule warning of one that never fires', async () => {
    const cronJob = (name: string, schedule: string, extra: string) =>
      `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: ${name}\n  labels: {a: b}\nspec:\n  schedule: "${schedule}"\n${extra}  jobTemplate:\n    spec:\n      template:\n        metadata:\n          labels: {x: "1", z: "2"}\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: c\n            image: busybox\n`
    writeFileSync(join(cluster.folder, 'never.yaml'), cronJob('never', '59 23 31 2 *', ''))
    writeFileSync(join(cluster.folder, 'often.yaml'), cronJob('often', '*/5 * * * *', '  suspend: true\n  startingDeadlineSeconds: 30\n'))
    for (const file of ['never.yaml', 'often.yaml']) expect((await cluster.ours(`create -f ${join(cluster.folder, file)}`)).status).toBe(0)
    let warned = false
    for (let attempt = 0; attempt < 100 && !warned; attempt++) {
      warned = (await cluster.ours('get events --field-selector reason=InvalidSchedule -o name')).stdout !== ''
    }
    expect(warned).toBe(true)
    for (const line of ['describe cronjob never', 'describe cronjob often', 'describe cronjob never --show-events=false', 'describe cronjobs']) {
      expect((await sameAsReal(line)).status).toBe(0)
    }
  }, 60_000)

  it('says what the real kubectl says in the sweep\'s second round: client dry runs, force deletion, files not there, bare mapper errors, watches of nothing, group verbs', async () => {
    for (const namespace of ['empty', 'r', 'o']) expect((await cluster.ours(`create ns ${namespace}`)).status).toBe(0)
    for (const line of [
      'run p3 --image=nginx --dry-run=client -o yaml -n empty',
      'run p3 --image=nginx --dry-run=client -o yaml',
      'create deployment d --image=nginx --dry-run=client -o yaml -n empty',
      'create secret tls t --cert=DIR/none.crt --key=DIR/none.key',
      'get ns default -o custom-columns-file=DIR/none',
      'get ns default -o jsonpath-file=DIR/none',
      'get ns default -o go-template-file=DIR/none',
      'events --for=nope/x',
      'explain nope',
      'get cm -n empty -w --request-timeout=1s',
      'get cm -n empty -w --request-timeout=1s -o name',
      'config nope',
      'auth nope',
      'create secret nope',
      'apply -f DIR/none.yaml extra',
      'create -f DIR/none.yaml extra',
      'delete cm nope --force',
      'delete cm nope --force --grace-period=5',
    ]) {
      await sameAsReal(line)
    }
    for (const side of ['r', 'o']) {
      for (const name of ['a', 'b', 'c']) expect((await cluster.ours(`create cm ${name} -n ${side}`)).status).toBe(0)
    }
    for (const line of ['delete cm a --force', 'delete cm b --grace-period=0', 'delete cm c --force -o name']) {
      await expectSameAsReal(cluster, line, ['-n r', '-n o'])
    }
  }, 60_000)

  it('reads JSONPath filters as Go splits them, fails an unknown word or operator when evaluated, and prints api-resources, top, can-i, alpha and save-config as kubectl 1.32', async () => {
    for (const template of ['{.items[?(@.x==)]}', '{.items[?(@.x=1)]}', '{.items[?(@.x==bad)]}', '{.items[?(@.x=)]}', '{.items[?(==1)]}', '{.items[?(@.metadata.name=="default")].metadata.name}', '{.items[?(@.metadata.name == "default")].metadata.name}', '{.items[?(@.x == )]}', '{.items[0]=}', '{=}', '{.a=}', '{.metadata.name ==}', '{.items[?(@.metadata.name!="default")].metadata.name}']) {
      await sameAsReal(`get ns -o jsonpath='${template}'`)
    }
    // The first line of an execution error (kubectl prints the object after it).
    for (const template of ['{.items[?(@.metadata.name==bad)]}', '{.items[?(@.metadata.name=1)]}', '{.a b}']) {
      const [theirs, ours] = [await cluster.real(`get ns -o jsonpath='${template}'`), await cluster.ours(`get ns -o jsonpath='${template}'`)]
      expect({status: ours.status, stdout: ours.stdout, first: ours.stderr.split('\n')[0]}).toEqual({status: theirs.status, stdout: theirs.stdout, first: theirs.stderr.split('\n')[0]})
    }
    for (const line of ['api-resources -o wide --api-group=apps', 'top pod nope', 'top node nope', 'auth can-i get nodes', 'auth can-i get nodes -A', 'auth can-i get nodes -n kube-system', 'alpha']) {
      await sameAsReal(line)
    }
    for (const namespace of ['real2', 'ours2']) expect((await cluster.ours(`create ns ${namespace}`)).status).toBe(0)
    for (const line of ['create cm sc --from-literal=a=1 --save-config', 'get cm sc -o jsonpath={.metadata.annotations}', 'create deployment sd --image=nginx --save-config -o jsonpath={.metadata.annotations}', 'create cm sc2 --from-literal=a=1 --save-config --dry-run=client -o yaml']) {
      const [theirs, ours] = [await cluster.real(`${line} -n real2`), await cluster.ours(`${line} -n ours2`)]
      const view = (result: typeof theirs) => ({line, ...result, stdout: result.stdout.replaceAll('real2', 'NS').replaceAll('ours2', 'NS')})
      expect(view(ours)).toEqual(view(theirs))
    }
  }, 60_000)

  it('describes Roles, ClusterRoles and their bindings, and creates a Job from a CronJob, as kubectl 1.32', async () => {
    for (const line of [
      'create role r1 --verb=get,list --resource=pods,deployments.apps --resource-name=x',
      'create role r2 --verb=get --resource=pods',
      'create clusterrole cr1 --verb=get,post --non-resource-url=/healthz --non-resource-url=/livez',
      'create rolebinding rb1 --role=r1 --user=alice --group=g1 --serviceaccount=default:sa1',
      'create clusterrolebinding crb1 --clusterrole=view --user=bob',
      'annotate role r1 a=b',
      "create cronjob cj --image=busybox --schedule='*/1 * * * *' -- echo hi",
      'create deployment d --image=nginx',
    ]) {
      expect((await cluster.ours(line)).status).toBe(0)
    }
    for (const line of ['describe role r1 r2', 'describe clusterrole cr1 view edit', 'describe rolebinding rb1', 'describe clusterrolebinding crb1 system:basic-user', 'describe roles', 'create job x', 'create job x --from=cronjob/cj --image=b', 'create job x --from=cronjob/cj -- echo', 'create job x --from=deploy/d', 'create job x --from=nope', 'create job x --from=cronjob/a/b', 'create job x --from=cronjob/nope']) {
      await sameAsReal(line)
    }
    const [theirs, ours] = [await cluster.real('create job fc --from=cronjob/cj --dry-run=client -o yaml'), await cluster.ours('create job fc --from=cronjob/cj --dry-run=client -o yaml')]
    expect(ours).toEqual(theirs)
    expect((await cluster.ours('create job fc --from=cronjob/cj')).stdout).toBe('job.batch/fc created\n')
  }, 60_000)

  it('prunes what an earlier apply made and this one leaves out, as kubectl 1.32 apply --prune does, and says configured on a client dry run', async () => {
    const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels: {p: x}\n`
    writeFileSync(join(cluster.folder, 'both.yaml'), `${configMap('keep')}---\n${configMap('gone')}`)
    writeFileSync(join(cluster.folder, 'keep.yaml'), configMap('keep'))
    const klogMasked = (text: string) => text.replace(/^([IWE])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /gm, '$1 ')
    for (const side of ['prune-real', 'prune-ours']) expect((await cluster.ours(`create ns ${side}`)).status).toBe(0)
    for (const line of ['apply -f DIR/both.yaml', 'create cm manual', 'label cm manual p=x', 'apply -f DIR/keep.yaml --prune', 'apply -f DIR/keep.yaml --prune --all -l p=x', 'apply -f DIR/keep.yaml --prune -l p=x', 'get cm -o name', 'apply -f DIR/both.yaml --prune --all --dry-run=client', 'apply -f DIR/keep.yaml --dry-run=client', 'apply -f DIR/keep.yaml --prune --all -o name', 'get cm -o name',
      // --prune-allowlist: only the kinds it names, checked before anything is applied; no deprecation warning then.
      'apply -f DIR/both.yaml', 'apply -f DIR/keep.yaml --prune -l p=x --prune-allowlist=v1/ConfigMap', 'apply -f DIR/keep.yaml --prune -l p=x --prune-allowlist=core/v1/Nope',
      'apply -f DIR/keep.yaml --prune -l p=x --prune-allowlist=apps/v1/Deployment --dry-run=client', 'apply -f DIR/keep.yaml --prune -l p=x --prune-allowlist=apps/v1/Deployment --prune-allowlist=core/v1/ConfigMap', 'get cm -o name']) {
      const command = line.replaceAll('DIR', cluster.folder)
      const [theirs, ours] = [await cluster.real(`${command} -n prune-real`), await cluster.ours(`${command} -n prune-ours`)]
      const view = (result: typeof theirs) => ({line, status: result.status, stdout: result.stdout, stderr: klogMasked(result.stderr).replaceAll('prune-real', 'NS').replaceAll('prune-ours', 'NS')})
      expect(view(ours)).toEqual(view(theirs))
    }
  }, 60_000)

  it('views and sets the last-applied configuration as kubectl 1.32 apply view-last-applied and set-last-applied', async () => {
    writeFileSync(join(cluster.folder, 'va.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: va\ndata:\n  b: "<2>"\n  a: "1"\n')
    writeFileSync(join(cluster.folder, 'nola.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nola\ndata:\n  z: "1"\n')
    for (const side of ['last-real', 'last-ours']) expect((await cluster.ours(`create ns ${side}`)).status).toBe(0)
    for (const line of [
      'apply -f DIR/va.yaml',
      'create cm nola',
      'apply view-last-applied cm va',
      'apply view-last-applied configmap/va -o json',
      'apply view-last-applied cm/va cm/nola',
      'apply view-last-applied cm va nola -o json',
      'apply view-last-applied cm nope',
      'apply view-last-applied',
      'apply view-last-applied -f DIR/va.yaml -o wide',
      'apply view-last-applied -f DIR/va.yaml',
      'apply set-last-applied -f DIR/va.yaml',
      'apply set-last-applied -f DIR/va.yaml',
      'apply set-last-applied -f DIR/nola.yaml',
      'apply set-last-applied -f DIR/nola.yaml --create-annotation -o name',
      'apply view-last-applied cm nola -o json',
      'apply set-last-applied',
      'apply nope',
    ]) {
      const command = line.replaceAll('DIR', cluster.folder)
      const [theirs, ours] = [await cluster.real(`${command} -n last-real`), await cluster.ours(`${command} -n last-ours`)]
      const view = (result: typeof theirs) => ({line, status: result.status, stdout: result.stdout.replaceAll('last-real', 'NS').replaceAll('last-ours', 'NS'), stderr: result.stderr.replaceAll('last-real', 'NS').replaceAll('last-ours', 'NS')})
      expect(view(ours)).toEqual(view(theirs))
    }
  }, 60_000)

  it('prints what set changed with -o jsonpath or --template, as kubectl 1.32', async () => {
    expect((await cluster.ours('create deployment sd --image=nginx')).status).toBe(0)
    for (const line of ["set image deploy/sd nginx=nginx:2 --dry-run=client -o jsonpath='{.spec.template.spec.containers[0].image}'", "set image deploy/sd nginx=nginx:2 --dry-run=client --template='{{.kind}}'", "set env deploy/sd A=1 --dry-run=server -o go-template='{{len .spec.template.spec.containers}}'", 'set image deploy/sd nginx=nginx:2 --dry-run=client --show-managed-fields -o name']) {
      await sameAsReal(line)
    }
  }, 60_000)

  it('diffs as kubectl 1.32: the last-applied configuration is left as it is, in a new object and in a changed one', async () => {
    const configMap = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: diffed\ndata:\n${data}`
    writeFileSync(join(cluster.folder, 'diff1.yaml'), configMap('  a: "1"\n'))
    writeFileSync(join(cluster.folder, 'diff2.yaml'), configMap('  a: "2"\n  b: "3"\n'))
    const masked = (text: string) =>
      text
        .replace(/^(diff|---|\+\+\+) .*$/gm, '$1 FILES')
        .replace(/(uid|creationTimestamp|resourceVersion): .*$/gm, '$1: MASKED')
        .replaceAll('diff-real', 'NS')
        .replaceAll('diff-ours', 'NS')
    for (const side of ['diff-real', 'diff-ours']) expect((await cluster.ours(`create ns ${side}`)).status).toBe(0)
    for (const line of ['diff -f DIR/diff1.yaml', 'apply -f DIR/diff1.yaml', 'diff -f DIR/diff1.yaml', 'diff -f DIR/diff2.yaml', 'apply set-last-applied -f DIR/diff1.yaml', 'diff -f DIR/diff1.yaml']) {
      const command = line.replaceAll('DIR', cluster.folder)
      const [theirs, ours] = [await cluster.real(`${command} -n diff-real`), await cluster.ours(`${command} -n diff-ours`)]
      const view = (result: typeof theirs) => ({line, status: result.status, stdout: masked(result.stdout), stderr: masked(result.stderr)})
      expect(view(ours)).toEqual(view(theirs))
    }
  }, 60_000)
})
