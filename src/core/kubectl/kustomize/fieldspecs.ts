// Where kustomize's built-in transformers write, as its default transformer configuration
// lists them: a field path (`spec/template/metadata/labels`; a list on the way is walked into
// each item) for the kinds (and groups) it applies to, and whether a missing field is created.
import {isJsonObject, type JsonObject} from '../../api/object.js'
import {groupVersionOf, kindOf} from './resource.js'

export interface FieldSpec {
  readonly path: readonly string[]
  readonly kind?: string
  readonly group?: string
  readonly version?: string
  readonly create: boolean
}

/** `a/b\/c/d` → ['a', 'b/c', 'd']; `containers[]` (kept as written) names the list `containers`. */
function pathOf(text: string): string[] {
  return text.split(/(?<!\\)\//).map((part) => part.replaceAll('\\/', '/'))
}

function spec(path: string, create: boolean, kind?: string, group?: string, version?: string): FieldSpec {
  return {path: pathOf(path), create, ...(kind ? {kind} : {}), ...(group ? {group} : {}), ...(version ? {version} : {})}
}

export function selects(fieldSpec: {kind?: string; group?: string; version?: string}, object: JsonObject): boolean {
  const {group, version} = groupVersionOf(object)
  if (fieldSpec.kind !== undefined && fieldSpec.kind !== kindOf(object)) return false
  if (fieldSpec.group !== undefined && fieldSpec.group !== group) return false
  return fieldSpec.version === undefined || fieldSpec.version === version
}

/**
 * Calls `visit` with the map and field name each path ends at, walking into every item of a
 * list met on the way; missing maps on the way are created only for `create` specs.
 */
export function visitField(object: JsonObject, fieldSpec: FieldSpec, visit: (parent: JsonObject, field: string) => void): void {
  const walk = (node: unknown, depth: number): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, depth)
      return
    }
    if (!isJsonObject(node)) return
    const written = fieldSpec.path[depth]!
    const isList = written.endsWith('[]')
    const field = isList ? written.slice(0, -2) : written
    if (depth === fieldSpec.path.length - 1) {
      visit(node, field)
      return
    }
    if (node[field] === undefined || node[field] === null) {
      // A missing list is never created: there is no item to write into.
      if (!fieldSpec.create || isList) return
      node[field] = {}
    }
    walk(node[field], depth + 1)
  }
  walk(object, 0)
}

export function applyToFields(object: JsonObject, fieldSpecs: readonly FieldSpec[], visit: (parent: JsonObject, field: string, fieldSpec: FieldSpec) => void): void {
  for (const fieldSpec of fieldSpecs) if (selects(fieldSpec, object)) visitField(object, fieldSpec, (parent, field) => visit(parent, field, fieldSpec))
}

const templateKinds: ReadonlyArray<readonly [string, string?, string?]> = [['ReplicationController', undefined, 'v1'], ['Deployment'], ['ReplicaSet'], ['DaemonSet'], ['StatefulSet', 'apps'], ['Job', 'batch']]

/** metadata/labels of everything, and the pod templates' labels of the workloads. */
const metadataLabels: FieldSpec[] = [
  spec('metadata/labels', true),
  ...templateKinds.map(([kind, group, version]) => spec('spec/template/metadata/labels', true, kind, group, version)),
  spec('spec/jobTemplate/metadata/labels', true, 'CronJob', 'batch'),
  spec('spec/jobTemplate/spec/template/metadata/labels', true, 'CronJob', 'batch'),
]

const volumeClaimTemplateLabels = [spec('spec/volumeClaimTemplates[]/metadata/labels', true, 'StatefulSet', 'apps')]

const affinitySelectorPaths = [
  'spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels',
]

/** commonLabels (and labels with includeSelectors): metadata, selectors and templates. */
export const commonLabelFieldSpecs: readonly FieldSpec[] = [
  spec('spec/selector', true, 'Service', undefined, 'v1'),
  spec('spec/selector', true, 'ReplicationController', undefined, 'v1'),
  spec('spec/selector/matchLabels', true, 'Deployment'),
  ...affinitySelectorPaths.map((path) => spec(path, false, 'Deployment', 'apps')),
  spec('spec/selector/matchLabels', true, 'ReplicaSet'),
  spec('spec/selector/matchLabels', true, 'DaemonSet'),
  spec('spec/selector/matchLabels', true, 'StatefulSet', 'apps'),
  ...affinitySelectorPaths.map((path) => spec(path, false, 'StatefulSet', 'apps')),
  spec('spec/selector/matchLabels', false, 'Job', 'batch'),
  spec('spec/jobTemplate/spec/selector/matchLabels', false, 'CronJob', 'batch'),
  spec('spec/selector/matchLabels', false, 'PodDisruptionBudget', 'policy'),
  spec('spec/podSelector/matchLabels', false, 'NetworkPolicy', 'networking.k8s.io'),
  spec('spec/ingress/from/podSelector/matchLabels', false, 'NetworkPolicy', 'networking.k8s.io'),
  spec('spec/egress/to/podSelector/matchLabels', false, 'NetworkPolicy', 'networking.k8s.io'),
  ...metadataLabels,
  ...volumeClaimTemplateLabels,
]

/** labels with includeTemplates. */
export const templateLabelFieldSpecs: readonly FieldSpec[] = metadataLabels

export const metadataLabelsOnly: readonly FieldSpec[] = [spec('metadata/labels', true)]

export const commonAnnotationFieldSpecs: readonly FieldSpec[] = [
  spec('metadata/annotations', true),
  ...templateKinds.map(([kind, group, version]) => spec('spec/template/metadata/annotations', true, kind, group, version)),
  spec('spec/jobTemplate/metadata/annotations', true, 'CronJob', 'batch'),
  spec('spec/jobTemplate/spec/template/metadata/annotations', true, 'CronJob', 'batch'),
]

export const replicasFieldSpecs: readonly FieldSpec[] = ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'].map((kind) => spec('spec/replicas', true, kind))

/** Image fields are only ever rewritten where they exist, so nothing is created on the way. */
export const imageFieldSpecs: readonly FieldSpec[] = ['spec', 'spec/template/spec'].flatMap((podSpec) => [
  spec(`${podSpec}/containers[]/image`, false),
  spec(`${podSpec}/initContainers[]/image`, false),
  spec(`${podSpec}/volumes[]/image/reference`, false),
])

/** Besides metadata.namespace: the other namespace fields the namespace transformer sets. */
export const namespaceFieldSpecs: readonly FieldSpec[] = [
  spec('spec/service/namespace', true, 'APIService', 'apiregistration.k8s.io'),
  spec('spec/conversion/webhook/clientConfig/service/namespace', false, 'CustomResourceDefinition', 'apiextensions.k8s.io'),
]

export {pathOf, spec}
