// kubemu's kubectl and the real kubectl 1.32 on the same API server and the same objects: get
// tables and describe must print the same.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ControlPlane} from '../../src/core/controlplane/control-plane.js'
import {systemClock} from '../../src/core/util/clock.js'
import {SeededRandom} from '../../src/core/util/random.js'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}, annotations: {note: hello}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
        env: [{name: MODE, value: prod}]
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
        livenessProbe: {httpGet: {path: /healthz, port: 80}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 8080, targetPort: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, labels: {tier: x, app: web}}
data: {color: blue, size: large}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: single}
data: {motd: hello world}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {user: admin}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [echo, hi], args: ["--twice"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: solo, labels: {app: solo}}
spec:
  containers:
  - name: main
    image: busybox:1.36
    command: [sleep, "3600"]
    volumeMounts: [{name: scratch, mountPath: /scratch}, {name: conf, mountPath: /etc/conf, readOnly: true}]
  volumes:
  - {name: scratch, emptyDir: {}}
  - {name: conf, configMap: {name: settings}}
  tolerations: [{key: dedicated, operator: Equal, value: batch, effect: NoSchedule}]
  nodeSelector: {disk: ssd}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute}
spec:
  hard: {pods: "20", requests.cpu: "4", requests.memory: 8Gi, count/deployments.apps: "5", services: "10"}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: A Widget is a thing with a size.
        properties:
          spec:
            type: object
            description: What the widget should be.
            required: [size]
            properties:
              size: {type: integer, description: How big the widget is, in millimetres.}
              colour: {type: string, enum: [red, green, blue], description: Its colour.}
              parts: {type: array, items: {type: object, properties: {name: {type: string}}}}
