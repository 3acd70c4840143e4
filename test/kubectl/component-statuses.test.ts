// `kubectl get componentstatuses` (`get cs`, the check course notes teach) through `kubemu up`,
// with the real kubectl 1.32 and kubemu's: kube-apiserver's deprecated ComponentStatus API, its
// probes made at request time (etcd-0 turns Unhealthy when etcd loses its quorum), its errors, and
// the generic 405 kube-apiserver answers for a verb a resource has no route for.
import {describe, expect, it} from 'vitest'
import {kubemu} from '../support/up-process.js'
import {runShell} from '../support/shell.js'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

const warning = 'Warning: v1 ComponentStatus is deprecated in v1.19+\n'
const healthy = [
  'NAME                 STATUS    MESSAGE   ERROR',
  'scheduler            Healthy   ok        ',
  'controller-manager   Healthy   ok        ',
  'etcd-0               Healthy   ok        ',
  '',
].join('\n')

describe('kubectl get componentstatuses through up', () => {
  const {ours, real, home} = kubectlsOnUp()
  const both = async (line: string) => {
    const expected = await real(line)
    expect(await ours(line), line).toEqual(expected)
    return expected
  }

  it('lists the components as kube-apiserver checks them, with its deprecation warning', async () => {
    expect(await both('get cs')).toEqual({stdout: healthy, stderr: warning, status: 0})
    expect(await both('get componentstatus scheduler -o yaml')).toEqual({
      stdout: 'apiVersion: v1\nconditions:\n- message: ok\n  status: "True"\n  type: Healthy\nkind: ComponentStatus\nmetadata:\n  creationTimestamp: null\n  name: scheduler\n',
      stderr: warning,
      status: 0,
    })
    expect((await both('get cs --field-selector metadata.name=etcd-0 --no-headers')).stdout).toBe('etcd-0   Healthy   ok    \n')
    // describe reads the object twice; kubectl prints a warning once per process.
    expect((await both('describe cs etcd-0')).stderr).toBe(warning)
  })

  it('answers what the real API server answers for unknown names, fields and verbs', async () => {
    // The deprecation warning comes with every answer of the resource's handlers, errors too.
    expect(await both('get cs nope')).toEqual({stdout: '', stderr: `${warning}Error from server: Component not found: nope\n`, status: 1})
    const unknownField = await both('get cs --field-selector status=x')
    expect(unknownField.stderr).toMatch(/^Warning: v1 ComponentStatus is deprecated in v1\.19\+\n/)
    expect(unknownField.stderr).toContain('"status" is not a known field selector: only "metadata.name", "metadata.namespace"\n')
    expect(await both('get cs --field-selector metadata.namespace=x')).toEqual({stdout: '', stderr: `${warning}No resources found\n`, status: 0})
    expect((await both('get cs -w')).stderr).toBe(`${warning}Error from server (MethodNotAllowed): watch is not supported on resources of kind "componentstatuses"\n`)
    // Not routed: a subresource, the namespaced path, a create.
    expect((await both('get --raw /api/v1/componentstatuses/scheduler/status')).stderr).toBe('Error from server (NotFound): the server could not find the requested resource\n')
    expect((await both('get --raw /api/v1/namespaces/default/componentstatuses/scheduler')).stderr).toBe('Error from server (NotFound): the server could not find the requested resource\n')
    const noRoute = 'Error from server (MethodNotAllowed): the server does not allow this method on the requested resource\n'
    expect(await both('delete cs scheduler')).toEqual({stdout: '', stderr: noRoute, status: 1})
    expect(await both('get tokenreviews')).toEqual({stdout: '', stderr: noRoute, status: 1})
    expect(await both('get bindings -A')).toEqual({stdout: '', stderr: noRoute, status: 1})
    const created = await both(`create -f - <<'EOF'\n{"apiVersion":"v1","kind":"ComponentStatus","metadata":{"name":"x"},"conditions":[]}\nEOF`)
    expect(created.stderr).toContain('the server does not allow this method on the requested resource')
  })

  it('reports etcd-0 Unhealthy while etcd has no quorum, and Healthy again after', async () => {
    const member = (words: string) => runShell(`${kubemu} member ${words}`, {cwd: home(), env: {...process.env, KUBEMU_HOME: home(), KUBECONFIG: ''}})
    expect((await member('stop infra2')).status).toBe(0)
    expect((await member('stop infra3 --force')).status).toBe(0)
    try {
      const down = await both('get cs etcd-0 --no-headers')
      expect(down).toEqual({stdout: 'etcd-0   Unhealthy         error getting data from etcd: etcdserver: request timed out\n', stderr: warning, status: 0})
    } finally {
      expect((await member('start infra2')).status).toBe(0)
      expect((await member('start infra3')).status).toBe(0)
    }
    expect((await both('get cs etcd-0 --no-headers')).stdout).toBe('etcd-0   Healthy   ok    \n')
  }, 60_000)
})
