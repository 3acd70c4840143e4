// Issue 19's leftovers beside the real kubectl 1.32 on one API server: JSONPath ranges without
// their {end} (the body runs per item, then once more where the range stands) and an {end}
// outside any range (an execution error), bracket keys only in single quotes, empty templates;
// run --pod-running-timeout; Secrets of the docker-config, basic-auth and ssh-auth types that
// kube-apiserver's validation refuses, in its words; argument checks in kubectl's order; diff
// --prune going on with a warning when a list is refused; a manifest's fields sent in Go's map order;
// keys naming JavaScript's own properties (`__proto__`, `constructor`) taken as any other key;
// the goroutine traces of run --overrides and patch --dry-run=client when the JSON patch library panics.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {comparableKlog, expectSameAsReal, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectlFound} from '../support/real-kubectl.js'

describe.runIf(realKubectlFound)('issue 19 leftovers beside the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    for (const namespace of ['r', 'o']) expect((await cluster.ours(`create ns ${namespace}`)).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  it('runs JSONPath templates with a {range} left open or an {end} too many as kubectl does', async () => {
    for (const template of [
      '{range .items[*]}',
      '{range .items[*]}{.metadata.name}',
      '{range .items[0:2]}{.metadata.name}{"|"}',
      '{range .items[0:2]}[{range .metadata.labels}<{@}>',
      '{range .items[*]}{.metadata.name}{"\\n"}{end}{"x"}',
      '{.items[*]["metadata"].name}',
      "{.items[*]['metadata'].name}",
    ]) {
      await expectSameAsReal(cluster, `get ns -o jsonpath='${template}'`)
    }
    for (const line of ["get ns -o jsonpath-as-json='{range .items[0:2]}{\"|\"}{.metadata.name}'", "get ns -o jsonpath-as-json='{range .nope[*]}{.x}'", 'get ns -o jsonpath=', 'get ns -o go-template=', 'get ns -o jsonpath-file=']) {
      await expectSameAsReal(cluster, line)
    }
    // An {end} outside a range fails when it is reached: the error's first line, then the object kubectl prints.
    for (const template of ['{end}', '{range .items[*]}{end}{end}', 'x{end}']) {
      const [theirs, ours] = [await cluster.real(`get ns -o jsonpath='${template}'`), await cluster.ours(`get ns -o jsonpath='${template}'`)]
      expect({status: ours.status, stdout: ours.stdout, first: ours.stderr.split('\n')[0]}).toEqual({status: theirs.status, stdout: theirs.stdout, first: theirs.stderr.split('\n')[0]})
      expect(ours.stderr).toContain('not in range, nothing to end')
    }
  }, 60_000)

  it('checks run --pod-running-timeout where kubectl does, and times the wait for the pod out with its words', async () => {
    for (const line of ['run p --image=nginx --pod-running-timeout=0s', 'run p --image=nginx --pod-running-timeout=-1s --restart=Bad', 'run p --image=nginx --pod-running-timeout=abc', 'run --image=nginx --pod-running-timeout=-1s', 'run p --image=nginx --dry-run=bad --pod-running-timeout=-1s', 'run p --image=nginx --pod-running-timeout=1h --dry-run=client -o name']) {
      await expectSameAsReal(cluster, line)
    }
    // A pod no node can take never runs: the attach's wait ends at the timeout.
    const result = await expectSameAsReal(cluster, `run waiting --image=busybox --attach --restart=Never --pod-running-timeout=1ms --overrides='{"spec":{"nodeSelector":{"none":"x"}}}' -- echo hi`, ['-n r', '-n o'])
    expect(result.stderr).toBe('error: timed out waiting for the condition\n')
  }, 60_000)

  it('refuses Secrets of the built-in types that lack their keys or carry a docker config that is not a JSON object, in kube-apiserver\'s words', async () => {
    for (const line of [
      'create secret generic s1 --type=kubernetes.io/dockerconfigjson --from-literal=a=b',
      'create secret generic s2 --type=kubernetes.io/dockerconfigjson --from-literal=.dockerconfigjson=notjson',
      'create secret generic s3 --type=kubernetes.io/dockerconfigjson --from-literal=.dockerconfigjson=[]',
      'create secret generic s4 --type=kubernetes.io/dockercfg --from-literal=.dockercfg=x',
      "create secret generic s5 --type=kubernetes.io/dockerconfigjson --from-literal=.dockerconfigjson='{\"a\":1}x'",
      'create secret generic s6 --type=kubernetes.io/basic-auth --from-literal=a=b',
      'create secret generic s7 --type=kubernetes.io/basic-auth --from-literal=username=',
      'create secret generic s8 --type=kubernetes.io/ssh-auth --from-literal=ssh-privatekey=',
      'create secret generic s9 --type=kubernetes.io/dockerconfigjson --from-literal=.dockerconfigjson=null',
      'create secret docker-registry d1 --from-file=.dockerconfigjson=/etc/hostname',
      'create secret docker-registry d2 --docker-server=x --docker-username=u --docker-password=p -o name',
    ]) {
      await expectSameAsReal(cluster, line, ['-n r', '-n o'])
    }
    // Both kubectls above print what kubemu's server says: its words, pinned to kube-apiserver's
    // ValidateSecret (field.Required / field.Invalid with Go's json.Unmarshal errors).
    const said = async (line: string) => (await cluster.ours(`${line} -n o`)).stderr
    expect(await said('create secret generic p1 --type=kubernetes.io/dockerconfigjson --from-literal=a=b')).toBe('error: failed to create secret Secret "p1" is invalid: data[.dockerconfigjson]: Required value\n')
    expect(await said('create secret generic p2 --type=kubernetes.io/dockerconfigjson --from-literal=.dockerconfigjson=notjson')).toBe('error: failed to create secret Secret "p2" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character \'o\' in literal null (expecting \'u\')\n')
    expect(await said('create secret generic p3 --type=kubernetes.io/dockerconfigjson --from-literal=.dockerconfigjson=[]')).toBe('error: failed to create secret Secret "p3" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}\n')
    expect(await said('create secret generic p6 --type=kubernetes.io/basic-auth --from-literal=a=b')).toBe('error: failed to create secret Secret "p6" is invalid: [data[username]: Required value, data[password]: Required value]\n')
    expect(await said('create secret generic p8 --type=kubernetes.io/ssh-auth --from-literal=ssh-privatekey=')).toBe('error: failed to create secret Secret "p8" is invalid: data[ssh-privatekey]: Required value\n')
  }, 60_000)

  it('checks arguments in kubectl\'s order (logs, rollout status) and quotes bad durations and times as Go does', async () => {
    // Nothing below changes anything: both read namespace r.
    expect((await cluster.ours('create cm c1 -n r')).status).toBe(0)
    expect((await cluster.ours('create role ro --verb=get --resource=pods -n r')).status).toBe(0)
    expect((await cluster.ours('run lp --image=busybox --restart=Never -n r')).status).toBe(0)
    for (const line of [
      'rollout status --revision=-1',
      'rollout status --revision=-1 deploy/x',
      'rollout status --revision=-1 -f /nope deploy/x',
      'logs --since-time=bad',
      'logs a b c',
      'logs -l a=b lp',
      'logs nope --since-time=2024-01-01T00:00:00Z --since=2s',
      'logs lp --since-time=2024-01-01T00:00:00Z --since=2s',
      'logs lp --since-time=+2024',
      'logs lp --since-time=-2024',
      'logs lp --since-time=é',
      'logs lp --since=é',
      'logs lp --since=1é',
      'logs lp --since=1\\"',
      'wait --timeout=5ü pod/x',
      'logs lp --limit-bytes=-1',
      'logs lp --tail=-2',
      'logs lp --since=-1s',
      'logs lp extra --all-containers',
      'logs lp -c x lp',
      'logs cm/c1',
      'logs role/ro',
      'exec cm/c1 -- ls',
      'port-forward cm/c1 80',
      'attach cm/c1',
    ]) {
      await expectSameAsReal(cluster, line, ['-n r', '-n r'])
    }
  }, 60_000)

  it('sends a manifest with its keys sorted, as Go encodes a map: the server reports the fault it meets first in that order (a bad Quantity after a wrong type)', async () => {
    const manifest = join(cluster.folder, 'faults.yaml')
    // In the file, the bad quantities come before activeDeadlineSeconds; sorted, after it.
    writeFileSync(manifest, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: faults\nspec:\n  bogus: 1\n  containers:\n  - name: c\n    image: nginx\n    unknownThing: x\n    resources:\n      limits: {memory: 1Gx, cpu: abc}\n  activeDeadlineSeconds: "x"\n')
    for (const line of [`create -f ${manifest}`, `apply -f ${manifest}`, `create -f ${manifest} --dry-run=server`, `replace -f ${manifest} --force`]) {
      const theirs = await expectSameAsReal(cluster, line, ['-n r', '-n o'])
      expect(theirs.stderr).toContain('cannot unmarshal string into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64')
    }
  }, 60_000)

  it('warns that pruning failed when a list is refused and diffs the files all the same, as kubectl diff --prune does', async () => {
    const manifest = join(cluster.folder, 'pruned.yaml')
    writeFileSync(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pc\n  labels: {p: x}\ndata: {a: "1"}\n')
    for (const side of ['r', 'o']) {
      expect((await cluster.ours(`create role cmonly --verb=get,list,patch,create --resource=configmaps -n ${side}`)).status).toBe(0)
      expect((await cluster.ours(`create rolebinding cmonly --role=cmonly --user=pat -n ${side}`)).status).toBe(0)
    }
    for (const line of [`diff --prune -l p=x -f ${manifest} --as=pat`, `diff --prune -l p=x -f ${manifest} --as=pat --prune-allowlist=core/v1/Secret`, `apply --prune -l p=x -f ${manifest} --as=pat --prune-allowlist=core/v1/Secret`]) {
      const [theirs, ours] = [await cluster.real(`${line} -n r`), await cluster.ours(`${line} -n o`)]
      const view = (result: typeof theirs) => ({line, status: result.status, stdout: result.stdout.replace(/\/(LIVE|MERGED)-\d+\//g, '/$1/').replace(/\t\d{4}-\d\d-\d\d .*$/gm, '').replace(/\.[ro]\.pc/g, '.NS.pc').replace(/namespace: [ro]$/gm, 'namespace: NS').replace(/(uid|resourceVersion|creationTimestamp|time): .*$/gm, '$1: X'), stderr: comparableKlog(result.stderr).replace(/"[ro]"/g, '"NS"')})
      expect(view(ours)).toEqual(view(theirs))
    }
    expect((await cluster.ours(`diff --prune -l p=x -f ${manifest} --as=pat -n o`)).stderr).toContain('diff.go:760] pruning failed and could not be evaluated err: error pruning namespaced object /v1, Kind=Endpoints: endpoints is forbidden')
  }, 60_000)

  it('refuses __proto__ and constructor in metadata with the server\'s unknown-field error, never JavaScript text', async () => {
    const cases: Array<[string, string]> = [
      ['proto.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p1\n  __proto__:\n    a: b\ndata:\n  x: "y"\n'],
      ['proto-string.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p2\n  __proto__: x\n'],
      ['constructor.json', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p3","constructor":{"a":1}}}'],
      ['pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p4\nspec:\n  __proto__: {a: 1}\n  containers:\n  - name: c\n    image: nginx\n    toString: x\n'],
    ]
    for (const [file, text] of cases) {
      const manifest = join(cluster.folder, file)
      writeFileSync(manifest, text)
      for (const verb of ['create', 'apply', 'create --dry-run=server']) {
        const theirs = await expectSameAsReal(cluster, `${verb} -f ${manifest}`, ['-n r', '-n o'])
        expect(theirs.stderr).toMatch(/strict decoding error: unknown field "(metadata|spec)\.(__proto__|constructor)"/)
        expect(theirs.stderr).not.toContain('[object Object]')
      }
    }
  }, 60_000)

  it('keeps __proto__ and constructor as ConfigMap keys', async () => {
    const manifest = join(cluster.folder, 'data.json')
    writeFileSync(manifest, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","labels":{"constructor":"x"}},"data":{"__proto__":"v","constructor":"w"}}')
    await expectSameAsReal(cluster, `create -f ${manifest}`, ['-n r', '-n o'])
    const theirs = await expectSameAsReal(cluster, "get cm d -o jsonpath='{.data}{.metadata.labels}'", ['-n r', '-n o'])
    expect(theirs.stdout).toBe('{"__proto__":"v","constructor":"w"}{"constructor":"x"}')
  }, 60_000)

  // Only heap and stack addresses and the values Go marks uncertain (`0x…?`) differ from run to
  // run of the real binary (checked over 10 runs), and are masked.
  it('prints the goroutine traces of run --overrides and of a client dry run of patch when the JSON patch library panics', async () => {
    const masked = (text: string) => text.replace(/0x[0-9a-f]+\?/g, 'GUESS?').replace(/0xc[0-9a-f]{9}\b/g, 'HEAP').replace(/0x7ff[0-9a-f]{9}\b/g, 'STACK')
    for (const line of [
      `run p --image=nginx --dry-run=client -o yaml --override-type=json --overrides='[{"op":"replace","path":""}]'`,
      `run p --image=nginx --override-type=json --overrides='[{"op":"add","path":"/x","value":1},{"op":"replace","path":""}]' -- sh -c 'echo hi'`,
      `run p --image=nginx -l a=b --env=X=1 --port=80 --overrides='[{"op":"test","path":"/spec/zz"}]' --override-type=json --dry-run=server`,
    ]) {
      const [theirs, ours] = [await cluster.real(line), await cluster.ours(line)]
      expect({line, status: theirs.status}).toEqual({line, status: 2})
      expect({line, status: ours.status, stdout: ours.stdout, stderr: masked(ours.stderr)}).toEqual({line, status: theirs.status, stdout: theirs.stdout, stderr: masked(theirs.stderr)})
      expect(ours.stderr).toContain('k8s.io/kubectl/pkg/cmd/run.(*RunOptions).createGeneratedObject(')
    }
    // A client dry run of patch applies the patch in kubectl, to the objects the arguments name
    // (both read the same object: a dry run changes nothing).
    expect((await cluster.ours('create cm x --from-literal=a=b -n r')).status).toBe(0)
    for (const line of [
      `patch cm x -n r --dry-run=client --type=json -p '[{"op":"replace","path":""}]'`,
      `patch cm/x -n r --dry-run=client --type json -p '[{"op":"test","path":"/data/zz"}]' -o yaml`,
      `patch cm x x -n r --dry-run=client --type=json -p '[{"op":"add","path":"/y","value":null},{"op":"add","path":"/y/z","value":1}]'`,
      `patch cm/x cm/x -n r --dry-run=client --type=json -p '[{"op":"replace","path":""}]'`,
    ]) {
      const [theirs, ours] = [await cluster.real(line), await cluster.ours(line)]
      expect({line, status: theirs.status}).toEqual({line, status: 2})
      expect({line, status: ours.status, stdout: ours.stdout, stderr: masked(ours.stderr)}).toEqual({line, status: theirs.status, stdout: theirs.stdout, stderr: masked(theirs.stderr)})
    }
  }, 60_000)
})
