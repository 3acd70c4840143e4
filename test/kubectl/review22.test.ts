// Review findings of session 22 beside the real kubectl 1.32 through `up`: label, annotate and scale
// filter the objects of -f/-k by -l; label and annotate of an empty kustomization do nothing; -k
// names a single item (--resource-version, --list without headings); label, annotate and patch act
// on the readable objects of a folder and report the unreadable ones after their own errors.
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {realKubectlFound} from '../support/real-kubectl.js'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

/** klog's header (date, time, pid) differs from run to run. */
const masked = (text: string) => text.replace(/^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /gm, '$1 ')

const deployment = (name: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, labels: {app: ${name}}}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: c, image: nginx}]}\n`

describe.runIf(realKubectlFound !== undefined)('session 22 review findings beside the real kubectl through up', () => {
  const {ours, real, home} = kubectlsOnUp()
  const write = (path: string, text: string) => {
    const file = join(home(), path)
    mkdirSync(join(file, '..'), {recursive: true})
    writeFileSync(file, text)
  }
  const files = () => {
    write('dep.yaml', deployment('d1'))
    write('dir/dep.yaml', deployment('d1'))
    write('dir/kustomization.yaml', 'resources:\n- dep.yaml\n')
    write('empty/kustomization.yaml', 'resources: []\n')
    write('mix/a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm1}\n')
    write('mix/kustomization.yaml', 'resources:\n- a.yaml\n')
    write('mix/z.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm2, labels: {k: v}}\n')
  }

  const sameAsReal = async (line: string, stdin?: string) => {
    const [theirs, mine] = [await real(line, stdin), await ours(line, stdin)]
    const view = (result: typeof theirs) => ({line, status: result.status, stdout: result.stdout, stderr: masked(result.stderr)})
    expect(view(mine)).toEqual(view(theirs))
    return theirs
  }

  it('filters the objects of -f and -k by -l in label, annotate and scale', async () => {
    files()
    expect((await real('apply -f dep.yaml')).status).toBe(0)
    for (const line of [
      'annotate -f dep.yaml -l app=nope sel=1 --overwrite',
      'label -f dep.yaml -l app=nope x=1',
      'label -k dir -l app=nope x=1',
      'scale -k dir -l app=nope --replicas=3',
      'scale -f dep.yaml -l app=nope --replicas=3',
      'annotate -f dep.yaml -l app=d1 sel=2 --overwrite --dry-run=server',
      'scale -k dir -l app=d1 --replicas=1 --dry-run=server',
    ]) {
      await sameAsReal(line)
    }
    expect((await real('get deploy d1 -o jsonpath={.metadata.annotations.sel}{.spec.replicas}')).stdout).toBe('1')
  }, 60_000)

  it('labels and annotates nothing, quietly, from an empty kustomization', async () => {
    files()
    for (const line of ['annotate -k empty a=1', 'label -k empty a=1', 'label -k empty --list', 'scale -k empty --replicas=1', "patch -k empty -p '{}'"]) {
      await sameAsReal(line)
    }
  })

  it('takes -k as naming a single item: --resource-version, --list without headings', async () => {
    files()
    expect((await real('apply -f dep.yaml')).status).toBe(0)
    await sameAsReal('label -k dir --list')
    await sameAsReal('annotate -k dir --list')
    for (const run of [real, ours]) {
      const version = (await real('get deploy d1 -o jsonpath={.metadata.resourceVersion}')).stdout
      const result = await run(`annotate -k dir rv=${version} --resource-version=${version} --overwrite`)
      expect({status: result.status, stdout: result.stdout, stderr: result.stderr}).toEqual({status: 0, stdout: 'deployment.apps/d1 annotated\n', stderr: ''})
    }
    await sameAsReal('label -k dir x=1 --resource-version=1')
  })

  it('acts on the readable objects of a folder and reports the unreadable files last', async () => {
    files()
    expect((await real('apply -f mix/a.yaml -f mix/z.yaml')).status).toBe(0)
    // cm1 gets k=w, cm2 keeps its k=v: the same again fails on cm2 only.
    expect((await real('label -f mix k=w')).status).toBe(1)
    for (const line of [
      'label -f mix k=w --dry-run=server',
      'label -f mix k=w',
      'annotate -f mix x=1 --dry-run=server',
      `patch -f mix -p '{"data":{"q":"r"}}' --dry-run=server`,
      "patch -f mix -p '{}'",
      'label -f mix/kustomization.yaml a=1',
      "patch -f mix/kustomization.yaml -p '{}'",
      'scale -f mix --replicas=1',
    ]) {
      await sameAsReal(line)
    }
  })
})
