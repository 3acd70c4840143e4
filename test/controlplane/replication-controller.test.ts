// ReplicationController (core/v1, rc) through the real CLI: stored with kube-apiserver's defaults
// (the selector and labels from the template) and field errors, run by the replication manager
// (pods created, adopted, scaled down, collected with their controller), printed, described,
// scaled and exposed as kubectl 1.32 does it; and the real kubectl against `kubemu up` prints the same.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess} from '../support/up-process.js'

const controller = `apiVersion: v1
kind: ReplicationController
metadata:
  name: web
spec:
  replicas: 3
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
`

const invalid = `apiVersion: v1
kind: ReplicationController
metadata:
  name: bad
spec:
  replicas: -1
  minReadySeconds: -2
  selector: {app: other}
  template:
    metadata:
      labels: {app: bad}
    spec:
      restartPolicy: Never
      activeDeadlineSeconds: 5
      containers:
      - {name: c, image: busybox}
`

const noSelector = `apiVersion: v1
kind: ReplicationController
metadata: {name: bare}
spec:
  template:
    spec:
      containers:
      - {name: c, image: busybox}
`

const orphan = `apiVersion: v1
kind: Pod
metadata:
  name: stray
  labels: {app: web}
spec:
  containers:
  - {name: nginx, image: nginx:1.27}
`

/** Ages move between two commands: the comparisons leave them out. */
const withoutAges = (text: string) => text.replace(/ {2}\d+(?:m\d+)?s( +|$)/gm, '  AGE$1').replace(/ +/g, ' ')

