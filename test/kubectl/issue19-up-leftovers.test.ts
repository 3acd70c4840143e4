// Issue 19's leftovers beside the real kubectl 1.32 through `up`: api-versions asks the server
// every time (a refused login fails it even with a warm discovery cache); apply, create and
// replace -f/-k fail in validation when the server's OpenAPI cannot be downloaded (a refused
// login, a closed port), before any discovery; patch has kubectl's own flags (no -l, --all, -A,
// --resource-version; -k and -R) and its Validate's errors in its order; arguments beside -f are
// refused in the builder's two messages (TYPE NAME, TYPE/NAME); apply names the object it could
// not read (`error when retrieving current configuration of: …`); a JSON patch that makes the Go
// library panic under patch -f/-k (client dry run) and expose --overrides prints the whole trace.
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {realKubectlFound} from '../support/real-kubectl.js'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

/** klog's header (date, time, pid) differs from run to run. */
const masked = (text: string) => text.replace(/^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /gm, '$1 ')

describe.runIf(realKubectlFound !== undefined)('issue 19 leftovers beside the real kubectl through up: api-versions, validation, patch', () => {
  const {ours, real, home} = kubectlsOnUp()
  const files = () => {
    const folder = home()
    writeFileSync(join(folder, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n')
    writeFileSync(join(folder, 'cm2.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n')
    writeFileSync(join(folder, 'nover.yaml'), 'kind: ConfigMap\nmetadata: {name: c}\n')
    writeFileSync(join(folder, 'empties.yaml'), '---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n')
    writeFileSync(join(folder, 'list.yaml'), 'apiVersion: v1\nkind: List\nitems: []\n')
    writeFileSync(join(folder, 'dx.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: dx}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}\n')
    writeFileSync(join(folder, 'dep.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: dd, namespace: kube-system}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: nginx}]}\n')
    mkdirSync(join(folder, 'kk'), {recursive: true})
    writeFileSync(join(folder, 'kk', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\n')
    writeFileSync(join(folder, 'kk', 'kustomization.yaml'), 'resources:\n- cm.yaml\n')
  }

  const sameAsReal = async (line: string, stdin?: string) => {
    const [theirs, mine] = [await real(line, stdin), await ours(line, stdin)]
    const view = (result: typeof theirs) => ({line, status: result.status, stdout: result.stdout, stderr: masked(result.stderr)})
    expect(view(mine)).toEqual(view(theirs))
    return theirs
  }

  it('fails api-versions with a refused login or a closed port, even after a discovery that filled the cache', async () => {
    // The cache is filled first: kubemu printed its list where kubectl asks the server again.
    expect((await sameAsReal('api-versions')).stdout).toContain('apps/v1\n')
    // At -v=3 the same lines, but for the feature gates' (Go prints them in its map's random order)
    // and no shortcut expander's give-up: api-versions does not map resources.
    for (const line of ['api-versions --token=bogus -v=3', 'api-versions --server=https://127.0.0.1:1 -v=3']) {
      const withoutGates = (text: string) => masked(text).split('\n').filter((entry) => !entry.includes('envvar.go')).join('\n')
      const [theirs, mine] = [await real(line), await ours(line)]
      expect({line, status: mine.status, stderr: withoutGates(mine.stderr)}).toEqual({line, status: theirs.status, stderr: withoutGates(theirs.stderr)})
    }
    for (const line of ['api-versions --token=bogus', 'api-versions --as=system:anonymous', 'api-versions --server=https://127.0.0.1:1', 'api-versions --token=bogus --cache-dir=fresh-cache']) {
      expect((await sameAsReal(line)).status).toBe(1)
    }
  }, 60_000)

  it('fails apply, create and replace in validation when the OpenAPI cannot be downloaded', async () => {
    files()
    const lines = ['-f cm.yaml --token=bogus', '-f - --token=bogus', '-f cm.yaml -f cm2.yaml --token=bogus', '-k kk --token=bogus', '-f cm.yaml --as=system:anonymous', '-f cm.yaml --server=https://127.0.0.1:1', '-f cm.yaml --server=https://127.0.0.1:1 --request-timeout=5s', '-k kk --server=https://127.0.0.1:1', '-f empties.yaml --token=bogus', '-f cm.yaml --token=bogus --validate=warn', '-f cm.yaml --token=bogus --dry-run=client']
    for (const verb of ['apply', 'create', 'replace']) {
      for (const line of lines) {
        const theirs = await sameAsReal(`${verb} ${line}`, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\n')
        expect(theirs.stderr).toContain('failed to download openapi')
      }
    }
    // What validation itself finds comes first; a List is not asked about; --validate=false goes on to the server.
    for (const line of ['create -f nover.yaml --token=bogus', 'create -f list.yaml --token=bogus', 'create -f cm.yaml --token=bogus --validate=false', 'replace -f cm.yaml --token=bogus --validate=false', 'apply -f cm.yaml -f nothere.yaml --token=bogus']) {
      await sameAsReal(line)
    }
    // An empty stream or bad YAML asks nothing (no objects, or the YAML's error); replace --force
    // deletes without validating (its refusal is the delete's), and validates before the create.
    writeFileSync(join(home(), 'empty.yaml'), '')
    writeFileSync(join(home(), 'bad.yaml'), 'a: [\n')
    expect((await real('create -f cm.yaml')).status).toBe(0)
    for (const line of ['create -f empty.yaml --token=bogus', 'create -f bad.yaml --token=bogus', 'replace --force -f cm.yaml --token=bogus']) {
      await sameAsReal(line)
    }
    // apply's read of the live object refused: the object named as the builder mapped it.
    for (const line of ['apply -f cm.yaml --token=bogus --validate=false', 'apply -f cm.yaml --as=nobody', 'apply -f dep.yaml --as=nobody', 'apply -f cm.yaml -f dep.yaml --as=nobody']) {
      expect((await sameAsReal(line)).stderr).toContain('error when retrieving current configuration of:\nResource: ')
    }
  }, 120_000)

  it('takes -k and -R in label, annotate and scale, as kubectl 1.32 does', async () => {
    files()
    mkdirSync(join(home(), 'rr', 'sub'), {recursive: true})
    writeFileSync(join(home(), 'rr', 'sub', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: r}\n')
    for (const line of ['label -k kk a=b --local -o name', 'annotate -k kk a=b --local -o yaml', 'label -f rr -R a=b --local -o name', 'annotate -f rr --recursive a=b --local -o name', 'label -f rr a=b --local', 'scale -k kk --replicas=2 --dry-run=client']) {
      await sameAsReal(line)
    }
  })

  it('has patch\'s own flags and its Validate\'s errors, in its order', async () => {
    files()
    expect((await ours('create cm x')).status).toBe(0)
    for (const line of [
      "patch -l app=x cm -p '{}'",
      "patch --all cm -p '{}'",
      "patch -A cm x -p '{}'",
      "patch --selector=a cm x -p '{}'",
      "patch --resource-version=1 cm x -p '{}'",
      "patch cm x -f cm.yaml -p '{}'",
      "patch -f cm.yaml cm -p '{}'",
      "patch cm x --local -p '{}'",
      "patch cm --local -p '{}'",
      "patch --local -p '{}'",
      "patch -p '{}'",
      "patch cm x --local --dry-run=server -p '{}'",
      'patch cm x --type=bad',
      "patch cm x --type=bad -p '{}' --local",
      "patch cm x --type=JSON -p '[]' --dry-run=client",
      "patch cm x -p '{}' --patch-file=nothere",
      'patch cm x --patch-file=nothere',
      'patch cm x --patch-file=kk',
      "patch -f /dev/null -p '{}'",
      "patch -f cm.yaml -k kk -p '{}'",
      "patch -k nothere -p '{}'",
      "patch -R -f cm.yaml -p '{}' --local -o name",
      `patch -k kk -p '{"data":{"z":"1"}}' --local -o yaml`,
      "patch -k kk -p '{}' --dry-run=client -o yaml",
      'label cm x -f cm.yaml a=b',
      'annotate cm x -f cm.yaml a=b',
      'scale cm x -f cm.yaml --replicas=1',
      // TYPE/NAME beside -f is the builder's other refusal (its resource tuples).
      "patch -f cm.yaml cm/c -p '{}'",
      'label -f cm.yaml cm/c a=b',
      'scale -f cm.yaml cm/c --replicas=1',
      'get -f cm.yaml cm/c',
      'describe -f cm.yaml cm/c',
    ]) {
      await sameAsReal(line)
    }
  }, 120_000)

  // Only heap and stack addresses and the values Go marks uncertain (`0x…?`) differ from run to run of the real binary.
  it('prints the whole goroutine trace of a JSON patch panic under patch -f/-k (client dry run or --local) and expose --overrides', async () => {
    files()
    const traceMasked = (text: string) => text.replace(/0x[0-9a-f]+\?/g, 'GUESS?').replace(/0xc[0-9a-f]{9}\b/g, 'HEAP').replace(/0x7ff[0-9a-f]{9}\b/g, 'STACK')
    expect((await ours('create -f dx.yaml')).status).toBe(0)
    const replaceRoot = `'[{"op":"replace","path":""}]'`
    const testMissing = `'[{"op":"test","path":"/spec/zz"}]'`
    for (const line of [
      `patch -f cm.yaml --dry-run=client --type=json -p ${replaceRoot}`,
      `patch -f cm.yaml -f cm2.yaml --dry-run=client --type=json -p ${replaceRoot} -o yaml`,
      `patch -f - --dry-run=client --type=json -p ${replaceRoot}`,
      `patch -k kk --local --type=json -p ${replaceRoot}`,
      `patch -k kk --dry-run=client --type=json -p ${replaceRoot} -o name`,
      `expose deploy dx --port=80 --override-type=json --overrides=${replaceRoot}`,
      `expose deploy/dx --port=80 --override-type=json --overrides=${testMissing} -o yaml`,
      `expose -f dx.yaml --port=80 --dry-run=client --override-type=json --overrides=${replaceRoot}`,
      `expose -f dx.yaml -f dx.yaml --name=x --override-type=json --overrides=${replaceRoot}`,
    ]) {
      const stdin = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\n'
      // The real kubectl is given --kubeconfig: kubemu's too, as cobra's arguments show in the trace.
      const [theirs, mine] = [await real(line, stdin), await ours(`--kubeconfig=${join(home(), 'default', 'kubeconfig')} ${line}`, stdin)]
      expect({line, status: theirs.status}).toEqual({line, status: 2})
      expect({line, status: mine.status, stdout: mine.stdout, stderr: traceMasked(mine.stderr)}).toEqual({line, status: theirs.status, stdout: theirs.stdout, stderr: traceMasked(theirs.stderr)})
      expect(mine.stderr).toContain('k8s.io/cli-runtime/pkg/resource.(*Result).Visit(')
    }
  }, 120_000)
})
