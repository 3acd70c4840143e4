// `kubectl cluster-info dump`: the nodes, then for each namespace (kube-system and the current
// one, --namespaces a,b, or -A for all) its events, replication controllers, services, daemon
// sets, deployments, replica sets and pods as typed lists (JSON by default, or YAML), and every
// container's logs between kubectl's START and END lines; on stdout, or into files under
// --output-directory laid out as kubectl 1.32 lays them out.
import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import type {KubeObject} from '../../api/object.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {goJson} from '../../util/go-json.js'
import {KubectlError, ServerError} from '../errors.js'
import {outputFormatOf, printTemplated, withoutManagedFields} from '../output.js'
import type {KubectlSession} from '../session.js'
import {asTypedObject} from '../typed-object.js'

/** What a namespace's dump lists, in kubectl's order: the file name and the collection path. */
const namespacedLists = [
  {file: 'events', path: (namespace: string) => `/api/v1/namespaces/${namespace}/events`},
  {file: 'replication-controllers', path: (namespace: string) => `/api/v1/namespaces/${namespace}/replicationcontrollers`},
  {file: 'services', path: (namespace: string) => `/api/v1/namespaces/${namespace}/services`},
  {file: 'daemonsets', path: (namespace: string) => `/apis/apps/v1/namespaces/${namespace}/daemonsets`},
  {file: 'deployments', path: (namespace: string) => `/apis/apps/v1/namespaces/${namespace}/deployments`},
  {file: 'replicasets', path: (namespace: string) => `/apis/apps/v1/namespaces/${namespace}/replicasets`},
  {file: 'pods', path: (namespace: string) => `/api/v1/namespaces/${namespace}/pods`},
]

/** A list as the typed client gives it to kubectl's printer: the list's kind, its items without theirs, in the Go structs' order. */
function typedList(body: unknown, itemKind: string, apiVersion: string): Record<string, unknown> {
  const list = body as {metadata?: Record<string, unknown>; items?: KubeObject[]}
  const items = (list.items ?? []).map((item) => {
    const {kind: _kind, apiVersion: _apiVersion, ...fields} = asTypedObject({...item, kind: itemKind, apiVersion})
    return fields
  })
  const metadata = Object.fromEntries(Object.entries(list.metadata ?? {}).filter(([, value]) => value !== '' && value !== undefined))
  return {kind: `${itemKind}List`, apiVersion, metadata, items}
}

const itemKinds: Record<string, string> = {
  events: 'Event', 'replication-controllers': 'ReplicationController', services: 'Service', daemonsets: 'DaemonSet', deployments: 'Deployment', replicasets: 'ReplicaSet', pods: 'Pod',
}

export async function runClusterInfoDump(session: KubectlSession): Promise<number> {
  const output = session.flag('output')
  const formats = ['go-template', 'go-template-file', 'json', 'jsonpath', 'jsonpath-as-json', 'jsonpath-file', 'name', 'template', 'templatefile', 'yaml']
  if (!formats.includes(output.split('=')[0]!)) throw new KubectlError(`unable to match a printer suitable for the output format "${output}", allowed formats are: ${formats.join(',')}`)
  // The other formats print each list with kubectl's printer for them (a template sees the typed list).
  const templated = output === 'json' || output === 'yaml' ? null : outputFormatOf(output, session.flag('template'), session.flag('allow-missing-template-keys'))
  const directory = session.flag('output-directory')
  const extension = output === 'yaml' ? '.yaml' : output === 'json' ? '.json' : '.txt'
  let printed = 0
  const showManagedFields = session.flag('show-managed-fields') === 'true'
  const format = (list: unknown) => {
    const value = showManagedFields ? list : withoutManagedFields(list)
    if (templated?.format === 'name') throw new KubectlError(`list types are not supported by name printing: *v1.${(list as {kind: string}).kind}`)
    if (templated) return printTemplated(templated, [value], true, false)
    return output === 'yaml' ? `${printed++ > 0 ? '---\n' : ''}${goYaml(value)}` : `${goJson(value, false)}\n`
  }
  // kubectl's setupOutputWriter: stdout, or a file under the directory (its folders made), written once.
  const write = (name: string, fileExtension: string, text: string) => {
    if (directory === '' || directory === '-') return session.io.stdout(text)
    const path = join(directory, `${name}${fileExtension}`)
    mkdirSync(dirname(path), {recursive: true})
    writeFileSync(path, text)
  }
  write('nodes', extension, format(typedList((await session.request('GET', '/api/v1/nodes')).body, 'Node', 'v1')))
  let namespaces: string[]
  if (session.flag('all-namespaces') === 'true') {
    namespaces = (((await session.request('GET', '/api/v1/namespaces')).body as {items?: KubeObject[]}).items ?? []).map((namespace) => namespace.metadata.name ?? '')
  } else {
    namespaces = session.list('namespaces').length > 0 ? session.list('namespaces') : ['kube-system', session.namespace()]
  }
  for (const namespace of namespaces) {
    let pods: KubeObject[] = []
    for (const {file, path} of namespacedLists) {
      const body = (await session.request('GET', path(encodeURIComponent(namespace)))).body
      const kind = itemKinds[file]!
      write(join(namespace, file), extension, format(typedList(body, kind, file === 'daemonsets' || file === 'deployments' || file === 'replicasets' ? 'apps/v1' : 'v1')))
      if (file === 'pods') pods = (body as {items?: KubeObject[]}).items ?? []
    }
    for (const pod of pods) {
      const spec = (pod.spec ?? {}) as {initContainers?: Array<{name: string}>; containers?: Array<{name: string}>}
      let text = ''
      for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        const which = `container ${container.name} of pod ${pod.metadata.namespace ?? namespace}/${pod.metadata.name ?? ''}`
        text += `==== START logs for ${which} ====\n`
        try {
          const logs = await session.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod.metadata.name ?? '')}/log`, {query: {container: container.name}})
          text += typeof logs.body === 'string' ? logs.body : Buffer.from(logs.body as Uint8Array).toString()
        } catch (error) {
          if (!(error instanceof ServerError)) throw error
          text += `Request log error: ${error.status.message ?? ''}\n`
        }
        text += `==== END logs for ${which} ====\n`
      }
      write(join(namespace, pod.metadata.name ?? '', 'logs'), '.txt', text)
    }
  }
  if (directory !== '' && directory !== '-') session.io.stdout(`Cluster info dumped to ${directory}\n`)
  return 0
}
