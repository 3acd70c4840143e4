// `kubemu kubectl` end to end: the real CLI as a subprocess on a fresh cluster folder, with the
// outputs, messages and exit codes of kubectl 1.32.
import {spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')

/** AGE cells change from run to run: each age becomes as many #s (the table keeps its widths). */
const ages = (text: string) => text.replace(/(?<=\s)\d+(s|m\d*s?|h\d*m?|d\d*h?)(?=\s|$)/gm, (age) => '#'.repeat(age.length))

describe('kubemu kubectl', () => {
  let home: string
  // A seeded cluster: its clock moves only with the commands' own steps, not with the machine's
  // speed, so the AGE columns (and the tables' widths) are the same on a loaded machine.
  const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '1'}, stdin})

  beforeAll(() => {
    home = temporaryFolder()
  })

  it('gets the bootstrapped nodes as kubectl prints them, wide too', async () => {
    const nodes = await kubectl('get nodes')
    expect(nodes.status).toBe(0)
    expect(ages(nodes.stdout)).toBe(
      'NAME             STATUS   ROLES           AGE   VERSION\n' +
        'control-plane    Ready    control-plane   ##    v1.32.0\n' +
        'control-plane2   Ready    control-plane   ##    v1.32.0\n' +
        'control-plane3   Ready    control-plane   ##    v1.32.0\n' +
        'worker-1         Ready    <none>          ##    v1.32.0\n' +
        'worker-2         Ready    <none>          ##    v1.32.0\n' +
        'worker-3         Ready    <none>          ##    v1.32.0\n',
    )
    // Without headers the columns are only as wide as their cells.
    const wide = await kubectl('get nodes -o wide --no-headers')
    expect(ages(wide.stdout).split('\n')[3]).toBe('worker-1         Ready   <none>          ##    v1.32.0   172.18.0.5   <none>   kubemu simulated node   6.1.0-kubemu   kubemu://1.0.0')
    const labels = await kubectl('get ns kube-system --show-labels')
    expect(ages(labels.stdout)).toBe('NAME          STATUS   AGE   LABELS\nkube-system   Active   ##    kubernetes.io/metadata.name=kube-system\n')
  })

  it('applies a multi-document manifest: created, unchanged, configured', async () => {
    const manifest = join(home, 'app.yaml')
    const write = (replicas: number, color: string) =>
      writeFileSync(
        manifest,
        `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: team-a\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: team-a\ndata:\n  color: ${color}\n`,
      )
    write(2, 'blue')
    const first = await kubectl(`apply -f ${manifest}`)
    expect(first.stdout).toBe('namespace/team-a created\ndeployment.apps/web created\nconfigmap/settings created\n')
    const again = await kubectl(`apply -f ${manifest}`)
    expect(again.stdout).toBe('namespace/team-a unchanged\ndeployment.apps/web unchanged\nconfigmap/settings unchanged\n')
    write(3, 'red')
    const changed = await kubectl(`apply -f ${manifest}`)
    expect(changed.stdout).toBe('namespace/team-a unchanged\ndeployment.apps/web configured\nconfigmap/settings configured\n')
    const listed = await kubectl('-n team-a get deploy,cm')
    expect(ages(listed.stdout)).toBe(
      // The root CA publisher's ConfigMap is in every namespace, as in a real cluster.
      'NAME                  READY   UP-TO-DATE   AVAILABLE   AGE\ndeployment.apps/web   3/3     3            3           ##\n\nNAME                         DATA   AGE\nconfigmap/kube-root-ca.crt   1      ##\nconfigmap/settings           1      ##\n',
    )
    const yaml = await kubectl('get configmap settings -n team-a -o yaml')
    expect(yaml.stdout).toContain('  kubectl.kubernetes.io/last-applied-configuration: |\n      {"apiVersion":"v1","data":{"color":"red"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"settings","namespace":"team-a"}}\n')
    expect(yaml.stdout.startsWith('apiVersion: v1\ndata:\n  color: red\nkind: ConfigMap\nmetadata:\n')).toBe(true)
    const names = await kubectl('get deployments -n team-a -o name')
    expect(names.stdout).toBe('deployment.apps/web\n')
    const json = await kubectl('get cm -n team-a -o json')
    expect(JSON.parse(json.stdout)).toMatchObject({apiVersion: 'v1', kind: 'List', metadata: {resourceVersion: ''}, items: [{kind: 'ConfigMap', metadata: {name: 'kube-root-ca.crt'}}, {kind: 'ConfigMap', metadata: {name: 'settings'}}]})
    const created = await kubectl(`create -f ${manifest}`)
    expect(created.status).toBe(1)
    expect(created.stderr).toContain(`Error from server (AlreadyExists): error when creating "${manifest}": deployments.apps "web" already exists\n`)
  })

  it('prints kubectl errors and exits 1 on bad input, changing nothing', async () => {
    const unknown = await kubectl('get gizmos')
    expect(unknown).toMatchObject({status: 1, stdout: '', stderr: 'error: the server doesn\'t have a resource type "gizmos"\n'})
    const missing = await kubectl('get pod nope')
    expect(missing).toMatchObject({status: 1, stderr: 'Error from server (NotFound): pods "nope" not found\n'})
    expect((await kubectl('get pod nope --ignore-not-found')).status).toBe(0)
    const noFile = await kubectl('apply -f does-not-exist.yaml')
    expect(noFile).toMatchObject({status: 1, stderr: 'error: the path "does-not-exist.yaml" does not exist\n'})
    const badKind = await kubectl('apply -f -', 'apiVersion: v1\nkind: Gizmo\nmetadata:\n  name: g\n')
    expect(badKind.status).toBe(1)
    expect(badKind.stderr).toBe('error: resource mapping not found for name: "g" namespace: "" from "STDIN": no matches for kind "Gizmo" in version "v1"\nensure CRDs are installed first\n')
    const invalid = await kubectl('apply -f -', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad\nspec:\n  replicas: -1\n  selector:\n    matchLabels: {app: bad}\n  template:\n    metadata:\n      labels: {app: bad}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n')
    expect(invalid).toMatchObject({status: 1, stderr: 'The Deployment "bad" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n'})
    const help = await kubectl('scale --help')
    expect(help.status).toBe(0)
    expect(help.stdout.startsWith('Set a new size for a deployment, replica set, replication controller, or stateful set.\n')).toBe(true)
    expect((await kubectl('config -h')).stdout).toContain('\n  view              Display merged kubeconfig settings or a specified kubeconfig file\n')
    const flag = await kubectl('get pods --bogus')
    expect(flag).toMatchObject({status: 1, stderr: "error: unknown flag: --bogus\nSee 'kubectl get --help' for usage.\n"})
    const mismatch = await kubectl('apply -n other -f -', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: team-a\n')
    expect(mismatch.stderr).toBe(`error: the namespace from the provided object "team-a" does not match the namespace "other". You must pass '--namespace=team-a' to perform this operation.\n`)
    expect((await kubectl('get deploy bad')).status).toBe(1)
  })

  it('deletes by name, by file and by selector', async () => {
    await kubectl('apply -f -', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n  labels: {tier: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n  labels: {tier: x}\n')
    const bySelector = await kubectl('delete configmaps -l tier=x')
    expect(bySelector.stdout).toBe('configmap "one" deleted\nconfigmap "two" deleted\n')
    const again = await kubectl('delete configmaps -l tier=x')
    // As the real kubectl 1.32 says it (issue19-sweep.test.ts compares): on stdout, no namespace named.
    expect(again).toMatchObject({status: 0, stdout: 'No resources found\n', stderr: ''})
    const missing = await kubectl('delete configmap one')
    expect(missing).toMatchObject({status: 1, stderr: 'Error from server (NotFound): configmaps "one" not found\n'})
    const dry = await kubectl('delete deployment web -n team-a --dry-run=client')
    expect(dry.stdout).toBe('deployment.apps "web" deleted (dry run)\n')
    expect((await kubectl('get deployment web -n team-a -o name')).stdout).toBe('deployment.apps/web\n')
  })

  it('delete waits until a finalized object is gone (--wait), or times out (--timeout), or returns at once (--wait=false)', async () => {
    expect((await kubectl('create configmap held --from-literal=a=1')).status).toBe(0)
    expect((await kubectl(`patch configmap held -p '{"metadata":{"finalizers":["example.com/hold"]}}'`)).status).toBe(0)
    expect(await kubectl('delete configmap held --wait=false')).toMatchObject({status: 0, stdout: 'configmap "held" deleted\n'})
    expect((await kubectl("get configmap held -o jsonpath='{.metadata.deletionTimestamp}'")).stdout).toMatch(/^\d{4}-/)
    expect(await kubectl('delete configmap held --timeout=1s')).toMatchObject({status: 1, stdout: 'configmap "held" deleted\n', stderr: 'error: timed out waiting for the condition on configmaps/held\n'})
    // Another process removes the finalizer while this delete waits: the delete then returns.
    const waiting = spawn(kubemu, ['kubectl', 'delete', 'configmap', 'held'], {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    let output = ''
    const exited = new Promise<number | null>((resolve) => waiting.on('exit', resolve))
    await new Promise<void>((resolve) => waiting.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      if (output.includes('deleted')) resolve()
    }))
    expect((await kubectl(`patch configmap held --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'`)).status).toBe(0)
    expect(await exited).toBe(0)
    expect((await kubectl('get configmap held')).status).toBe(1)
  })

  it('builds objects as the real kubectl 1.32 does (client dry runs, every format, jsonpath)', async () => {
    const lines = [
      'create deployment web --image=nginx:1.27 --replicas=3 --dry-run=client -o yaml',
      'create deployment web --image=nginx:1.27 --replicas=3 --dry-run=client -o json',
      'create deployment web --image=nginx --image=redis:7 --port=-1 --dry-run=client -o yaml',
      'create deployment web --image=nginx:1.27 --port=8080 -n team --dry-run=client -o yaml',
      'create deployment web --image=nginx --dry-run=client',
      'create deployment web --image=nginx --dry-run=client -o name',
      'create namespace x --dry-run=client -o yaml',
      'create ns x --dry-run=client -o json',
      "create configmap c --from-literal=b=2 --from-literal=a=1 --from-literal=star='*' --from-literal=yes=yes --from-literal=date=2024-01-01 --dry-run=client -o yaml",
      'create secret generic s --from-literal=user=admin --from-literal=password=s3cr3t --dry-run=client -o json',
      'create serviceaccount robot --dry-run=client -o yaml',
      'create job j --image=busybox --dry-run=client -o json -- echo hi',
      "create cronjob cj --image=busybox '--schedule=*/5 * * * *' --dry-run=client -o yaml -- echo hi",
      'create service clusterip svc --tcp=80:8080 --tcp=443 --dry-run=client -o json',
      'create service clusterip headless --clusterip=None --dry-run=client -o yaml',
      'create service nodeport np --tcp=80:8080 --node-port=30080 --dry-run=client -o json',
      'create quota q --hard=pods=10,cpu=2,memory=1024Mi --dry-run=client -o yaml',
      'create priorityclass high --value=1000 --description=important --dry-run=client -o json',
      'create rolebinding rb --role=r --user=jane --serviceaccount=ns:sa --group=g --dry-run=client -o json',
      'create clusterrolebinding crb --clusterrole=view --user=jane --dry-run=client -o yaml',
      'create secret docker-registry reg --docker-server=r.io --docker-username=u --docker-password=p --docker-email=e@x --dry-run=client -o json',
      "create deployment web --image=nginx:1.27 --replicas=2 --dry-run=client -o jsonpath='{.spec.template.spec.containers[*].image}'",
      "create deployment web --image=nginx --image=redis --dry-run=client -o jsonpath='{range .spec.template.spec.containers[*]}{.name}={.image}{\"\\n\"}{end}'",
      "create deployment web --image=nginx --dry-run=client -o jsonpath='{.metadata.labels}{.spec.replicas}{.status}'",
      "create deployment web --image=nginx --dry-run=client -o jsonpath='{.spec.template.spec.containers[?(@.name==\"nginx\")].image}'",
      "create service clusterip web --tcp=80 --dry-run=client -o jsonpath='{.metadata.labels.app}|{.spec.selector.app}|{.spec.ports[0].target\\Port}'",
      "create deployment web --image=nginx --dry-run=client -o custom-columns=NAME:.metadata.name,IMAGE:.spec.template.spec.containers[*].image,MISSING:.spec.nothing",
      "create deployment web --image=nginx --replicas=3 --dry-run=client -o go-template='{{.metadata.name}} {{.spec.replicas}}'",
      "create deployment web --image=nginx --image=redis --dry-run=client -o go-template='{{range .spec.template.spec.containers}}{{.name}}={{.image}}{{\"\\n\"}}{{end}}'",
      "create deployment web --image=nginx --dry-run=client -o go-template='{{index .metadata.labels \"app\"}} {{len .spec.template.spec.containers}} {{.metadata.missing}} {{.metadata.creationTimestamp}}'",
      "create deployment web --image=nginx --dry-run=client -o go-template='{{if .spec.replicas}}yes{{else}}no{{end}} {{.metadata.labels}} {{.spec.template.spec.containers}}'",
      "create deployment web --image=nginx --dry-run=client -o go-template='{{range $k, $v := .metadata.labels}}{{$k}}:{{$v}} {{end}}{{printf \"%s-%d\" .metadata.name 7}}{{- \" trimmed\" -}}'",
    ]
    for (const line of lines) {
      const real = await runShell(`kubectl ${line}`, {cwd: home, env: {...process.env, KUBECONFIG: join(home, 'none')}})
      const ours = await kubectl(line)
      expect({line, stdout: ours.stdout, stderr: ours.stderr, status: ours.status}).toEqual({line, stdout: real.stdout, stderr: real.stderr, status: real.status})
    }
  }, 300_000)

  it('answers version, api-resources, api-versions, cluster-info and auth as kubectl does', async () => {
    expect((await kubectl('version')).stdout).toBe('Client Version: v1.32.0\nKustomize Version: v5.5.0\nServer Version: v1.32.0\n')
    expect((await kubectl('version --client')).stdout).toBe('Client Version: v1.32.0\nKustomize Version: v5.5.0\n')
    const resources = (await kubectl('api-resources')).stdout.split('\n')
    expect(resources[0]).toMatch(/^NAME +SHORTNAMES +APIVERSION +NAMESPACED +KIND$/)
    expect(resources.find((line) => line.startsWith('deployments '))).toMatch(/^deployments +deploy +apps\/v1 +true +Deployment$/)
    expect((await kubectl('api-resources --api-group=apps -o name')).stdout).toBe('controllerrevisions.apps\ndaemonsets.apps\ndeployments.apps\nreplicasets.apps\nstatefulsets.apps\n')
    expect((await kubectl('api-resources --namespaced=false --no-headers -o name')).stdout).toContain('nodes\n')
    expect((await kubectl('api-versions')).stdout).toContain('apps/v1\nauthentication.k8s.io/v1\n')
    // Without `kubemu up` nothing listens behind the kubeconfig's URL, and cluster-info says so.
    expect((await kubectl('cluster-info')).stdout).toBe("Kubernetes control plane is not served at https://127.0.0.1:6443: `kubemu up` is not running, so each kubemu command runs the cluster in its own process\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n")
    expect(await kubectl('auth can-i create deployments')).toMatchObject({status: 0, stdout: 'yes\n'})
    expect(await kubectl('auth can-i get pods --as=jane')).toMatchObject({status: 1, stdout: 'no\n'})
    expect(await kubectl('auth can-i create selfsubjectaccessreviews --as=jane')).toMatchObject({status: 0, stdout: 'yes\n'})
    const forbidden = await kubectl('get pods --as=jane')
    expect(forbidden).toMatchObject({status: 1, stderr: 'Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"\n'})
    expect((await kubectl('auth whoami')).stdout).toBe('ATTRIBUTE   VALUE\nUsername    kubernetes-admin\nUID         kubernetes-admin\nGroups      [system:masters system:authenticated]\n')
    expect((await kubectl('auth whoami --as=jane --as-group=devs')).stdout).toBe('ATTRIBUTE   VALUE\nUsername    jane\nGroups      [devs system:authenticated]\n')
    const list = await kubectl('auth can-i --list')
    expect(list.stdout.split('\n')[1]).toMatch(/^\*\.\* +\[\] +\[\] +\[\*\]$/)
    // kubectl breaks the rules down to one verb and URL each, merges resource rules again by
    // group/resource/name and sorts by the rule's Go text (Verbs first): so /healthz twice.
    const jane = await kubectl('auth can-i --list --as=jane')
    expect(jane.stdout.split('\n').map((line) => line.replace(/ +/g, ' ').trim())).toEqual([
      'Resources Non-Resource URLs Resource Names Verbs',
      'selfsubjectreviews.authentication.k8s.io [] [] [create]',
      'selfsubjectaccessreviews.authorization.k8s.io [] [] [create]',
      'selfsubjectrulesreviews.authorization.k8s.io [] [] [create]',
      ...['/api/*', '/api', '/apis/*', '/apis', '/healthz', '/healthz', '/livez', '/livez', '/openapi/*', '/openapi', '/readyz', '/readyz', '/version/', '/version/', '/version', '/version'].map((url) => `[${url}] [] [get]`),
      '',
    ])
    expect(await kubectl('create role pod-reader --verb=get,list --verb=watch --resource=pods,deployments.apps/scale --resource-name=a --resource-name=b')).toMatchObject({status: 0})
    expect(await kubectl('create rolebinding jane-reads --role=pod-reader --user=jane')).toMatchObject({status: 0})
    const granted = (await kubectl('auth can-i --list --as=jane')).stdout.split('\n').map((line) => line.replace(/ +/g, ' ').trim())
    expect(granted.filter((line) => line.includes('[a]') || line.includes('[b]'))).toEqual([
      'pods [] [a] [get list watch]',
      'pods [] [b] [get list watch]',
      'deployments.apps/scale [] [a] [get list watch]',
      'deployments.apps/scale [] [b] [get list watch]',
    ])
  })

  it('watches with -w: a watch in one process shows changes made by commands in another', async () => {
    expect((await kubectl('create namespace watching')).status).toBe(0)
    expect((await kubectl('create configmap seed --from-literal=a=1 -n watching')).status).toBe(0)
    const watcher = spawn(kubemu, ['kubectl', 'get', 'configmaps', '-w', '--output-watch-events', '-n', 'watching'], {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    let output = ''
    const waiting: Array<{text: string; resolve: () => void}> = []
    watcher.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      for (const entry of [...waiting]) if (output.includes(entry.text)) {
        waiting.splice(waiting.indexOf(entry), 1)
        entry.resolve()
      }
    })
    const seen = (text: string) => new Promise<void>((resolve) => (output.includes(text) ? resolve() : waiting.push({text, resolve})))
    try {
      await seen('seed')
      expect((await kubectl('create configmap watched --from-literal=a=1 -n watching')).status).toBe(0)
      await seen('watched')
      expect((await kubectl('label configmap watched -n watching color=red')).status).toBe(0)
      expect((await kubectl('delete configmap watched -n watching')).status).toBe(0)
      await seen('DELETED')
    } finally {
      watcher.kill()
    }
    const lines = ages(output).split('\n').filter((line) => line.length > 0)
    expect(lines).toEqual([
      // kubectl pads the known event types to one width, so the EVENT column never widens.
      'EVENT      NAME               DATA   AGE',
      'ADDED      kube-root-ca.crt   1      ##',
      'ADDED      seed               1      ##',
      'ADDED      watched            1      ##',
      'MODIFIED   watched            1      ##',
      'DELETED    watched            1      ##',
    ])
  }, 60_000)

  it('edits with $KUBE_EDITOR and replaces from a file', async () => {
    expect((await kubectl('create deployment edited --image=nginx:1.27 --replicas=2')).status).toBe(0)
    const editWith = (editor: string, line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBE_EDITOR: editor}})
    const edited = await editWith("sed -i 's/replicas: 2/replicas: 4/'", 'edit deployment edited')
    expect(edited).toMatchObject({status: 0, stdout: 'deployment.apps/edited edited\n'})
    expect((await kubectl("get deployment edited -o jsonpath='{.spec.replicas}'")).stdout).toBe('4')
    const untouched = await editWith('true', 'edit deployment/edited')
    expect(untouched).toMatchObject({status: 0, stdout: '', stderr: 'Edit cancelled, no changes made.\n'})
    const invalid = await editWith("sed -i 's/replicas: 4/replicas: -1/'", 'edit deployment edited')
    expect(invalid.status).toBe(1)
    expect(invalid.stderr).toMatch(/^error: deployments\.apps "edited" is invalid\nA copy of your changes has been stored to ".*\/kubectl-edit-\d+\.yaml"\nerror: Edit cancelled, no valid changes were saved\.\n$/)
    expect((await kubectl("get deployment edited -o jsonpath='{.spec.replicas}'")).stdout).toBe('4')

    const yaml = (await kubectl('get deployment edited -o yaml')).stdout.replace('replicas: 4', 'replicas: 5')
    const replaced = await kubectl('replace -f -', yaml)
    expect(replaced).toMatchObject({status: 0, stdout: 'deployment.apps/edited replaced\n'})
    const stale = await kubectl('replace -f -', yaml)
    expect(stale.status).toBe(1)
    expect(stale.stderr).toBe('Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on deployments.apps "edited": the object has been modified; please apply your changes to the latest version and try again\n')
    const forced = await kubectl('replace --force -f -', yaml)
    expect(forced).toMatchObject({status: 0, stdout: 'deployment.apps "edited" deleted\ndeployment.apps/edited replaced\n'})
  })

  it('shows events and diffs a manifest against the live objects', async () => {
    expect(await kubectl('events -n watching')).toMatchObject({status: 0, stdout: '', stderr: 'No events found in watching namespace.\n'})
    const event = 'apiVersion: v1\nkind: Event\nmetadata: {name: seed.1, namespace: watching}\ninvolvedObject: {kind: ConfigMap, name: seed, namespace: watching}\nreason: Checked\nmessage: looked at the seed\ntype: Normal\ncount: 1\nsource: {component: tester}\n'
    expect((await kubectl('apply -f -', event)).status).toBe(0)
    const events = await kubectl('events -n watching')
    expect(events.stdout.split('\n')[0]).toBe('LAST SEEN   TYPE     REASON    OBJECT           MESSAGE')
    expect(events.stdout.split('\n')[1]).toMatch(/^<invalid>|\S+ +Normal +Checked +ConfigMap\/seed +looked at the seed$/)
    const seed = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seed, namespace: watching}\ndata: {a: "1"}\n'
    // Created without apply, the object gains the last-applied annotation on its first apply;
    // diff leaves the annotation as it is (as kubectl 1.32's does), so it shows no difference.
    expect(await kubectl('diff -f -', seed)).toMatchObject({status: 0, stdout: ''})
    expect((await kubectl('apply -f -', seed)).stdout).toBe('configmap/seed configured\n')
    const same = await kubectl('diff -f -', seed)
    expect(same).toMatchObject({status: 0, stdout: ''})
    const changed = await kubectl('diff -f -', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seed, namespace: watching}\ndata: {a: "2"}\n')
    expect(changed.status).toBe(1)
    const body = changed.stdout.split('\n').filter((line) => !line.startsWith('---') && !line.startsWith('+++') && !line.startsWith('@@') && !line.startsWith('diff '))
    expect(body).toContain('-  a: "1"')
    expect(body).toContain('+  a: "2"')
    expect(changed.stdout).toMatch(/^diff -u -N \S+\/LIVE-\d+\/v1\.ConfigMap\.watching\.seed \S+\/MERGED-\d+\/v1\.ConfigMap\.watching\.seed\n/)
    expect((await kubectl("get cm seed -n watching -o jsonpath='{.data.a}'")).stdout).toBe('1')
  })

  it('explains kinds and fields from the OpenAPI documents, custom resources too', async () => {
    const explained = await kubectl('explain deployment.spec.replicas')
    expect(explained.stdout).toBe(
      'GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: replicas <integer>\n\n\nDESCRIPTION:\n    Number of desired pods. This is a pointer to distinguish between explicit\n    zero and not specified. Defaults to 1.\n    \n\n',
    )
    const pods = await kubectl('explain pods.spec.containers')
    expect(pods.stdout).toContain('FIELD: containers <[]Container>')
    expect(pods.stdout).toContain('  resources\t<ResourceRequirements>\n')
    expect(await kubectl('explain pods.spec.nothing')).toMatchObject({status: 1, stdout: 'KIND:       Pod\nVERSION:    v1\n\n', stderr: 'error: field "nothing" does not exist\n'})
  })

  it('applies server-side with field managers and conflicts', async () => {
    const manifest = (replicas: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ssa, labels: {app: ssa}}\nspec:\n  replicas: ${replicas}\n  selector: {matchLabels: {app: ssa}}\n  template:\n    metadata: {labels: {app: ssa}}\n    spec:\n      containers: [{name: web, image: nginx:1.27}]\n`
    expect(await kubectl('apply --server-side -f -', manifest(2))).toMatchObject({status: 0, stdout: 'deployment.apps/ssa serverside-applied\n'})
    const managed = JSON.parse((await kubectl('get deployment ssa -o json --show-managed-fields')).stdout)
    // kubectl's apply, then the deployment controller's revision annotation.
    expect(managed.metadata.managedFields).toEqual([
      expect.objectContaining({manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: expect.objectContaining({'f:spec': expect.objectContaining({'f:replicas': {}})})}),
      expect.objectContaining({manager: 'kube-controller-manager', operation: 'Update', fieldsV1: {'f:metadata': {'f:annotations': {'.': {}, 'f:deployment.kubernetes.io/revision': {}}}}}),
    ])
    expect(JSON.parse((await kubectl('get deployment ssa -o json')).stdout).metadata.managedFields).toBeUndefined()
    expect((await kubectl('scale deployment ssa --replicas=5')).status).toBe(0)
    const conflict = await kubectl('apply --server-side -f -', manifest(3))
    expect(conflict.status).toBe(1)
    expect(conflict.stderr.split('\n')[0]).toBe('error: Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas')
    expect(conflict.stderr).toContain('command with the `--force-conflicts` flag.')
    expect((await kubectl('apply --server-side --force-conflicts -f -', manifest(3))).stdout).toBe('deployment.apps/ssa serverside-applied\n')
    expect((await kubectl("get deployment ssa -o jsonpath='{.spec.replicas}'")).stdout).toBe('3')
    // A field the manager stops applying goes away when nobody else owns it.
    const withoutLabels = manifest(3).replace('metadata: {name: ssa, labels: {app: ssa}}', 'metadata: {name: ssa}')
    expect((await kubectl('apply --server-side -f -', withoutLabels)).status).toBe(0)
    expect((await kubectl("get deployment ssa -o jsonpath='{.metadata.labels}'")).stdout).toBe('')
  })
})