describe('kubemu kubectl and ReplicationController', () => {
  let home: string
  const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}, stdin})

  beforeAll(() => {
    home = temporaryFolder()
    writeFileSync(join(home, 'rc.yaml'), controller)
  })

  it("refuses a bad controller with kube-apiserver's field errors and stores nothing", async () => {
    expect(await kubectl('apply -f -', invalid)).toMatchObject({
      status: 1,
      stdout: '',
      stderr:
        'The ReplicationController "bad" is invalid: \n' +
        '* spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0\n' +
        '* spec.replicas: Invalid value: -1: must be greater than or equal to 0\n' +
        '* spec.template.metadata.labels: Invalid value: map[string]string{"app":"bad"}: `selector` does not match template `labels`\n' +
        '* spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"\n' +
        '* spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicationController is not Supported\n',
    })
    expect(await kubectl('create -f -', noSelector)).toMatchObject({status: 1, stderr: 'The ReplicationController "bare" is invalid: spec.selector: Required value\n'})
    expect(await kubectl('get rc')).toMatchObject({status: 0, stdout: '', stderr: 'No resources found in default namespace.\n'})
  })

  it('defaults the selector and labels from the template and runs its pods, adopting a matching orphan', async () => {
    expect((await kubectl('apply -f -', orphan)).stdout).toBe('pod/stray created\n')
    expect(await kubectl('apply -f rc.yaml')).toMatchObject({status: 0, stdout: 'replicationcontroller/web created\n'})
    expect((await kubectl("get rc web -o jsonpath='{.spec.selector} {.metadata.labels} {.spec.replicas} {.status.readyReplicas}'")).stdout).toBe('{"app":"web"} {"app":"web"} 3 3')
    const owners = (await kubectl("get pods -l app=web -o jsonpath='{range .items[*]}{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {end}'")).stdout
    expect(owners).toBe('ReplicationController/web '.repeat(3))
    // The stray pod counted as one of the three: two were created.
    expect((await kubectl("get pods stray -o jsonpath='{.metadata.ownerReferences[0].controller}'")).stdout).toBe('true')
    const events = await kubectl("get events --field-selector involvedObject.kind=ReplicationController -o jsonpath='{range .items[*]}{.source.component} {.reason} {.message}{\"\\n\"}{end}'")
    expect(events.stdout.trim().split('\n').map((line) => line.replace(/web-\w{5}$/, 'web-X'))).toEqual(['replication-controller SuccessfulCreate Created pod: web-X', 'replication-controller SuccessfulCreate Created pod: web-X'])
    // Stored under kube's key for replication controllers.
    expect((await runShell(`${kubemu} etcdctl get /registry/controllers/default/web --keys-only`, {cwd: home, env: {...process.env, KUBEMU_HOME: home}})).stdout).toBe('/registry/controllers/default/web\n\n')
  })

  it('prints and describes the controller as kubectl 1.32 does', async () => {
    const table = await kubectl('get rc')
    expect(withoutAges(table.stdout)).toBe('NAME DESIRED CURRENT READY AGE\nweb 3 3 3 AGE\n')
    const wide = await kubectl('get replicationcontrollers -o wide')
    expect(withoutAges(wide.stdout)).toBe('NAME DESIRED CURRENT READY AGE CONTAINERS IMAGES SELECTOR\nweb 3 3 3 AGE nginx nginx:1.27 app=web\n')
    const description = (await kubectl('describe rc web')).stdout
    expect(description.split('Events:')[0]).toBe(
      [
        'Name:         web',
        'Namespace:    default',
        'Selector:     app=web',
        'Labels:       app=web',
        'Annotations:  <none>',
        'Replicas:     3 current / 3 desired',
        'Pods Status:  3 Running / 0 Waiting / 0 Succeeded / 0 Failed',
        'Pod Template:',
        '  Labels:  app=web',
        '  Containers:',
        '   nginx:',
        '    Image:         nginx:1.27',
        '    Port:          80/TCP',
        '    Host Port:     0/TCP',
        '    Environment:   <none>',
        '    Mounts:        <none>',
        '  Volumes:         <none>',
        '  Node-Selectors:  <none>',
        '  Tolerations:     <none>',
        '',
      ].join('\n'),
    )
    expect(description).toMatch(/Normal {2}SuccessfulCreate +\d+s +replication-controller +Created pod: web-\w{5}\n/)
  })

  it('scales through the scale subresource and exposes the selector', async () => {
    expect((await kubectl('get --raw /api/v1/namespaces/default/replicationcontrollers/web/scale')).stdout).toMatch(/"spec":\{"replicas":3\},"status":\{"replicas":3,"selector":"app=web"\}/)
    expect(await kubectl('scale rc web --current-replicas=2 --replicas=1')).toMatchObject({status: 1, stderr: 'error: Expected replicas to be 2, was 3\n'})
    expect((await kubectl('scale rc web --replicas=1')).stdout).toBe('replicationcontroller/web scaled\n')
    expect((await kubectl("get pods -l app=web -o jsonpath='{.items[*].metadata.name}'")).stdout.split(' ')).toHaveLength(1)
    expect((await kubectl('describe rc web')).stdout).toMatch(/SuccessfulDelete +\d+s +replication-controller +Deleted pod: /)
    expect((await kubectl('expose rc web --port=8080 --target-port=80')).stdout).toBe('service/web exposed\n')
    expect((await kubectl("get svc web -o jsonpath='{.spec.selector} {.spec.ports[0].targetPort}'")).stdout).toBe('{"app":"web"} 80')
  })

  it("deletes the controller's pods with it", async () => {
    expect((await kubectl('delete rc web')).stdout).toBe('replicationcontroller "web" deleted\n')
    expect(await kubectl('get pods -l app=web')).toMatchObject({stdout: '', stderr: 'No resources found in default namespace.\n'})
  })
})

describe('the real kubectl and ReplicationController against kubemu up', () => {
  let up: UpProcess | null = null
  afterAll(async () => {
    await up?.stop()
  })

  it('gets, describes and scales a controller as kubemu kubectl does', async () => {
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    up = new UpProcess(home)
    await up.until(/leader election: \S+ leads/)
    const real = (line: string, stdin?: string) => runShell(`kubectl --kubeconfig=${join(home, 'default', 'kubeconfig')} ${line}`, {cwd: home, env: environment, stdin})
    const ours = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment})
    expect(await real('apply -f -', controller)).toMatchObject({status: 0, stdout: 'replicationcontroller/web created\n'})
    expect((await real('wait --for=jsonpath={.status.readyReplicas}=3 rc/web --timeout=60s')).stdout).toBe('replicationcontroller/web condition met\n')
    for (const line of ['get rc', 'get rc -o wide', 'describe rc web']) {
      const [theirs, mine] = [await real(line), await ours(line)]
      expect(theirs.status).toBe(0)
      expect(withoutAges(mine.stdout)).toBe(withoutAges(theirs.stdout))
    }
    expect((await real('scale rc web --replicas=1')).stdout).toBe('replicationcontroller/web scaled\n')
    expect((await real('wait --for=jsonpath={.status.replicas}=1 rc/web --timeout=60s')).status).toBe(0)
    expect((await real('expose rc web --port=80 --dry-run=server -o jsonpath={.spec.selector}')).stdout).toBe('{"app":"web"}')
  })
})
