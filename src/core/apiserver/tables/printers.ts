// Which printer serves each resource: kube's built-in printers, a CRD's
// additionalPrinterColumns (or Name and Age), else the default Name / Created At table.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import type {ResourceDefinition} from '../../api/scheme.js'
import {validatingAdmissionPolicyBindingPrinter, validatingAdmissionPolicyPrinter, webhookConfigurationPrinter} from './admissionregistration.js'
import {apiServicePrinter} from './apiregistration.js'
import {horizontalPodAutoscalerPrinter} from './autoscaling.js'
import {certificateSigningRequestPrinter} from './certificates.js'
import {
  configMapPrinter,
  endpointSlicePrinter,
  endpointsPrinter,
  eventPrinter,
  leasePrinter,
  limitRangePrinter,
  namespacePrinter,
  nodePrinter,
  podDisruptionBudgetPrinter,
  priorityClassPrinter,
  resourceQuotaPrinter,
  roleBindingPrinter,
  rolePrinter,
  secretPrinter,
  serviceAccountPrinter,
  servicePrinter,
  componentStatusPrinter,
} from './cluster.js'
import {ingressClassPrinter, ingressPrinter, networkPolicyPrinter} from './networking.js'
import {persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter} from './storage.js'
import {age, ageColumn, type Cell, type ColumnDefinition, defaultPrinter, nameColumn, type Printer} from './table.js'
import {humanDuration} from '../../util/go-duration.js'
import {
  controllerRevisionPrinter,
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  jobPrinter,
  podPrinter,
  podTemplatePrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  statefulSetPrinter,
} from './workloads.js'

const printers = new Map<string, Printer>([
  ['/pods', podPrinter],
  ['/podtemplates', podTemplatePrinter],
  ['/nodes', nodePrinter],
  ['/namespaces', namespacePrinter],
  ['/services', servicePrinter],
  ['/endpoints', endpointsPrinter],
  ['/configmaps', configMapPrinter],
  ['/secrets', secretPrinter],
  ['/serviceaccounts', serviceAccountPrinter],
  ['/events', eventPrinter],
  ['/resourcequotas', resourceQuotaPrinter],
  ['/componentstatuses', componentStatusPrinter],
  ['/limitranges', limitRangePrinter],
  ['/persistentvolumeclaims', persistentVolumeClaimPrinter],
  ['/replicationcontrollers', replicationControllerPrinter],
  ['/persistentvolumes', persistentVolumePrinter],
  ['storage.k8s.io/storageclasses', storageClassPrinter],
  ['apps/deployments', deploymentPrinter],
  ['apps/replicasets', replicaSetPrinter],
  ['apps/statefulsets', statefulSetPrinter],
  ['apps/daemonsets', daemonSetPrinter],
  ['apps/controllerrevisions', controllerRevisionPrinter],
  ['autoscaling/horizontalpodautoscalers', horizontalPodAutoscalerPrinter],
  ['batch/jobs', jobPrinter],
  ['certificates.k8s.io/certificatesigningrequests', certificateSigningRequestPrinter],
  ['batch/cronjobs', cronJobPrinter],
  ['coordination.k8s.io/leases', leasePrinter],
  ['discovery.k8s.io/endpointslices', endpointSlicePrinter],
  ['networking.k8s.io/networkpolicies', networkPolicyPrinter],
  ['networking.k8s.io/ingresses', ingressPrinter],
  ['networking.k8s.io/ingressclasses', ingressClassPrinter],
  ['policy/poddisruptionbudgets', podDisruptionBudgetPrinter],
  ['scheduling.k8s.io/priorityclasses', priorityClassPrinter],
  ['rbac.authorization.k8s.io/roles', rolePrinter],
  ['rbac.authorization.k8s.io/clusterroles', rolePrinter],
  ['rbac.authorization.k8s.io/rolebindings', roleBindingPrinter],
  ['rbac.authorization.k8s.io/clusterrolebindings', roleBindingPrinter],
  ['admissionregistration.k8s.io/validatingwebhookconfigurations', webhookConfigurationPrinter],
  ['admissionregistration.k8s.io/mutatingwebhookconfigurations', webhookConfigurationPrinter],
  ['admissionregistration.k8s.io/validatingadmissionpolicies', validatingAdmissionPolicyPrinter],
  ['admissionregistration.k8s.io/validatingadmissionpolicybindings', validatingAdmissionPolicyBindingPrinter],
  ['apiregistration.k8s.io/apiservices', apiServicePrinter],
])

/** A CRD column's simple JSONPath (".spec.replicas", ".status.conditions[0].type"). */
function evaluatePath(object: KubeObject, path: string): unknown {
  const normalized = path.replace(/^\{?\.?/, '').replace(/\}$/, '').replace(/\[(\d+)\]/g, '.$1')
  let value: unknown = object
  for (const segment of normalized.split('.').filter((part) => part.length > 0)) {
    if (Array.isArray(value)) value = value[Number(segment)]
    else if (isJsonObject(value)) value = value[segment]
    else return undefined
  }
  return value
}

function customPrinter(definition: ResourceDefinition): Printer {
  const columns = definition.printerColumns ?? []
  if (columns.length === 0) return {columns: [nameColumn, ageColumn], row: (object, now) => [object.metadata.name ?? '', age(object, now)]}
  const definitions: ColumnDefinition[] = [
    nameColumn,
    ...columns.map((printerColumn) => ({
      name: printerColumn.name,
      type: printerColumn.type as ColumnDefinition['type'],
      ...(printerColumn.format ? {format: printerColumn.format} : {}),
      description: printerColumn.description ?? '',
      priority: printerColumn.priority ?? 0,
    })),
  ]
  return {
    columns: definitions,
    row: (object, now) => [
      object.metadata.name ?? '',
      ...columns.map((printerColumn): Cell => {
        const value = evaluatePath(object, printerColumn.jsonPath)
        if (value === undefined || value === null) return null
        if (printerColumn.type === 'date' && typeof value === 'string') return humanDuration(now - Date.parse(value))
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
        return JSON.stringify(value)
      }),
    ],
  }
}

export function printerFor(definition: ResourceDefinition): Printer {
  if (definition.custom) return customPrinter(definition)
  return printers.get(`${definition.group}/${definition.resource}`) ?? defaultPrinter
}
