// `kubectl describe`: TYPE NAME…, TYPE/NAME…, TYPE with -l or alone (every object of it), each
// described in kubectl's layout with its events; descriptions separated by two blank lines.
import type {KubeObject} from '../../api/object.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {describeUnstructured} from '../describe/unstructured.js'
import {readSchedulingReport} from '../../scheduler/reports.js'
import {type DescribeContext, describeConfigMap, describeDeployment, describeJob, describeNamespace, describeNode, describePod, describeReplicaSet, describeResourceQuota, describeSecret, describeService, describeServiceAccount} from '../describe/kinds.js'
import {describeIngress, describeIngressClass} from '../describe/ingress.js'
import {describeHorizontalPodAutoscaler} from '../describe/horizontal-pod-autoscaler.js'
import {describeNetworkPolicy} from '../describe/network-policy.js'
import {describeReplicationController} from '../describe/replication-controller.js'
import {describePersistentVolume, describePersistentVolumeClaim, describeStorageClass} from '../describe/storage.js'
import {collectServerError, KubectlError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {type ApiResource, collectionPath, ResourceMapper, objectPath} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {parseResourceArguments} from './get.js'

export const describeFlags: readonly KubectlFlag[] = [
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'all-namespaces', shorthand: 'A', kind: 'bool'},
  {name: 'show-events', kind: 'bool', defaultValue: 'true'},
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'chunk-size', kind: 'int', defaultValue: '500'},
]

type Describer = (object: KubeObject, context: DescribeContext) => Promise<string>

const describers = new Map<string, Describer>([
  ['/pods', describePod],
  ['apps/deployments', describeDeployment],
  ['apps/replicasets', describeReplicaSet],
  ['/replicationcontrollers', describeReplicationController],
  ['batch/jobs', describeJob],
  ['/nodes', describeNode],
  ['/services', describeService],
  ['/namespaces', describeNamespace],
  ['/configmaps', describeConfigMap],
  ['/secrets', (object) => describeSecret(object)],
  ['/serviceaccounts', describeServiceAccount],
  ['/resourcequotas', describeResourceQuota],
  ['/persistentvolumeclaims', describePersistentVolumeClaim],
  ['/persistentvolumes', describePersistentVolume],
  ['storage.k8s.io/storageclasses', describeStorageClass],
  ['networking.k8s.io/networkpolicies', (object) => describeNetworkPolicy(object)],
  ['networking.k8s.io/ingresses', describeIngress],
  ['networking.k8s.io/ingressclasses', describeIngressClass],
  ['autoscaling/horizontalpodautoscalers', describeHorizontalPodAutoscaler],
  ['admissionregistration.k8s.io/validatingwebhookconfigurations', describeUnstructured],
  ['admissionregistration.k8s.io/mutatingwebhookconfigurations', describeUnstructured],
  ['admissionregistration.k8s.io/validatingadmissionpolicies', describeUnstructured],
  ['admissionregistration.k8s.io/validatingadmissionpolicybindings', describeUnstructured],
])

/** The generic describer of kinds without their own: metadata, then the rest as YAML. */
async function describeGeneric(object: KubeObject, context: DescribeContext): Promise<string> {
  const {metadata, apiVersion, kind, ...rest} = object
  let text = `Name:         ${metadata.name ?? ''}\n`
  if (metadata.namespace) text += `Namespace:    ${metadata.namespace}\n`
  const labels = Object.entries(metadata.labels ?? {}).sort(([left], [right]) => (left < right ? -1 : 1))
  text += `Labels:       ${labels.length === 0 ? '<none>' : labels.map(([key, value], index) => `${index === 0 ? '' : '              '}${key}=${value}`).join('\n')}\n`
  const annotations = Object.entries(metadata.annotations ?? {}).filter(([key]) => key !== 'kubectl.kubernetes.io/last-applied-configuration')
  text += `Annotations:  ${annotations.length === 0 ? '<none>' : annotations.map(([key, value], index) => `${index === 0 ? '' : '              '}${key}: ${value}`).join('\n')}\n`
  text += `API Version:  ${apiVersion ?? ''}\nKind:         ${kind ?? ''}\n`
  const body = goYaml(rest)
  if (Object.keys(rest).length > 0) text += body.replace(/^/gm, '').replace(/\n$/, '\n')
  if (context.showEvents) text += 'Events:       <none>\n'
  return text
}

export async function runDescribe(session: KubectlSession, args: readonly string[]): Promise<number> {
  const mapper = await ResourceMapper.discover(session)
  const requests = parseResourceArguments(mapper, args)
  if (requests.length === 0) {
    throw new KubectlError('You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.')
  }
  const allNamespaces = session.flag('all-namespaces') === 'true'
  const namespace = allNamespaces ? '' : session.namespace()
  const context: DescribeContext = {
    nowMilliseconds: session.clock.nowMilliseconds(),
    showEvents: session.flag('show-events') !== 'false',
    schedulingReport: (podUid) => readSchedulingReport(session.clusterFolder(), podUid),
    list: async (group, resource, listNamespace, query) => {
      const found = mapper.resources.find((candidate) => candidate.group === group && candidate.resource === resource)
      if (!found) return []
      const response = await session.request('GET', collectionPath(found, found.namespaced ? listNamespace : ''), {query, allow: [403, 404]})
      return response.status === 200 ? ((response.body as {items?: KubeObject[]}).items ?? []) : []
    },
  }
  const targets: Array<{resource: ApiResource; object: KubeObject}> = []
  const errors: string[] = []
  for (const {resource, names} of requests) {
    if (names.length > 0) {
      for (const name of names) {
        try {
          targets.push({resource, object: (await session.request('GET', objectPath(resource, namespace || session.namespace(), name))).body as KubeObject})
        } catch (error) {
          collectServerError(error, errors, false)
        }
      }
      continue
    }
    const query: Record<string, string> = {}
    if (session.flag('selector')) query.labelSelector = session.flag('selector')
    const listed = await session.request('GET', collectionPath(resource, resource.namespaced ? namespace : ''), {query})
    for (const item of (listed.body as {items?: KubeObject[]}).items ?? []) targets.push({resource, object: item})
  }
  const descriptions: string[] = []
  for (const {resource, object} of targets) {
    const describer = describers.get(`${resource.group}/${resource.resource}`) ?? describeGeneric
    descriptions.push(await describer({apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version, kind: resource.kind, ...object}, context))
  }
  session.io.stdout(descriptions.join('\n\n'))
  for (const error of errors) session.io.stderr(`${error}\n`)
  if (targets.length === 0 && errors.length === 0) {
    session.io.stderr(allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`)
  }
  return errors.length > 0 ? 1 : 0
}