`

describe('kubemu kubectl beside the real kubectl on one API server', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    const applied = await cluster.ours('apply -f -', manifest)
    expect(applied.stderr).toBe('')
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  const same = async (line: string) => {
    const real = await cluster.real(line)
    const ours = await cluster.ours(line)
    if (process.env.SHOW_REFERENCE) console.log(`=== ${line}\n${ours.stdout}${ours.stderr}--- real\n${real.stdout}${real.stderr}`)
    // Ages (9s, 2m47s, 3h) are computed on each side a moment apart. When one crossed a digit (9s → 10s) the
    // columns after it move, so then the columns' padding is compared as one gap.
    const agePattern = /\b(?:\d+[ydhm])*\d+[ydhms]\b/g
    const ageWidths = (text: string) => (text.match(agePattern) ?? []).map((age) => age.length).join()
    const columnsMoved = ageWidths(ours.stdout) !== ageWidths(real.stdout)
    const ages = (text: string) => {
      const masked = text.replace(agePattern, 'AGE')
      return columnsMoved ? masked.replace(/ {2,}/g, '  ') : masked
    }
    expect({line, stdout: ages(ours.stdout), stderr: ours.stderr, status: ours.status}).toEqual({line, stdout: ages(real.stdout), stderr: real.stderr.split('\n').filter((row) => !row.includes('memcache.go')).join('\n'), status: real.status})
  }

  for (const line of [
    'get nodes',
    'get nodes -o wide',
    'get all',
    'get deploy,svc,cm,secret -o wide',
    'get pods --show-labels',
    'get cm -L app,tier',
    'get ns --no-headers',
    'get pods -A',
    'get clusterroles admin edit view',
    'get deploy web -o name',
    'get svc web -o jsonpath={.spec.ports[0].name}',
    'get nodes -o custom-columns=NAME:.metadata.name,CPU:.status.capacity.cpu,TAINTS:.spec.taints[*].effect',
    'get pod missing',
    'get svc --sort-by=.spec.clusterIP -o name',
    'get svc --sort-by=.metadata.name',
    'get nodes --sort-by=.metadata.name --no-headers',
    'get cm --sort-by=.metadata.name -o custom-columns=NAME:.metadata.name',
    'describe node worker-1',
    'describe node control-plane',
    // The masters' mirror pods: no service account, a seccomp profile, probe paths with a query.
    'describe pod etcd-control-plane -n kube-system',
    'describe pod kube-apiserver-control-plane2 -n kube-system',
    'get pods -n kube-system -o wide',
    'describe namespace default',
    'describe service web',
    'describe service web-np',
    // One key: the real kubectl walks a Go map, so several keys come in a random order.
    'describe configmap single',
    'describe serviceaccount default',
    'describe pod solo',
    'describe job once',
    'describe deployment web',
    'describe secret creds',
    'describe quota compute',
    // The metrics.k8s.io API (simulated use) read by both tops.
    'top nodes',
    'top pods',
    'top pods -A --containers',
    'top pods --sum',
    'top pods -A --containers --sum --field-selector=metadata.namespace=kube-system',
    'top nodes --sort-by=cpu --no-headers',
    // Listed as metrics-server's tables print: a column per resource, and the window.
    'get nodes.metrics.k8s.io',
    'get podmetrics -A',
    'get nodemetrics worker-1',
    'get podmetrics -l nothing=here',
    // Sorting asks for the rows' whole objects (includeObject=Object), kind included.
    'get nodemetrics --sort-by=.metadata.name',
    'get podmetrics -A --sort-by=.metadata.name',
    'describe pods',
    'create role reader --verb=get,list --resource=pods,deployments.apps,pods/log --dry-run=client -o json',
    'create service externalname ext --external-name=example.com --dry-run=client -o yaml',
    // Texts go-yaml would read as integers in Go's other bases are quoted.
    'create configmap bases --from-literal=a=0X1F --from-literal=b=0o17 --from-literal=c=0B101 --from-literal=d=0x_1f --dry-run=client -o yaml',
    // Bad arguments, refused with kubectl's words before anything is sent.
    'get deployment/web/extra',
    'get deployment/ pods/x',
    'get a,b/x',
    'scale --replicas=2',
    'run x --image=nginx --restart=Bad',
    'run x --image=nginx --port=abc --dry-run=client',
    'run x --image=nginx --port=99999999999999999999 --dry-run=client',
    'auth can-i nope nope',
    'auth can-i fly /healthz',
    'auth can-i nope nodes',
    'create clusterrole watcher --verb=watch --resource=nodes --resource-name=worker-1 --non-resource-url=/healthz --dry-run=client -o yaml',
    'create clusterrole checker --verb=get --resource=nodes --non-resource-url=/healthz,/version --dry-run=client -o yaml',
    'create role bad --verb=fly --resource=pods --dry-run=client -o yaml',
    'run nginx --image=nginx --dry-run=client -o json',
    'run bb --image=busybox --port=80 --env=A=1 --env=B=two --labels=x=y --restart=Never --image-pull-policy=IfNotPresent --dry-run=client -o json -- sleep 3600',
    "run bb --image=busybox --command --dry-run=client -o yaml -- sh -c 'echo hi'",
    'run nginx --image=nginx --dry-run=client',
    `run pinned --image=nginx --overrides='{"spec":{"nodeName":"worker-1","containers":[{"name":"pinned","image":"nginx:1.28"}]}}' --dry-run=client -o yaml`,
    'expose deployment web --port=80 --target-port=8080 --dry-run=client -o json',
    'expose deployment web --dry-run=client -o yaml',
    'expose deployment web --type=NodePort --name=web-np2 --port=80 --dry-run=client -o yaml',
    'set image deployment/web web=nginx:1.28 --dry-run=client -o yaml',
    'set env deployment/web MODE=dev EXTRA=1 --dry-run=client -o yaml',
    'set resources deployment web --limits=cpu=200m,memory=512Mi --requests=cpu=100m --dry-run=client -o yaml',
    // explain reads /openapi/v3 from the same server: both render the same document.
    'explain pods',
    'explain pods.spec.affinity',
    'explain deployments.spec.strategy.rollingUpdate.maxSurge',
    'explain pods.spec.containers.resources',
    'explain pod.metadata.creationTimestamp',
    'explain services.spec --recursive',
    'explain rolebindings.subjects',
    'explain pods.spec.nope',
    'explain cronjobs --api-version=batch/v1',
    'explain widgets',
    'explain widgets.spec',
    'explain widgets.spec.colour',
    'explain widgets --recursive',
    // top's and logs' own checks, before anything is asked.
    'top pod a b',
    'top node a b',
    'top pod a -l x=y',
    'top node a -l x=y',
    'logs nosuch --pod-running-timeout=5s',
    // --rm removes the pod when the wait for it times out too (kubectl defers the removal).
    "run to-x --image=busybox --restart=Never --rm --attach --pod-running-timeout=1s --overrides='{\"spec\":{\"nodeSelector\":{\"no\":\"pe\"}}}' -- echo hi",
    'get pod to-x',
    // Streams to containers: refused by the API server (simulated containers), printed the same.
    'exec solo -- ls',
    'exec solo',
    'exec missing -- ls',
    'exec deploy/web -c web -- cat /etc/hostname',
    'port-forward pod/solo 8080:80',
    'port-forward solo',
    // Arguments where none are taken, and selectors parsed before anything is asked.
    'version extra',
    'api-resources extra --sort-by=x',
    'api-versions extra',
    "top node --selector='a b'",
    "top pod -l 'a b'",
    "top pod --field-selector='a b'",
    // cluster-info lists the cluster services of the namespace -n names (kube-system without it).
    'cluster-info -n default',
    // A node list the server refuses: the resource builder's words; explain's output check.
    "uncordon -l 'a b'",
    "taint nodes -l 'a b' k=v:NoSchedule",
    'explain pods.spec --output=bad',
  ]) {
    it(`prints the same for: kubectl ${line}`, () => same(line), 30_000)
  }
})

describe('rollout history of StatefulSets and DaemonSets beside the real kubectl', () => {
  let cluster: ReferenceCluster
  const settle = async () => {
    const random = new SeededRandom(2)
    const plane = new ControlPlane(cluster.api, systemClock, () => random.next())
    try {
      expect((await plane.settle()).settled).toBe(true)
    } finally {
      plane.stop()
    }
  }

  beforeAll(async () => {
    cluster = await referenceCluster()
    const workloads = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, annotations: {kubernetes.io/change-cause: first}}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: "postgres:16", ports: [{containerPort: 5432}]}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: busybox, env: [{name: LEVEL, value: debug}]}]}
`
    expect((await cluster.ours('apply -f -', workloads)).stderr).toBe('')
    await settle()
    expect((await cluster.ours('annotate statefulset db kubernetes.io/change-cause=second --overwrite')).status).toBe(0)
    expect((await cluster.ours('set image statefulset/db db=postgres:17')).status).toBe(0)
    expect((await cluster.ours('set image daemonset/agent agent=busybox:1.37')).status).toBe(0)
    await settle()
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of [
    'rollout history statefulset/db',
    'rollout history statefulset/db --revision=1',
    'rollout history statefulset/db --revision=9',
    'rollout history daemonset/agent',
    'rollout history daemonset/agent --revision=2',
    'rollout undo statefulset/db --to-revision=9',
    // Not here: an undo to the current revision. The real kubectl compares the revision's bytes
    // with the object marshalled by Go (struct field order); kubemu's controllers store the
    // template in the API's JSON order, so the real kubectl patches (a no-op) and says
    // "rolled back" where, against kube-controller-manager's revisions, it says "skipped
    // rollback" as kubemu's kubectl does.
  ]) {
    it(`prints the same for: kubectl ${line}`, async () => {
      const real = await cluster.real(line)
      const ours = await cluster.ours(line)
      expect({line, ...ours}).toEqual({line, ...real, stderr: real.stderr.split('\n').filter((row) => !row.includes('memcache.go')).join('\n')})
    }, 30_000)
  }
})
